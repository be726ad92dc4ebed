"""Slot scheduling: when an object's periodic reconcile is due, without a write per cycle.

Each periodically reconciled object gets a fixed *slot* from its interval and a hash of its
identity: ``offset = hash(kind, key) mod interval`` (whole seconds). It is due at every instant
``t`` with ``t mod interval == offset``. The dispatcher runs once a minute and asks the
``slot-index`` (hash ``slot_shard = "<kind>#<interval>"``, range ``slot_offset``) for the offsets
whose instant falls in that minute: one or two key ranges per interval in use. Those keys change
only when the spec's interval changes (or on suspend and resume), so a regular cycle writes
nothing to DynamoDB, and the objects of one interval are spread evenly over it.

Everything that is *not* the regular period (a first reconcile, a spec change, a reconcile
request, a retry with backoff, a deferred scan) keeps the ``due-index`` path: the object's
``next_due_at`` is set when that happens, and while it is set the slot is skipped (the object is
being retried or is about to run anyway). A run that ends on schedule removes it again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pynamodb.exceptions import DoesNotExist

from tagpilot.api.resource import Resource
from tagpilot.store.errors import store_operation

#: Kinds scheduled by slot. The others keep ``next_due_at`` (their claim moves it each period).
SLOT_KINDS = ("ImageRepository",)
#: The dispatcher's period: one window of slots per minute.
TICK_SECONDS = 60
#: The objects-table item (``kind``, ``key`` = the scheduled kind) listing the intervals in use.
DIRECTORY_KIND = "_slots"


def slot_interval(interval_s: float) -> int:
    """The interval in whole seconds (at least 1) that slots are counted in."""
    return max(1, round(interval_s))


def slot_shard(kind: str, interval_s: float) -> str:
    """The ``slot-index`` hash key of ``kind`` objects reconciled every ``interval_s``."""
    return f"{kind}#{slot_interval(interval_s)}"


def slot_offset(kind: str, key: str, interval_s: float) -> int:
    """The object's fixed offset within its interval (stable across processes and versions).

    >>> 0 <= slot_offset("ImageRepository", "apps/app", 300) < 300
    True
    """
    digest = hashlib.sha256(f"{kind}/{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % slot_interval(interval_s)


def minute_of(at: float) -> int:
    """The start of the dispatcher window (minute) that contains ``at``."""
    return int(at // TICK_SECONDS) * TICK_SECONDS


def window(minute_start: int, interval_s: float) -> list[tuple[int, int]]:
    """Inclusive ``slot_offset`` ranges whose instants fall in ``[minute_start, +60 s)``.

    An interval of a minute or less has an instant in every window: all offsets.

    >>> window(0, 300), window(240, 300), window(60, 30)
    ([(0, 59)], [(240, 299)], [(0, 29)])
    >>> window(270, 300)
    [(270, 299), (0, 29)]
    """
    period = slot_interval(interval_s)
    if period <= TICK_SECONDS:
        return [(0, period - 1)]
    first = minute_start % period
    last = first + TICK_SECONDS - 1
    if last < period:
        return [(first, last)]
    return [(first, period - 1), (0, last - period)]


def slot_time(minute_start: int, interval_s: float, offset: int) -> int:
    """The first instant of ``offset`` at or after ``minute_start`` (the slot's identity)."""
    period = slot_interval(interval_s)
    return minute_start + (offset - minute_start) % period


class SlotTable:
    """The slot queries over the objects table and the directory of intervals in use.

    ``objects`` is the objects model (with its ``slot-index``); ``directory`` the model of the
    table holding :data:`DIRECTORY_KIND` items (``None``: no slot scheduling, as in a store
    built before the slots table existed).
    """

    def __init__(self, objects: Any, directory: Any | None) -> None:
        self._model = objects
        self._directory = directory

    @store_operation("read slot directory")
    def intervals(self, kind: str) -> list[int]:
        """The intervals (whole seconds) slot-scheduled ``kind`` objects use."""
        if self._directory is None or kind not in SLOT_KINDS:
            return []
        try:
            item = self._directory.get(DIRECTORY_KIND, kind)
        except DoesNotExist:
            return []
        return sorted(int(i) for i in item.intervals or ())

    @store_operation("query slots")
    def slotted(self, kind: str, interval: int, minute_start: int) -> list[tuple[str, int]]:
        """``(key, slot time)`` of the ``interval`` objects whose slot falls in this minute.

        Objects with a ``next_due_at`` are left out: the due path owns them until a run ends
        on schedule (a retry with backoff, a request about to run, a stalled object).
        """
        shard = slot_shard(kind, interval)
        m = self._model
        found = []
        for lo, hi in window(minute_start, interval):
            for item in m.slot_index.query(shard, m.slot_offset.between(lo, hi)):
                if item.next_due_at is None:
                    off = int(item.slot_offset)
                    found.append((str(item.key), slot_time(minute_start, interval, off)))
        return found

    @staticmethod
    def placement(resource: Resource, derived: dict[str, Any]) -> dict[str, Any]:
        """``slot_shard`` and ``slot_offset`` for ``resource`` (``None``: not slot-scheduled)."""
        interval = derived.get("interval_s")
        if resource.kind not in SLOT_KINDS or resource.suspended or not interval:
            return {"slot_shard": None, "slot_offset": None}
        return {
            "slot_shard": slot_shard(resource.kind, interval),
            "slot_offset": slot_offset(resource.kind, resource.key, interval),
        }

    def register(self, kind: str, slot: dict[str, Any]) -> None:
        """Add the slot's interval to the directory the dispatcher reads (idempotent)."""
        if self._directory is None or slot.get("slot_shard") is None:
            return
        interval = int(str(slot["slot_shard"]).rsplit("#", 1)[1])
        d = self._directory
        d(DIRECTORY_KIND, kind).update(actions=[d.intervals.add({interval})])
