"""Glue between Lambda handlers and the domain: one :class:`App` per execution environment,
and metrics for reconcile outcomes.

Handlers call :func:`current_app` inside the handler (not at import), so importing a handler never
reads the environment or opens connections; the first invocation builds the adapters and later
invocations reuse them. Tests install their own app with :func:`use_app`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tagpilot.config import load_settings
from tagpilot.deadline import Deadline
from tagpilot.reconcile import runner
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome
from tagpilot.reconcile.isolation import release
from tagpilot.runtime.app import build_app
from tagpilot.store.errors import StoreError
from tagpilot.store.queues import WorkItem

_APP: Any = None


def current_app() -> Any:
    global _APP
    if _APP is None:
        _APP = build_app(load_settings())
    return _APP


def use_app(app: App) -> None:
    """Install ``app`` (tests, ``tagpilot serve``); ``None`` resets to lazy building."""
    global _APP
    _APP = app


class RecordBudget:
    """Share an invocation's time between the records of its batch.

    Each record may use an equal share of the time the invocation had when the batch started,
    minus ``reserve`` for the partial-batch response and ``margin`` for the record's own status
    write. The share does not grow when earlier records finish early: one registry that never
    answers costs its own record a timeout status and at most one share of time, wherever it is
    in the batch, never the batch; the function ends before Lambda would kill it.
    """

    def __init__(
        self,
        remaining_ms: Callable[[], int],
        records: int,
        *,
        reserve: float = 3.0,
        margin: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remaining_ms = remaining_ms
        self._share = (remaining_ms() / 1000.0 - reserve) / max(records, 1)
        self._margin = margin
        self._clock = clock
        self._end = clock()

    def start_record(self) -> None:
        # Never past the invocation's own end, whatever the clocks say.
        left = self._remaining_ms() / 1000.0
        self._end = self._clock() + min(self._share, left)

    def time_left(self) -> float:
        return self._end - self._margin - self._clock()

    def deadline(self) -> Deadline:
        """The current record's end (less the margin) as a :class:`~tagpilot.deadline.Deadline`.

        Active around the reconcile (:func:`run_work_record`), it bounds every registry and Git
        request below it through :mod:`tagpilot.httpdeadline`, not only those whose timeout went
        through :func:`~tagpilot.reconcile.common.bounded_timeout` (policy evaluation's manifest
        reads, OCI blobs, push retries); store writes are not bound by it, so the status is
        still written when a peer used the whole share.
        """
        return Deadline(self.time_left(), clock=self._clock, parent=None)


def begin_batch(context: Any, records: int) -> RecordBudget | None:
    """Bound this invocation's records by ``context``'s remaining time (``None`` without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    app = current_app()
    if remaining is None:
        app.time_left = None
        return None
    budget = RecordBudget(remaining, records)
    app.time_left = budget.time_left
    return budget


class ReleaseNotRecordedError(StoreError):
    """A failed reconcile's status (its claim's release) or lease could not be recorded."""


def run_work_record(
    body: str,
    metrics: Any,
    logger: Any,
    budget: RecordBudget | None = None,
    sender: str | None = None,
) -> None:
    """Handle one queue message (scan or automation worker): reconcile, then log and measure.

    ``sender`` is the record's SQS ``SenderId`` (``<role unique id>:<session>``, set by SQS,
    not by the sender): an object snapshot in the message is used only when it comes from a
    role of ``TAGPILOT_SNAPSHOT_SENDERS`` (the dispatcher), so no other principal allowed to send
    to the queue can make a worker act on a spec that is not the stored one.

    Raises
    ------
    ReleaseNotRecordedError
        A reconcile failed and the store refused its failure status or lease release even on a
        second try: the record fails, so SQS delivers it again (after the queue's visibility
        timeout, when the store is back) instead of the object waiting for its claim to run out.
    """
    deadline = None
    if budget is not None:
        budget.start_record()
        deadline = budget.deadline()
    app = current_app()
    item = WorkItem.from_body(body)
    if item.snapshot is not None and not trusted_sender(app.settings.snapshot_senders, sender):
        item = replace(item, snapshot=None)
    with deadline.active() if deadline is not None else nullcontext():
        outcomes = runner.run(app, item)
    record_outcomes(metrics, logger, outcomes)
    for out in outcomes:
        if out.unreleased is None:
            continue
        try:
            release(app, out.unreleased)
        except Exception as exc:  # noqa: BLE001 - the store is still down: SQS retries
            raise ReleaseNotRecordedError(
                f"{out.kind} {out.namespace}/{out.name}: failure not recorded: {exc}"
            ) from exc


def trusted_sender(senders: tuple[str, ...], sender: str | None) -> bool:
    """Whether an SQS ``SenderId`` (``AROA...:session`` for a role) is one of ``senders``."""
    return bool(sender) and str(sender).split(":", 1)[0] in senders


def record_outcomes(metrics: Any, logger: Any, outcomes: Iterable[Outcome]) -> None:
    """Emit one log line and the metrics of each outcome (names and numbers only).

    An outcome that changed nothing (a slot's unchanged rescan) is logged at debug, so the
    happy path of a periodic scan bills no log bytes at the default level; metrics with no
    value are left out (a custom metric costs for every hour it is published).
    """
    for out in outcomes:
        (logger.debug if out.quiet else logger.info)(
            "reconciled",
            extra={
                "kind": out.kind,
                "object": f"{out.namespace}/{out.name}",
                "ready": out.ready,
                "reason": out.reason,
                "skipped": out.skipped,
                "detail": out.message,
            },
        )
        if out.skipped:
            continue
        for name, value in out.metrics.items():
            if not value:
                continue
            unit = MetricUnit.Seconds if name.endswith("_seconds") else MetricUnit.Count
            metrics.add_metric(name=f"{out.kind}.{name}", unit=unit, value=value)
        if out.failed:
            metrics.add_metric(name=f"{out.kind}.failures", unit=MetricUnit.Count, value=1)
