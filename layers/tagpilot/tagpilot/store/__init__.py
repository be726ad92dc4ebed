"""tagpilot.store."""
