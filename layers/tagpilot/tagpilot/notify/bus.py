"""Where recorded events go: the stack's EventBridge bus, or an in-process consumer locally.

On the bus every event has ``source`` ``tagpilot``, ``detail-type`` = the reason and ``detail`` =
the event JSON, so plain EventBridge rules can route them (``{"source": ["tagpilot"],
"detail-type": ["Succeeded"], "detail": {"involvedObject": {"kind": ["ImagePolicy"]}}}``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from tagpilot.notify.event import Event

SOURCE = "tagpilot"
log = logging.getLogger(__name__)


class EventBus(Protocol):
    def put(self, event: Event, extra: dict[str, Any] | None = None) -> None: ...


def bus_entry(event: Event, bus: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The PutEvents entry: Flux's event JSON, plus ``extra`` top-level fields (a source's own
    detail, e.g. an OCIRepository's ``url`` and ``size``; its ``metadata`` merges into the
    event's, whose keys win)."""
    detail = event.to_dict()
    for key, value in (extra or {}).items():
        if key == "metadata" and isinstance(value, dict):
            detail["metadata"] = {**value, **detail.get("metadata", {})}
        elif key not in detail:
            detail[key] = value
    return {
        "Source": SOURCE,
        "DetailType": event.reason or "Event",
        "Detail": json.dumps(detail, separators=(",", ":")),
        "EventBusName": bus,
    }


class EventBridgeBus:
    """``PutEvents`` to the stack's bus (client injected)."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self._client, self._bus = client, bus_name

    def put(self, event: Event, extra: dict[str, Any] | None = None) -> None:
        answer = self._client.put_events(Entries=[bus_entry(event, self._bus, extra)])
        if answer.get("FailedEntryCount"):
            code = answer["Entries"][0].get("ErrorCode", "unknown")
            raise RuntimeError(f"PutEvents failed: {code}")


class CallbackBus:
    """Local mode and tests: hand each event to a function (the in-process dispatcher)."""

    def __init__(self, consumer: Callable[[Event], None] | None = None) -> None:
        self.consumer = consumer
        self.sent: list[Event] = []

    def put(self, event: Event, extra: dict[str, Any] | None = None) -> None:
        self.sent.append(event)
        if self.consumer is not None:
            self.consumer(event)
