"""The flux CLI's artifact verbs as functions: push, pull, list and tag OCI artifacts."""
