"""Deadlines nest (the earliest end wins), each on its own clock, and only inside ``active()``."""

from __future__ import annotations

import pytest
from tagpilot.deadline import Deadline, DeadlineExceededError, current

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_nested_deadline_ends_with_its_parent() -> None:
    clock = Clock()
    outer = Deadline(5.0, clock=clock)
    with outer.active():
        inner = Deadline(20.0, clock=clock)
    assert inner.parent is outer
    assert inner.left() == 5.0
    assert inner.budget() == 5.0
    clock.now += 5.0
    assert inner.expired
    with pytest.raises(DeadlineExceededError, match="scan: deadline of 5s exceeded"):
        inner.check("scan")


def test_the_earlier_own_end_binds() -> None:
    clock = Clock()
    with Deadline(60.0, clock=clock).active():
        inner = Deadline(2.0, clock=clock)
    assert (inner.left(), inner.budget()) == (2.0, 2.0)
    clock.now += 1.5
    assert inner.check("x") == pytest.approx(0.5)


def test_parents_on_other_clocks_still_bound() -> None:
    slow, fast = Clock(), Clock()
    outer = Deadline(10.0, clock=slow)
    inner = Deadline(30.0, clock=fast, parent=outer)
    slow.now += 9.0
    assert inner.left() == pytest.approx(1.0)


def test_active_is_scoped_and_explicit_parent_none_detaches() -> None:
    assert current() is None
    outer = Deadline(1.0)
    with outer.active():
        assert current() is outer
        assert Deadline(5.0, parent=None).parent is None
    assert current() is None


def test_exceeded_is_a_timeout_error() -> None:
    # Transports (urllib3, sockets) treat it as a timeout, not as an unknown failure.
    assert issubclass(DeadlineExceededError, TimeoutError)
