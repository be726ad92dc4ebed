"""tagpilot.runtime."""
