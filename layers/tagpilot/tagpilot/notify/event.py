"""The event object Flux's controllers post to notification-controller (pkg ``event/v1beta1``).

:meth:`Event.to_json` writes the fields in Go's order with no whitespace, so what a ``generic``
provider receives is byte-compatible with Flux's body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

INFO = "info"
ERROR = "error"
TRACE = "trace"
#: Kubernetes event types and the severity each one posts (pkg ``runtime/events/recorder.go``).
SEVERITY_OF_TYPE = {"Normal": INFO, "Warning": ERROR, "Trace": TRACE}
TYPE_OF_SEVERITY = {INFO: "Normal", ERROR: "Warning", TRACE: "Normal"}

EVENT_GROUP = "event.toolkit.fluxcd.io"
_OBJECT_KEYS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")


def rfc3339(moment: float | None = None) -> str:
    """Whole-second UTC RFC 3339, as ``metav1.Time`` marshals."""
    dt = datetime.fromtimestamp(moment, UTC) if moment is not None else datetime.now(UTC)
    return dt.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Event:
    """One controller event (``involvedObject``, ``severity``, ``reason``, ``metadata``, ...)."""

    involved_object: dict[str, str]
    severity: str
    timestamp: str
    message: str
    reason: str
    reporting_controller: str
    metadata: dict[str, str] = field(default_factory=dict)
    reporting_instance: str = ""

    @property
    def kind(self) -> str:
        return self.involved_object.get("kind", "")

    @property
    def name(self) -> str:
        return self.involved_object.get("name", "")

    @property
    def namespace(self) -> str:
        return self.involved_object.get("namespace", "")

    @property
    def group(self) -> str:
        """The API group of the involved object (the prefix of its controller metadata)."""
        api_version = self.involved_object.get("apiVersion", "")
        return api_version.split("/", 1)[0] if "/" in api_version else ""

    def with_metadata(self, metadata: dict[str, str]) -> Event:
        return replace(self, metadata=dict(metadata))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object in Go's field order; empty fields omitted as ``omitempty`` does."""
        obj = {k: self.involved_object[k] for k in _OBJECT_KEYS if self.involved_object.get(k)}
        out: dict[str, Any] = {
            "involvedObject": obj,
            "severity": self.severity,
            "timestamp": self.timestamp,
            "message": self.message,
            "reason": self.reason,
        }
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        out["reportingController"] = self.reporting_controller
        if self.reporting_instance:
            out["reportingInstance"] = self.reporting_instance
        return out

    def to_json(self) -> bytes:
        return go_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Parse an event; raises :class:`ValueError` naming the field when malformed."""
        if not isinstance(data, dict):
            raise ValueError("event must be a JSON object")
        obj = data.get("involvedObject")
        if not isinstance(obj, dict):
            raise ValueError("event.involvedObject must be an object")
        meta = data.get("metadata") or {}
        if not isinstance(meta, dict):
            raise ValueError("event.metadata must be an object")
        for key in ("severity", "timestamp", "message", "reason"):
            if not isinstance(data.get(key, ""), str):
                raise ValueError(f"event.{key} must be a string")
        return cls(
            involved_object={str(k): str(v) for k, v in obj.items() if v is not None},
            severity=str(data.get("severity", "")),
            timestamp=str(data.get("timestamp", "")),
            message=str(data.get("message", "")),
            reason=str(data.get("reason", "")),
            reporting_controller=str(data.get("reportingController", "")),
            metadata={str(k): str(v) for k, v in meta.items()},
            reporting_instance=str(data.get("reportingInstance", "") or ""),
        )


def go_json(value: Any) -> bytes:
    """``encoding/json.Marshal``: compact, non-ASCII kept, ``<``, ``>``, ``&`` escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode()


def object_name(event: Event) -> str:
    """``lower(kind)/name.namespace`` (NC ``objName``)."""
    return f"{event.kind.lower()}/{event.name}.{event.namespace}"


_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def reason_description(reason: str) -> str:
    """``NewArtifact`` -> ``new artifact`` (the reason split at case changes, lower-cased)."""
    words = _CAMEL.findall(reason)
    return " ".join(w.lower() for w in words) if words else reason.lower()
