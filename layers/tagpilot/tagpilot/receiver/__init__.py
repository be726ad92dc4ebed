"""tagpilot.receiver."""
