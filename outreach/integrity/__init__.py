"""Campaign integrity signals: scan patterns that look wrong, shown to coordinators, never acted on."""
