"""tagpilot.reconcile."""
