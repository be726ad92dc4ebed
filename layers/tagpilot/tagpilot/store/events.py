"""Events tagpilot puts on the stack's EventBridge bus (source ``tagpilot``).

``NewArtifact`` (one per new artifact revision of a source) lets users trigger CodePipeline,
CodeBuild or a Lambda function with an EventBridge rule; see the README for an example.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.store.errors import StoreError

EVENT_SOURCE = "tagpilot"


class EventPublishError(StoreError):
    """EventBridge refused an event."""


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class EventBridgePublisher:
    """``PutEvents`` on ``bus_name`` with an injected boto3 ``events`` client."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self.client = client
        self.bus_name = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, sort_keys=True),
            "EventBusName": self.bus_name,
        }
        try:
            response = self.client.put_events(Entries=[entry])
        except (BotoCoreError, ClientError) as exc:
            raise EventPublishError(f"put {detail_type} event failed: {exc}") from None
        if response.get("FailedEntryCount"):
            code = (response.get("Entries") or [{}])[0].get("ErrorCode", "unknown")
            raise EventPublishError(f"put {detail_type} event failed: {code}")


class MemoryPublisher:
    """Keeps events in a list (local mode and tests)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.events.append((detail_type, detail))
