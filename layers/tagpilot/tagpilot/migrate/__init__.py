"""Flux v1 image automation (annotations) to Flux v2 objects and setter markers.

:func:`tagpilot.migrate.plan.plan_migration` reads a directory, finds the automated workloads and
HelmReleases, and returns the v2 objects, the byte edits that add markers, and the report of what
cannot be migrated. The CLI (``tagpilot migrate flux-v1``) prints or writes them.
"""
