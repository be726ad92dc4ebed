"""Notification-controller's duplicate suppression (``eventKeyFunc`` + go-limiter memorystore).

The key is the SHA-256 of the object, the message and the revision metadata; one event per key
passes per interval (default 5 minutes). Windows are fixed ticks from the first event of a key,
not sliding, and the check runs before alert matching, so it is global.
"""

from __future__ import annotations

import hashlib
import math
import threading
from typing import Protocol

from tagpilot.notify.event import Event

DEFAULT_INTERVAL = 300.0


def event_key(event: Event) -> str:
    """NC's rate-limit key for ``event`` (metadata already cleaned)."""
    parts = [
        f"event/name={event.name}/namespace={event.namespace}/kind={event.kind}"
        f"/message={event.message}"
    ]
    group = event.group
    for key in ("originRevision", "revision", "token"):
        value = event.metadata.get(f"{group}/{key}")
        if value:
            parts.append(f"/{key}={value}")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def next_tick(first: float, interval: float, now: float) -> float:
    """The first refill tick ``first + k*interval`` strictly after ``now``."""
    return first + (math.floor((now - first) / interval) + 1) * interval


class RateLimiter(Protocol):
    def allow(self, key: str, now: float) -> bool:
        """Take the key's token if it has one (the event passes), else ``False``."""
        ...


class MemoryRateLimiter:
    """In-process store: one token per key per fixed window; idle keys purged after 2 windows."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = interval
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (first, refill at)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            self._purge(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = (now, now + self.interval)
                return True
            first, refill = bucket
            if now < refill:
                return False
            self._buckets[key] = (first, next_tick(first, self.interval, now))
            return True

    def _purge(self, now: float) -> None:
        stale = [k for k, (_, r) in self._buckets.items() if now - r > 2 * self.interval]
        for key in stale:
            del self._buckets[key]
