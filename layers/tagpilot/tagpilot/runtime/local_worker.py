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
from tagpilot.reconcile.common import Outcome
from tagpilot.reconcile.dispatch import dispatch_due
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

    def tick(self) -> list[Outcome]:
        """Dispatch what is due, then drain both queues.

        A store outage during dispatch is logged and the tick ends (the next tick retries); the
        reconciles themselves never raise (see :mod:`tagpilot.reconcile.isolation`).
        """
        with self._lock:
            try:
                dispatch_due(self.app)
            except StoreError as exc:
                self.store_error = str(exc)
                logger.warning("dispatch failed, retrying next tick: %s", exc)
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
                        outcomes.append(outcome)
                        if self._on_outcome is not None:
                            self._on_outcome(outcome)
            return outcomes

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
