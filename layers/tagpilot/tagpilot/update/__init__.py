"""tagpilot.update."""
