"""tagpilot.registry."""
