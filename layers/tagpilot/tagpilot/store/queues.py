"""Work queues: SQS in AWS, an in-process queue for ``tagpilot serve`` and the CLI.

A message asks for one object to be reconciled: ``{"kind", "namespace", "name", "reason"}``, plus
``"slot"`` (epoch seconds) when the dispatcher sends it for its periodic slot.
Automation messages go to a FIFO queue with the Git repository and branch as message group, so
runs for one branch never overlap.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.errors import TagpilotError


class QueueError(TagpilotError):
    """A message could not be sent."""


@dataclass(frozen=True)
class WorkItem:
    kind: str
    namespace: str
    name: str
    reason: str = ""
    group: str | None = None  # FIFO message group (automation queue only)
    dedup: str | None = None  # FIFO deduplication id
    slot: int | None = None  # the periodic slot (epoch seconds) this run is for

    def body(self) -> str:
        data = asdict(self)
        data.pop("group")
        data.pop("dedup")
        if self.slot is None:
            data.pop("slot")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_body(cls, body: str) -> WorkItem:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("message body must be a JSON object")
        return cls(
            kind=str(data["kind"]),
            namespace=str(data["namespace"]),
            name=str(data["name"]),
            reason=str(data.get("reason", "")),
            slot=int(data["slot"]) if isinstance(data.get("slot"), int) else None,
        )


class Queue(Protocol):
    def send(self, items: Iterable[WorkItem]) -> None: ...


class SqsQueue:
    """Send to an SQS queue in batches of 10 through an injected client."""

    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self._url = url
        self._fifo = url.endswith(".fifo")

    def send(self, items: Iterable[WorkItem]) -> None:
        batch: list[dict[str, Any]] = []
        for n, item in enumerate(items):
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": item.body()}
            if self._fifo:
                entry["MessageGroupId"] = item.group or f"{item.namespace}/{item.name}"
                # A fresh id per request: SQS remembers an id for 5 minutes even after the
                # message was deleted, so an id derived from the body would silently drop a
                # second, distinct request for the same object within that window. The SDK's own
                # retries resend this same entry, so they are still deduplicated.
                entry["MessageDeduplicationId"] = item.dedup or uuid.uuid4().hex
            batch.append(entry)
            if len(batch) == 10:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)

    def _flush(self, batch: list[dict[str, Any]]) -> None:
        try:
            result = self._client.send_message_batch(QueueUrl=self._url, Entries=batch)
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"send to queue failed: {type(exc).__name__}") from exc
        failed = result.get("Failed") or []
        if failed:
            raise QueueError(
                f"{len(failed)} message(s) were refused by the queue: {failed[0].get('Code')}"
            )


class MemoryQueue:
    """A thread-safe in-process queue with FIFO-group semantics good enough for one process.

    Duplicate items already waiting are dropped (like SQS FIFO deduplication within its window).
    """

    def __init__(self) -> None:
        self._items: deque[WorkItem] = deque()
        self._lock = threading.Lock()
        self.ready = threading.Event()

    def send(self, items: Iterable[WorkItem]) -> None:
        with self._lock:
            for item in items:
                if any(self._same(item, waiting) for waiting in self._items):
                    continue
                self._items.append(item)
            if self._items:
                self.ready.set()

    @staticmethod
    def _same(a: WorkItem, b: WorkItem) -> bool:
        return (a.kind, a.namespace, a.name) == (b.kind, b.namespace, b.name)

    def take(self) -> WorkItem | None:
        with self._lock:
            if not self._items:
                self.ready.clear()
                return None
            return self._items.popleft()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
