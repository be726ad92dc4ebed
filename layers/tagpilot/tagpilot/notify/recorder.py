"""The event recorder every reconciler calls (pkg ``runtime/events/recorder.go``).

``Normal`` and ``Warning`` events are stored and put on the bus; ``Trace`` events are stored as
``Normal`` (so ``tagpilot events`` shows them, as ``flux events`` does) and never posted. The
involved object's ``event.toolkit.fluxcd.io/<key>`` annotations are copied into the metadata.
A failure to store or publish is logged and never fails the reconcile (as in Flux).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from tagpilot.notify.event import EVENT_GROUP, SEVERITY_OF_TYPE, TRACE, Event, rfc3339

log = logging.getLogger(__name__)

CONTROLLERS = {
    "ImageRepository": "image-reflector-controller",
    "ImagePolicy": "image-reflector-controller",
    "ImageUpdateAutomation": "image-automation-controller",
    "GitRepository": "source-controller",
    "OCIRepository": "source-controller",
    "Alert": "notification-controller",
    "Provider": "notification-controller",
    "Receiver": "notification-controller",
}
_UID_NAMESPACE = uuid.UUID("5f0e0d58-8a1e-4c52-9e0e-7461677069c7")


def object_uid(kind: str, namespace: str, name: str) -> str:
    """A stable UID for an object (tagpilot has no API server to assign random ones)."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"{kind}/{namespace}/{name}"))


class Recorder:
    """Records events into ``store`` and puts the non-trace ones on ``bus``."""

    def __init__(
        self,
        store: Any,
        bus: Any,
        *,
        clock: Callable[[], float] = time.time,
        instance: str | None = None,
    ) -> None:
        self.store, self.bus, self._clock = store, bus, clock
        self.instance = (
            instance if instance is not None else os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        )

    def event(
        self,
        resource: Any,
        event_type: str,
        reason: str,
        message: str,
        metadata: dict[str, str] | None = None,
    ) -> Event:
        """Build the event for ``resource`` (metadata keys given unprefixed get its group)."""
        group = resource.group
        meta = {k: v for k, v in resource.annotations.items() if k.startswith(EVENT_GROUP + "/")}
        for key, value in (metadata or {}).items():
            meta[key if "/" in key else f"{group}/{key}"] = value
        return Event(
            involved_object={
                "kind": resource.kind,
                "namespace": resource.namespace,
                "name": resource.name,
                "uid": object_uid(resource.kind, resource.namespace, resource.name),
                "apiVersion": resource.api_version,
                "resourceVersion": str(resource.generation),
            },
            severity=SEVERITY_OF_TYPE.get(event_type, TRACE),
            timestamp=rfc3339(self._clock()),
            message=message,
            reason=reason,
            reporting_controller=CONTROLLERS.get(resource.kind, "tagpilot"),
            metadata=meta,
            reporting_instance=self.instance,
        )

    def record(
        self,
        resource: Any,
        event_type: str,
        reason: str,
        message: str,
        metadata: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Event:
        """Store the event and, unless it is a ``Trace``, put it on the bus (``extra``: more
        top-level fields for the bus detail)."""
        event = self.event(resource, event_type, reason, message, metadata)
        stored_type = "Warning" if event_type == "Warning" else "Normal"
        try:
            self.store.add(
                resource.namespace,
                resource.kind,
                resource.name,
                stored_type,
                reason,
                message,
                metadata=event.metadata,
                controller=event.reporting_controller,
            )
        except Exception as exc:  # noqa: BLE001 - the store is best-effort here, as Kubernetes events are
            log.warning("event not stored for %s/%s: %s", resource.kind, resource.key, exc)
        if event_type != "Trace" and self.bus is not None:
            try:
                self.bus.put(event, extra)
            except Exception as exc:  # noqa: BLE001 - Flux only logs a failed post too
                log.warning("event not published for %s/%s: %s", resource.kind, resource.key, exc)
        return event

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """A source's event given as ``{kind, namespace, name, message, revision, digest, ...}``
        (OCIRepository's ``NewArtifact``): recorded as source-controller's event, with
        ``revision`` and ``digest`` metadata; the other fields stay in the bus detail."""
        kind = str(detail.get("kind", ""))
        group = "source.toolkit.fluxcd.io" if kind in _SOURCE_KINDS else "tagpilot.dev"
        resource = _Ref(
            kind, str(detail.get("namespace", "")), str(detail.get("name", "")), f"{group}/v1"
        )
        metadata = {k: str(detail[k]) for k in ("revision", "digest") if detail.get(k)}
        self.record(
            resource, "Normal", detail_type, str(detail.get("message", "")), metadata, detail
        )


_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart")


class _Ref:
    """The parts of an object the recorder reads (for events given as a detail)."""

    def __init__(self, kind: str, namespace: str, name: str, api_version: str) -> None:
        self.kind, self.namespace, self.name, self.api_version = kind, namespace, name, api_version
        self.group = api_version.split("/", 1)[0]
        self.annotations: dict[str, str] = {}
        self.generation = 1

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"
