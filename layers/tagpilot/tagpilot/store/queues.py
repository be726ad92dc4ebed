"""Work queues: SQS in AWS, an in-process queue for ``tagpilot serve`` and the CLI.

A message asks for one object to be reconciled: ``{"kind", "namespace", "name", "reason"}``, plus
``"slot"`` (epoch seconds) when the dispatcher sends it for its periodic slot, and ``"snapshot"``
when the dispatcher's claim returned the object (see :data:`SNAPSHOT_KINDS`): the worker then
starts from it instead of reading the object again.
Automation messages go to a FIFO queue with the Git repository and branch as message group, so
runs for one branch never overlap.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.api.resource import Resource
from tagpilot.errors import TagpilotError


class QueueError(TagpilotError):
    """A message could not be sent."""


#: Kinds whose claimed object travels in the message, so an unchanged periodic reconcile makes
#: one request (OCIRepository: the manifest ``HEAD``, issue 11) and no store read.
SNAPSHOT_KINDS = ("OCIRepository",)
#: The largest snapshot carried (JSON bytes); a bigger object is read by the worker. Ten of
#: these and their envelopes stay far below SQS's 256 KiB batch limit.
SNAPSHOT_MAX_BYTES = 16 * 1024
#: How old a snapshot may be when its worker starts (a redelivered or long-queued message
#: reads the object again: a spec change or suspend since the claim must not be missed).
SNAPSHOT_MAX_AGE = 60.0
#: How far the worker's clock may be behind the dispatcher's (two Lambda functions' clocks).
SNAPSHOT_CLOCK_SKEW = 5.0


@dataclass(frozen=True)
class WorkItem:
    kind: str
    namespace: str
    name: str
    reason: str = ""
    group: str | None = None  # FIFO message group (automation queue only)
    dedup: str | None = None  # FIFO deduplication id
    slot: int | None = None  # the periodic slot (epoch seconds) this run is for
    #: The object as the dispatcher's claim left it (:func:`snapshot_of`); not compared.
    snapshot: dict[str, Any] | None = field(default=None, compare=False)

    def body(self) -> str:
        data = asdict(self)
        data.pop("group")
        data.pop("dedup")
        for optional in ("slot", "snapshot"):
            if data[optional] is None:
                data.pop(optional)
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
            snapshot=data["snapshot"] if isinstance(data.get("snapshot"), dict) else None,
        )


def snapshot_of(resource: Resource, claimed_at: float) -> dict[str, Any] | None:
    """The claimed ``resource`` as a message field, or ``None`` when it is too big to carry."""
    data = {
        "claimed_at": claimed_at,
        "api_version": resource.api_version,
        "labels": resource.labels,
        "annotations": resource.annotations,
        "spec": resource.spec,
        "status": resource.status,
        "generation": resource.generation,
        "failures": resource.failures,
        "next_due_at": resource.next_due_at,
    }
    size = len(json.dumps(data, separators=(",", ":")))
    return data if size <= SNAPSHOT_MAX_BYTES else None


def snapshot_resource(item: WorkItem, now: float) -> Resource | None:
    """The object the message carries, if it has one taken at most :data:`SNAPSHOT_MAX_AGE`
    seconds before ``now``; ``None`` means the worker reads the object itself."""
    snap = item.snapshot
    if not snap or item.kind not in SNAPSHOT_KINDS:
        return None
    try:
        claimed_at = float(snap["claimed_at"])
        if not -SNAPSHOT_CLOCK_SKEW <= now - claimed_at <= SNAPSHOT_MAX_AGE:
            return None
        due = snap.get("next_due_at")
        return Resource(
            api_version=str(snap["api_version"]),
            kind=item.kind,
            name=item.name,
            namespace=item.namespace,
            spec=dict(snap["spec"]),
            labels=dict(snap.get("labels") or {}),
            annotations=dict(snap.get("annotations") or {}),
            status=dict(snap.get("status") or {}),
            generation=int(snap["generation"]),
            failures=int(snap.get("failures") or 0),
            next_due_at=None if due is None else float(due),
        )
    except (KeyError, TypeError, ValueError):
        return None  # a malformed snapshot is ignored: the worker reads the object


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
