"""The dispatcher: find due objects, claim each once, and queue it for its worker."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from tagpilot.reconcile.app import App
from tagpilot.store.objects import SCHEDULED_KINDS
from tagpilot.store.queues import WorkItem

#: How long a claimed object is not re-dispatched while its worker runs.
CLAIM_SECONDS = 300.0


def dispatch_due(app: App, now: float | None = None, limit: int = 500) -> Counter[str]:
    """Queue every due, non-suspended object; returns how many were sent per kind."""
    at = app.clock() if now is None else now
    sent: Counter[str] = Counter()
    for kind in SCHEDULED_KINDS:
        keys = [key for key, _gen in app.objects.due(kind, now=at, limit=limit)]
        sent[kind] += dispatch_keys(app, kind, keys, now=at)
    return sent


def dispatch_keys(
    app: App, kind: str, keys: Iterable[str], *, now: float, reason: str = "due"
) -> int:
    """Claim and queue ``keys`` of one kind; keys another dispatcher claimed are skipped."""
    items = []
    for key in keys:
        if not app.objects.claim(kind, key, now=now, hold_seconds=CLAIM_SECONDS):
            continue
        namespace, name = key.split("/", 1)
        items.append(work_item(app, kind, namespace, name, reason))
    if not items:
        return 0
    queue = app.automation_queue if kind == "ImageUpdateAutomation" else app.scan_queue
    if kind == "OCIRepository" and app.source_queue is not None:
        queue = app.source_queue  # SourceFunction: the memory and disk artifacts need
    queue.send(items)
    return len(items)


def work_item(app: App, kind: str, namespace: str, name: str, reason: str) -> WorkItem:
    """A work item; automation runs are grouped by their Git repository (one writer at a time)."""
    if kind != "ImageUpdateAutomation":
        return WorkItem(kind, namespace, name, reason=reason)
    obj = app.objects.get(kind, namespace, name)
    source = (obj.spec if obj else {}).get("sourceRef") or {}
    group = f"GitRepository/{source.get('namespace') or namespace}/{source.get('name', name)}"
    return WorkItem(kind, namespace, name, reason=reason, group=group)


def keys_from_stream(records: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Objects that a DynamoDB stream shows were made due now (spec change, reconcile request)."""
    out: dict[str, list[str]] = {}
    for record in records:
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        kind = (image.get("kind") or {}).get("S")
        due = (image.get("next_due_at") or {}).get("N")
        if kind in SCHEDULED_KINDS and due == "0" and "due_shard" in image:
            out.setdefault(kind, []).append(image["key"]["S"])
    return out
