"""tagpilot.receiver: Flux ``Receiver`` webhooks and ECR push events.

Modules: ``path`` (webhook path), ``spec`` and ``manifest`` (Receiver validation), ``request``
(API Gateway v2 event -> request), ``validate`` (per-type authentication, reference §3),
``select`` (resource selection), ``pipeline`` (status-code ordering), ``ecr`` (EventBridge ECR
events). ``gojson``, ``gomime``, ``gotime``, ``gostrings`` and ``pubsub`` reproduce the Go
decoding rules Flux's outcome depends on.
"""
