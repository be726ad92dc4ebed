"""Deliver routed events: retries with backoff, then a dead-letter queue; one lane per Provider.

:class:`LocalDelivery` is the in-process form (local mode, tests, bench): each Provider has its
own worker thread, so a Provider that is down or slow only delays its own deliveries. A delivery
that fails transiently is retried after ``base * 2**(attempt-1)`` seconds, up to
``max_attempts``, then dead-lettered. In AWS the same policy is the delivery queue's (see
:mod:`tagpilot.runtime.notify`): SQS visibility backoff, ``maxReceiveCount`` and a DLQ.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tagpilot.notify.dispatch import Delivery, Dispatcher
from tagpilot.notify.event import Event
from tagpilot.notify.providers.base import PermanentError, TransientError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RETRY_BASE = 2.0
EXIT_DRAIN_SECONDS = 30.0


def retry_delay(attempt: int, base: float = RETRY_BASE, cap: float = 900.0) -> float:
    """Seconds before attempt ``attempt + 1`` (attempt is 1-based)."""
    return float(min(base * (2 ** max(attempt - 1, 0)), cap))


@dataclass
class DeadLetter:
    delivery: Delivery
    error: str
    attempts: int


@dataclass
class Delivered:
    delivery: Delivery
    attempts: int
    at: float


@dataclass
class LocalDelivery:
    """Route events from the bus and deliver them on per-Provider worker threads."""

    dispatcher: Dispatcher
    max_attempts: int = MAX_ATTEMPTS
    retry_base: float = RETRY_BASE
    on_delivered: Callable[[Delivered], None] | None = None
    dead_letters: list[DeadLetter] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    _lanes: dict[str, queue.Queue[Any]] = field(default_factory=dict)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: int = 0
    _drain_registered: bool = False
    _idle: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, event: Event) -> None:
        """The bus consumer: route ``event`` and queue its deliveries."""
        try:
            deliveries = self.dispatcher.route(event) or []
        except Exception as exc:  # noqa: BLE001 - a store failure must not fail the emitting reconcile
            log.warning("routing event failed: %s", type(exc).__name__)
            return
        for delivery in deliveries:
            self.submit(delivery)

    def submit(self, delivery: Delivery, attempt: int = 1) -> None:
        with self._idle:
            if not self._drain_registered:
                # A CLI command exits right after its reconcile: let its deliveries finish first.
                atexit.register(self.wait, EXIT_DRAIN_SECONDS)
                self._drain_registered = True
            self._pending += 1
        self._lane(delivery.provider_key).put((delivery, attempt, 0.0))

    def _lane(self, key: str) -> queue.Queue[Any]:
        with self._lock:
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = queue.Queue()
                thread = threading.Thread(
                    target=self._work, args=(lane,), name=f"notify-{key}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            return lane

    def _work(self, lane: queue.Queue[Any]) -> None:
        while True:
            item = lane.get()
            if item is None:
                return
            delivery, attempt, not_before = item
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            requeue = self._attempt(delivery, attempt)
            if requeue is not None:
                lane.put((delivery, attempt + 1, time.monotonic() + requeue))
                continue
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _attempt(self, delivery: Delivery, attempt: int) -> float | None:
        """Deliver once; the delay before a retry, or ``None`` when finished."""
        try:
            self.dispatcher.deliver(delivery)
        except TransientError as exc:
            if attempt < self.max_attempts:
                log.info(
                    "delivery to %s failed (attempt %d): %s", delivery.provider_key, attempt, exc
                )
                return retry_delay(attempt, self.retry_base)
            self.dead_letters.append(DeadLetter(delivery, str(exc), attempt))
            self.dispatcher.report_failure(delivery, exc)
            return None
        except PermanentError as exc:
            self.dispatcher.report_failure(delivery, exc)
            return None
        except Exception as exc:  # noqa: BLE001 - never kill a lane
            self.dead_letters.append(DeadLetter(delivery, type(exc).__name__, attempt))
            return None
        done = Delivered(delivery, attempt, time.monotonic())
        self.delivered.append(done)
        if self.on_delivered is not None:
            self.on_delivered(done)
        return None

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every queued delivery finished (delivered, dropped or dead-lettered)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        for lane in list(self._lanes.values()):
            lane.put(None)
        for thread in self._threads:
            thread.join(5)
