"""Registry and Git deadlines bounded by the Lambda invocation's remaining time."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tagpilot.reconcile.common import OutOfTimeError, bounded_timeout
from tagpilot.runtime.lambda_support import RecordBudget

pytestmark = pytest.mark.unit


class FakeInvocation:
    """A Lambda context's clock: ``remaining_ms`` shrinks as ``now`` advances."""

    def __init__(self, timeout: float) -> None:
        self.now = 0.0
        self.timeout = timeout

    def remaining_ms(self) -> int:
        return int((self.timeout - self.now) * 1000)

    def clock(self) -> float:
        return self.now


def test_each_record_gets_an_equal_share_of_what_is_left() -> None:
    inv = FakeInvocation(120.0)
    budget = RecordBudget(inv.remaining_ms, 10, reserve=3.0, margin=2.0, clock=inv.clock)
    budget.start_record()
    assert budget.time_left() == pytest.approx(11.7 - 2.0)


def test_a_hung_record_leaves_time_for_the_rest_of_the_batch() -> None:
    inv = FakeInvocation(120.0)
    budget = RecordBudget(inv.remaining_ms, 10, reserve=3.0, margin=2.0, clock=inv.clock)
    for _ in range(10):
        budget.start_record()
        inv.now += budget.time_left() + 2.0  # every record uses its whole share (a hung peer)
    assert inv.now <= 120.0 - 3.0 + 1e-6


def test_a_hung_record_costs_one_share_wherever_it_is_in_the_batch() -> None:
    inv = FakeInvocation(120.0)
    budget = RecordBudget(inv.remaining_ms, 4, reserve=0.0, margin=0.0, clock=inv.clock)
    for _ in range(3):  # three fast records
        budget.start_record()
        inv.now += 0.5
    budget.start_record()
    assert budget.time_left() == pytest.approx(30.0)


def test_the_share_never_outlives_the_invocation() -> None:
    inv = FakeInvocation(120.0)
    budget = RecordBudget(inv.remaining_ms, 2, reserve=0.0, margin=0.0, clock=inv.clock)
    inv.now = 100.0  # something before the records took long
    budget.start_record()
    assert budget.time_left() == pytest.approx(20.0)


def test_bounded_timeout_is_the_smaller_and_refuses_to_start_without_time() -> None:
    left = [50.0]
    app = SimpleNamespace(time_left=lambda: left[0])
    assert bounded_timeout(app, 300.0) == 50.0
    assert bounded_timeout(app, 10.0) == 10.0
    left[0] = 0.2
    with pytest.raises(OutOfTimeError):
        bounded_timeout(app, 10.0)
    assert bounded_timeout(SimpleNamespace(time_left=None), 300.0) == 300.0


def test_the_record_runs_under_its_deadline_so_every_request_below_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The record's share, less the margin, is the active deadline while it reconciles: every
    registry and Git request below it ends by then, whatever timeout it was given."""
    from tagpilot import deadline as deadlines
    from tagpilot.reconcile import runner
    from tagpilot.runtime import lambda_support

    inv = FakeInvocation(120.0)
    budget = RecordBudget(inv.remaining_ms, 10, reserve=3.0, margin=2.0, clock=inv.clock)
    seen: list[tuple[float, float]] = []

    def run(app: object, item: object) -> list[object]:
        inv.now += 1.0
        nested = deadlines.Deadline(300.0, clock=inv.clock)  # a request's own 5 m timeout
        seen.append((deadlines.current().left(), nested.left()))  # type: ignore[union-attr]
        return []

    monkeypatch.setattr(runner, "run", run)
    lambda_support.use_app(SimpleNamespace())  # type: ignore[arg-type]
    try:
        for _ in range(2):
            lambda_support.run_work_record(
                '{"kind": "ImageRepository", "namespace": "a", "name": "b"}', None, None, budget
            )
    finally:
        lambda_support.use_app(None)  # type: ignore[arg-type]
    share = (120.0 - 3.0) / 10 - 2.0
    assert seen == [pytest.approx((share - 1.0, share - 1.0))] * 2
    assert deadlines.current() is None  # nothing left active after the record
