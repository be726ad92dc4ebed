"""The dispatcher: find due objects, claim each once, and queue it for its worker.

Two paths (see :mod:`tagpilot.store.slots`): every minute the objects whose fixed slot falls in
that minute are queued without any write (the minute itself is claimed once with a lease, so a
duplicated schedule event sends nothing twice), and objects made due by an event (created, spec
changed, reconcile requested, retried with backoff) are claimed one by one from the due index.
"""

from __future__ import annotations

import calendar
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from tagpilot.reconcile.app import App
from tagpilot.store.objects import SCHEDULED_KINDS
from tagpilot.store.queues import SNAPSHOT_KINDS, WorkItem, snapshot_of
from tagpilot.store.slots import SLOT_KINDS, TICK_SECONDS, minute_of

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


#: How long a dispatcher run holds its minute before a retry may take it over.
TICK_LEASE_SECONDS = 60.0
#: How long a dispatched minute stays marked done (its lease expires by the table's TTL).
TICK_DONE_SECONDS = 86400.0


def dispatch_tick(app: App, at: float, owner: str | None = None) -> Counter[str]:
    """One schedule event: queue the slots of the minute ``at`` falls in, then what is due.

    The minute is claimed with a lease (``tick#<minute>``) before its slots are sent and marked
    done after, so a duplicated event for the same minute sends nothing twice; a run that fails
    before it is done lets Lambda's retry take the minute over once the lease expires.
    """
    minute = minute_of(at)
    lease, me = f"tick#{minute}", owner or uuid.uuid4().hex
    sent: Counter[str] = Counter()
    if app.leases.acquire(lease, me, TICK_LEASE_SECONDS):
        sent.update(dispatch_slots(app, minute))
        app.leases.acquire(lease, me, TICK_DONE_SECONDS)
    sent.update(dispatch_due(app))
    return sent


def dispatch_slots(app: App, minute_start: int) -> Counter[str]:
    """Queue every object whose slot falls in ``[minute_start, +60 s)``; writes nothing."""
    sent: Counter[str] = Counter()
    for kind in SLOT_KINDS:
        items = [
            WorkItem(kind, key.split("/", 1)[0], key.split("/", 1)[1], "interval", slot=slot)
            for interval in app.objects.slot_intervals(kind)
            for key, slot in app.objects.slotted(kind, interval, minute_start)
        ]
        if items:
            app.scan_queue.send(items)
            sent[kind] += len(items)
    return sent


def schedule_time(event: dict[str, Any], default: float) -> float:
    """The minute an EventBridge schedule event is for (its ``time``), else ``default``."""
    text = event.get("time")
    if isinstance(text, str):
        try:
            return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
        except ValueError:
            pass
    return default


def minutes_between(last: int | None, at: float) -> list[int]:
    """The dispatcher minutes after ``last`` up to the one ``at`` falls in (``serve``'s ticks)."""
    now = minute_of(at)
    if last is None or last >= now:
        return [] if last == now else [now]
    return list(range(last + TICK_SECONDS, now + TICK_SECONDS, TICK_SECONDS))[-60:]


def dispatch_keys(
    app: App, kind: str, keys: Iterable[str], *, now: float, reason: str = "due"
) -> int:
    """Claim and queue ``keys`` of one kind; keys another dispatcher claimed are skipped."""
    items = []
    for key in keys:
        claimed = app.objects.claim(kind, key, now=now, hold_seconds=CLAIM_SECONDS)
        if claimed is None:
            continue
        namespace, name = key.split("/", 1)
        item = work_item(app, kind, namespace, name, reason)
        if kind in SNAPSHOT_KINDS:
            item = replace(item, snapshot=snapshot_of(claimed, app.clock()))
        items.append(item)
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
