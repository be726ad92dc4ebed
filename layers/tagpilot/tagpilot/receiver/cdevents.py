"""Minimal CDEvents validation for ``cdevents`` receivers.

Flux parses the body with the CDEvents Go SDK (v0.5, package ``api/v04``) and validates it
against the event's JSON schema. tagpilot checks the parts every schema requires instead of
shipping the schemas: a JSON object (``json.Unmarshal`` strictness) with

* ``context``: ``id`` and ``source`` non-empty strings, ``type`` a ``dev.cdevents.*`` type
  (``dev.cdevents.<subject>.<predicate>.<major>.<minor>.<patch>``), ``timestamp`` RFC 3339,
  and ``specversion`` (spec 0.5+) or ``version`` (spec 0.4) a semantic version;
* ``subject``: ``id`` a non-empty string and ``content`` an object.

Events the full schema would refuse for a subject-specific field still pass here (documented
deviation).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tagpilot.golang.time import is_rfc3339
from tagpilot.receiver.errors import PayloadError

_TYPE = re.compile(r"dev\.cdevents\.[a-z]+\.[a-z]+\.[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?")
_SEMVER = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?")


def validate_cdevent(body: bytes) -> dict[str, Any]:
    """Validate a CDEvent body and return it parsed.

    Raises
    ------
    PayloadError
        Not JSON, or a required context/subject field is missing or malformed.

    Examples
    --------
    >>> validate_cdevent(b"{}")
    Traceback (most recent call last):
    ...
    tagpilot.receiver.errors.PayloadError: invalid CDEvent: context must be an object
    """
    try:
        event = json.loads(body.decode("utf-8", errors="replace"), parse_constant=_reject)
    except (ValueError, RecursionError):
        raise PayloadError("invalid CDEvent: body is not JSON") from None
    if not isinstance(event, dict):
        raise PayloadError("invalid CDEvent: body must be a JSON object")
    context = _object(event, "context")
    for key in ("id", "source"):
        _non_empty(context, key, "context")
    if not _TYPE.fullmatch(_non_empty(context, "type", "context")):
        raise PayloadError("invalid CDEvent: context.type is not a dev.cdevents type")
    if not is_rfc3339(_non_empty(context, "timestamp", "context")):
        raise PayloadError("invalid CDEvent: context.timestamp is not RFC 3339")
    version_key = "specversion" if "specversion" in context else "version"
    if not _SEMVER.fullmatch(_non_empty(context, version_key, "context")):
        raise PayloadError(f"invalid CDEvent: context.{version_key} is not a semantic version")
    subject = _object(event, "subject")
    _non_empty(subject, "id", "subject")
    _object(subject, "content", "subject.")
    return event


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _object(parent: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise PayloadError(f"invalid CDEvent: {prefix}{key} must be an object")
    return value


def _non_empty(parent: dict[str, Any], key: str, where: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"invalid CDEvent: {where}.{key} must be a non-empty string")
    return value
