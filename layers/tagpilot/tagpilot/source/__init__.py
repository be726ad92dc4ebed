"""tagpilot.source."""
