"""Flux's events and notifications: the event model, Alert matching, Provider requests.

Follows notification-controller (reference ``flux-notifications.md``): :mod:`event` is the event
JSON, :mod:`alert` and :mod:`provider` validate and match the two kinds, :mod:`providers` builds
the exact request each provider type sends, :mod:`dispatch` runs one event through dedup, matching
and delivery.
"""
