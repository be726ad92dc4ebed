"""Run the Lambda pipeline in-process: dispatcher tick, queues and workers.

Used by ``tagpilot serve`` (in a loop) and by CLI commands in local mode (until the object they
wait for is handled). The code path is the one the Lambda functions run: only the queues differ.
"""

from __future__ import annotations

import threading
from typing import Any

from tagpilot.reconcile import runner
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome
from tagpilot.reconcile.dispatch import dispatch_due
from tagpilot.store.queues import MemoryQueue


class LocalWorker:
    """Drain the in-process queues after each dispatcher tick."""

    def __init__(self, app: App, on_outcome: Any = None) -> None:
        self.app = app
        self._on_outcome = on_outcome
        self._lock = threading.Lock()

    def tick(self) -> list[Outcome]:
        with self._lock:
            dispatch_due(self.app)
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
