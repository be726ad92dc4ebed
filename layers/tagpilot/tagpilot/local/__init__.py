"""tagpilot.local."""
