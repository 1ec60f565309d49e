"""The public side: typed-code entry and the participation board (no login)."""
