"""Slot arithmetic: every slot of every interval is sent in exactly one minute per period."""

from __future__ import annotations

import math

import pytest
from tagpilot.reconcile.dispatch import minutes_between, schedule_time
from tagpilot.store.queues import WorkItem
from tagpilot.store.slots import minute_of, slot_offset, slot_time, window

pytestmark = pytest.mark.unit

START = 1_800_000_000 - 1_800_000_000 % 86400  # a day boundary


@pytest.mark.parametrize("interval", [1, 30, 60, 61, 90, 300, 299, 3600, 86400])
def test_each_instant_of_a_slot_falls_in_exactly_one_minute(interval: int) -> None:
    span = math.lcm(interval, 60) * 2
    minutes = range(START, START + span, 60)
    for offset in sorted({0, interval // 2, interval - 1}):
        hits = {
            m: slot_time(m, interval, offset)
            for m in minutes
            if any(lo <= offset <= hi for lo, hi in window(m, interval))
        }
        assert all(m <= t < m + 60 and t % interval == offset for m, t in hits.items())
        if interval <= 60:
            assert list(hits) == list(minutes)  # a minute or less: once every minute
        else:
            expected = [t for t in range(START, START + span) if t % interval == offset]
            assert sorted(hits.values()) == expected


def test_offsets_are_stable_and_spread() -> None:
    assert slot_offset("ImageRepository", "apps/app", 300) == slot_offset(
        "ImageRepository", "apps/app", 300
    )
    offsets = [slot_offset("ImageRepository", f"ns/app-{i}", 300) for i in range(3000)]
    per_minute = [sum(1 for o in offsets if m <= o < m + 60) for m in range(0, 300, 60)]
    assert min(per_minute) > 500  # 600 expected per minute of a 5-minute interval


def test_slot_messages_carry_their_slot_and_others_do_not() -> None:
    item = WorkItem("ImageRepository", "apps", "app", "interval", slot=START + 42)
    assert WorkItem.from_body(item.body()) == item
    plain = WorkItem("ImageRepository", "apps", "app", "webhook")
    assert "slot" not in plain.body()
    assert WorkItem.from_body(plain.body()).slot is None


def test_the_schedule_events_minute_is_used() -> None:
    event = {"time": "2026-12-01T10:55:00Z", "detail-type": "Scheduled Event"}
    assert minute_of(schedule_time(event, 0.0)) == 1796122500
    assert schedule_time({}, 123.0) == 123.0
    assert schedule_time({"time": "soon"}, 5.0) == 5.0


def test_serve_catches_up_on_missed_minutes_but_never_repeats_one() -> None:
    assert minutes_between(None, START + 5) == [START]
    assert minutes_between(START, START + 59) == []
    assert minutes_between(START, START + 185) == [START + 60, START + 120, START + 180]
    assert len(minutes_between(START, START + 86400)) == 60
