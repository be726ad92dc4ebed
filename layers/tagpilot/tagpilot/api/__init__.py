"""tagpilot.api."""
