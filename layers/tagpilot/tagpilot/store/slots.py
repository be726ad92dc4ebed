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
