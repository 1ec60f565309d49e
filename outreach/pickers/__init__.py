"""Search pickers for areas and promoters: server-rendered search without JavaScript, JSON with it."""
