"""Receiver and Secret manifests (as loaded from YAML) to typed values."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tagpilot.receiver.errors import ReceiverSpecError
from tagpilot.receiver.path import webhook_path
from tagpilot.receiver.spec import ReceiverSpec, validate_receiver_spec

_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True)
class Receiver:
    """A validated Receiver: identity plus spec."""

    name: str
    namespace: str
    spec: ReceiverSpec

    def webhook_path(self, token: str) -> str:
        """Return the path Flux publishes in ``status.webhookPath`` for this token."""
        return webhook_path(token, self.name, self.namespace)


def parse_receiver(manifest: Mapping[str, Any], *, default_namespace: str = "default") -> Receiver:
    """Validate a whole Receiver manifest.

    Parameters
    ----------
    manifest : Mapping
        ``apiVersion``, ``kind: Receiver``, ``metadata`` and ``spec``.
    default_namespace : str
        Namespace used when ``metadata.namespace`` is absent (``kubectl``'s behaviour).

    Returns
    -------
    Receiver

    Raises
    ------
    ReceiverSpecError
        With the path of the first invalid field.
    """
    if manifest.get("kind") != "Receiver":
        raise ReceiverSpecError("kind", "must be Receiver")
    name, namespace = _metadata(manifest.get("metadata"), default_namespace)
    spec = validate_receiver_spec(
        manifest.get("spec") or {}, api_version=str(manifest.get("apiVersion"))
    )
    return Receiver(name=name, namespace=namespace, spec=spec)


def secret_values(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Return the decoded key/value pairs of a ``v1/Secret`` manifest.

    ``data`` values are base64 (strict); ``stringData`` values are plain and win over ``data``,
    as the Kubernetes API server merges them. Values must be UTF-8.

    Raises
    ------
    ReceiverSpecError
        Not a Secret, or a value that is not valid base64/UTF-8 (the value is never echoed).
    """
    if manifest.get("kind") != "Secret" or manifest.get("apiVersion") != "v1":
        raise ReceiverSpecError("kind", "must be a v1 Secret")
    values: dict[str, str] = {}
    for key, raw in _mapping(manifest.get("data"), "data").items():
        try:
            values[key] = base64.b64decode(str(raw), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ReceiverSpecError(f"data.{key}", "must be base64 of UTF-8 text") from None
    for key, raw in _mapping(manifest.get("stringData"), "stringData").items():
        if not isinstance(raw, str):
            raise ReceiverSpecError(f"stringData.{key}", "must be a string")
        values[key] = raw
    return values


def _mapping(value: object, path: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReceiverSpecError(path, "must be a mapping")
    return value


def _metadata(value: object, default_namespace: str) -> tuple[str, str]:
    if not isinstance(value, Mapping):
        raise ReceiverSpecError("metadata", "required")
    name = value.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        raise ReceiverSpecError("metadata.name", "must be a DNS subdomain (RFC 1123)")
    namespace = value.get("namespace", default_namespace)
    if not isinstance(namespace, str) or len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace):
        raise ReceiverSpecError("metadata.namespace", "must be a DNS label (RFC 1123)")
    return name, namespace
