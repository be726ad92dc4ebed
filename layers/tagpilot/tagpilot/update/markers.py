"""Read a setter name out of a YAML comment, like kyaml ``FieldMeta.Read``.

The comment text (from ``#``) has its leading ``#`` characters stripped and must then be a
complete JSON document. Two forms resolve:

- short hand ``{"$imagepolicy": "<ns>:<policy>[:tag|:name|:digest]"}``: a JSON object whose
  values are all strings (Go ``json.Unmarshal`` into ``map[string]string``; ``null`` values
  count as ``""``) with a non-empty ``$imagepolicy``;
- long form ``{"$ref": "#/definitions/io.k8s.cli.setters.<setter>"}`` (an OpenAPI schema
  reference). Other keys of the long form are not validated as OpenAPI schema fields.

Anything else is not a marker and is silently ignored.
"""

from __future__ import annotations

import json
from typing import Any

SHORT_HAND_KEY = "$imagepolicy"
REF_PREFIX = "#/definitions/io.k8s.cli.setters."


def _reject_constant(name: str) -> Any:
    # Go's encoding/json has no NaN/Infinity literals; Python accepts them by default.
    raise ValueError(name)


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None


def setter_name(comment: str) -> str | None:
    """Return the setter a marker comment names, or ``None``.

    Parameters
    ----------
    comment : str
        The comment text starting at ``#`` (the line break excluded).

    Returns
    -------
    str or None
        e.g. ``"flux-system:app:tag"``.

    Examples
    --------
    >>> setter_name('# {"$imagepolicy": "flux-system:app:tag"}')
    'flux-system:app:tag'
    >>> setter_name("# {'$imagepolicy': 'flux-system:app'}") is None
    True
    """
    data = _load_json(comment.lstrip("#"))
    if not isinstance(data, dict):
        return None
    if all(v is None or isinstance(v, str) for v in data.values()):
        name = data.get(SHORT_HAND_KEY)
        if name:
            return str(name)
    ref = data.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX) and len(ref) > len(REF_PREFIX):
        return ref[len(REF_PREFIX) :]
    return None
