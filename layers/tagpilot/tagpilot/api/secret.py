"""Kubernetes ``Secret`` manifests (``v1``), read only to move their data into Secrets Manager."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tagpilot.api.validation import Checker

SECRET_TYPES = ("Opaque", "kubernetes.io/dockerconfigjson", "kubernetes.io/tls")
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def validate_secret(doc: dict[str, Any], check: Checker) -> dict[str, Any]:
    """Validate ``type``, ``data`` (base64) and ``stringData``; return ``{"type", "data"}``.

    The returned ``data`` maps each key to its decoded text (``stringData`` wins over ``data``,
    as in Kubernetes). Values never appear in an error message.
    """
    stype = check.string(doc, "type", "", enum=SECRET_TYPES) or "Opaque"
    decoded: dict[str, str] = {}
    for field_name in ("data", "stringData"):
        raw = doc.get(field_name)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            check.fail(field_name, "must be an object")
            continue
        for key, value in raw.items():
            where = f"{field_name}.{key}"
            if not isinstance(key, str) or not key or not set(key) <= _KEY_CHARS:
                check.fail(where, "invalid key: must consist of alphanumerics, '-', '_' or '.'")
                continue
            if not isinstance(value, str):
                check.fail(where, "must be a string")
                continue
            if field_name == "stringData":
                decoded[key] = value
                continue
            try:
                decoded[key] = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                check.fail(where, "is not valid base64-encoded UTF-8 text")
    _check_type_keys(stype, decoded, check)
    return {"type": stype, "data": decoded}


def _check_type_keys(stype: str, data: dict[str, str], check: Checker) -> None:
    if stype == "kubernetes.io/dockerconfigjson":
        raw = data.get(".dockerconfigjson")
        if raw is None:
            check.fail(
                "data", "a kubernetes.io/dockerconfigjson secret needs the key .dockerconfigjson"
            )
            return
        try:
            parsed = json.loads(raw)
        except ValueError:
            check.fail("data..dockerconfigjson", "is not valid JSON")
            return
        if not isinstance(parsed, dict) or not isinstance(parsed.get("auths"), dict):
            check.fail("data..dockerconfigjson", "must be a JSON object with an 'auths' object")
    elif stype == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                check.fail("data", f"a kubernetes.io/tls secret needs the key {key}")
