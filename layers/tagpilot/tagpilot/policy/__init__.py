"""tagpilot.policy: ImagePolicy tag selection, exactly as Flux's image-reflector-controller.

Laid out like IRC ``internal/policy``: one module per policy (:mod:`.semver`,
:mod:`.alphabetical`, :mod:`.numerical`), the tag filter (:mod:`.filter`), the factory
(:mod:`.factory`) and the evaluation entry point (:func:`tagpilot.policy.evaluate.evaluate`).
:func:`tagpilot.policy.tags.stored_order` gives the tag order policies see. Pure Python: no AWS,
HTTP or Git imports.
"""
