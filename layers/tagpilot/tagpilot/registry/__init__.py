"""Container registry access: Flux-compatible image names, tag listing, digest lookup.

- :mod:`~tagpilot.registry.names`: ``parse_image_reference`` (pure; ggcr v0.21.6 rules).
- :mod:`~tagpilot.registry.client`: ``RegistryClient.list_tags`` / ``head_digest``.
- :mod:`~tagpilot.registry.auth`, :mod:`~tagpilot.registry.credentials`,
  :mod:`~tagpilot.registry.ecr`: credentials, TLS and proxy settings from secrets or ECR.
- :mod:`~tagpilot.registry.errors`: the typed errors.
"""
