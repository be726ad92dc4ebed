"""Run the Lambda pipeline in-process: dispatcher tick, queues and workers.

Used by ``tagpilot serve`` (in a loop) and by CLI commands in local mode (until the object they
wait for is handled). The code path is the one the Lambda functions run: only the queues differ.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from tagpilot.reconcile import runner
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, Unreleased
from tagpilot.reconcile.dispatch import dispatch_due, dispatch_slots, minutes_between
from tagpilot.reconcile.isolation import release
from tagpilot.store.errors import StoreError
from tagpilot.store.queues import MemoryQueue

logger = logging.getLogger(__name__)


class LocalWorker:
    """Drain the in-process queues after each dispatcher tick."""

    def __init__(self, app: App, on_outcome: Any = None) -> None:
        self.app = app
        self._on_outcome = on_outcome
        self._lock = threading.RLock()
        #: The last dispatch failure (``None`` once the store answers again).
        self.store_error: str | None = None
        #: Failed reconciles whose status (the claim's release) or lease the store refused to
        #: record; retried at every tick until the store answers.
        self.unreleased: list[Unreleased] = []
        #: The last minute whose slots were sent (one process: no lease needed).
        self._minute: int | None = None

    def tick(self) -> list[Outcome]:
        """Dispatch the slots of every minute begun since the last tick and what is due, then
        drain both queues.

        A store outage during dispatch is logged and the tick ends (the next tick retries); the
        reconciles themselves never raise (see :mod:`tagpilot.reconcile.isolation`). What failed
        reconciles still hold because the store was down is released first.
        """
        with self._lock:
            # Follow a stack that moved before calling it: a program that took the old port may
            # accept connections and never answer, so waiting for a store error there costs the
            # store client's whole timeout and retries (tens of seconds) per tick.
            if self.app.reresolve is not None and self.app.reresolve():
                logger.warning("reconnected to the local stack at its new ports")
            self.release_pending()
            try:
                for minute in minutes_between(self._minute, self.app.clock()):
                    dispatch_slots(self.app, minute)
                    self._minute = minute
                dispatch_due(self.app)
            except StoreError as exc:
                self.store_error = str(exc)
                logger.warning("dispatch failed, retrying next tick: %s", exc)
                if self.app.reresolve is not None and self.app.reresolve():
                    logger.warning("reconnected to the local stack at its new ports")
            else:
                self.store_error = None
            return self.drain()

    def drain(self) -> list[Outcome]:
        """Run what is already queued (and what it chains to), without dispatching."""
        with self._lock:
            outcomes: list[Outcome] = []
            for queue in self._queues():
                while (item := queue.take()) is not None:
                    for outcome in runner.run(self.app, item):
                        self._keep_unreleased(outcome)
                        outcomes.append(outcome)
                        if self._on_outcome is not None:
                            self._on_outcome(outcome)
            return outcomes

    def release_pending(self) -> int:
        """Retry the releases the store refused; returns how many are still pending."""
        with self._lock:
            while self.unreleased:
                pending = self.unreleased[0]
                try:
                    release(self.app, pending)
                except Exception as exc:  # noqa: BLE001 - still down: the next tick retries
                    logger.warning("release of %s %s/%s still pending: %s", *pending.key, exc)
                    break
                self.unreleased.pop(0)
                logger.info("released %s %s/%s after the store came back", *pending.key)
            return len(self.unreleased)

    def _keep_unreleased(self, outcome: Outcome) -> None:
        key = (outcome.kind, outcome.namespace, outcome.name)
        for earlier in self.unreleased:
            if earlier.key == key:
                # A later reconcile of the same object wrote (or owns) its status now; an
                # earlier run's lease is still to be released.
                earlier.status = False
        self.unreleased = [p for p in self.unreleased if p.status or p.lease is not None]
        if outcome.unreleased is not None:
            self.unreleased.append(outcome.unreleased)

    def _queues(self) -> tuple[MemoryQueue, MemoryQueue]:
        scan, automation = self.app.scan_queue, self.app.automation_queue
        if not isinstance(scan, MemoryQueue) or not isinstance(automation, MemoryQueue):
            raise TypeError("the local worker drains in-process queues only")
        return scan, automation

    def run_forever(self, stop: threading.Event, period: float = 1.0) -> None:
        while not stop.is_set():
            self.tick()
            if not any(len(q) for q in self._queues()):
                stop.wait(period)
