"""Registry request budgets: token-bucket arithmetic, rate-limit headers, a request meter.

The bucket state lives in DynamoDB (:mod:`tagpilot.store.budgets`) so every function shares it;
this module holds the pure parts:

* :func:`refill` - the tokens a bucket holds after ``elapsed`` seconds;
* :func:`limits_from_headers` - what a registry said about its limits: ``Retry-After`` (RFC 9110),
  IETF ``RateLimit-Remaining``/``RateLimit-Reset`` (and the combined ``RateLimit`` field), and
  Docker Hub's ``ratelimit-remaining: 76;w=21600``;
* :class:`RequestMeter` - a ``requests`` response hook counting requests per host and keeping
  the most restrictive limit each host announced, so the scan can settle the bucket afterwards.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tagpilot.registry.retryafter import parse_retry_after

#: Defaults when no ImageRepository sets ``tagpilot.dev/registry-budget`` for the host:
#: Docker Hub's authenticated (Personal) pull limit, and a conservative figure for GHCR, which
#: publishes no number. ``(requests, per seconds)``.
DEFAULT_BUDGETS: dict[str, tuple[int, float]] = {
    "index.docker.io": (100, 3600.0),
    "registry-1.docker.io": (100, 3600.0),
    "docker.io": (100, 3600.0),
    "ghcr.io": (1000, 3600.0),
}
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)")
_FIELD = re.compile(r"(?:^|[,;]\s*)(r|remaining|t|reset)\s*=\s*([0-9]+(?:\.[0-9]+)?)", re.I)


def refill(tokens: float, elapsed: float, capacity: float, rate: float) -> float:
    """Tokens after ``elapsed`` seconds of refilling at ``rate`` a second, capped at ``capacity``.

    >>> refill(0.0, 36.0, 100.0, 100 / 3600)
    1.0
    """
    return min(capacity, tokens + max(elapsed, 0.0) * rate)


@dataclass(frozen=True)
class Limits:
    """What one response said: tokens left (None: unknown) and seconds until usable again."""

    remaining: float | None = None
    wait: float | None = None


def _first_number(text: str | None) -> float | None:
    match = _NUMBER.match(text or "")
    return float(match.group(1)) if match else None


def limits_from_headers(status: int, headers: Mapping[str, str], now: float) -> Limits:
    """Limits announced by one response (headers looked up case-insensitively)."""
    remaining = _first_number(headers.get("RateLimit-Remaining"))
    reset = _first_number(headers.get("RateLimit-Reset"))
    combined = headers.get("RateLimit")
    if combined:
        for key, value in _FIELD.findall(combined):
            if key.lower() in ("r", "remaining"):
                remaining = float(value)
            else:
                reset = float(value)
    wait: float | None = None
    if status in (429, 503):
        wait = parse_retry_after(headers.get("Retry-After"), lambda: now)
        if wait is None and status == 429:
            wait = reset
    if remaining is not None and remaining <= 0 and reset is not None:
        wait = max(wait or 0.0, reset)
    return Limits(remaining, wait)


@dataclass
class HostUsage:
    requests: int = 0
    remaining: float | None = None
    wait: float | None = None


class RequestMeter:
    """Counts responses per host (a ``requests`` response hook); thread-safe."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: dict[str, HostUsage] = {}

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        host = urlsplit(response.url).netloc.lower()
        limits = limits_from_headers(response.status_code, response.headers, self._clock())
        with self._lock:
            usage = self._hosts.setdefault(host, HostUsage())
            usage.requests += 1
            if limits.remaining is not None:
                usage.remaining = (
                    limits.remaining
                    if usage.remaining is None
                    else min(usage.remaining, limits.remaining)
                )
            if limits.wait is not None:
                usage.wait = max(usage.wait or 0.0, limits.wait)
        return response

    def take(self, host: str) -> HostUsage:
        """What was seen for ``host`` since the last ``take`` (and forget it)."""
        with self._lock:
            return self._hosts.pop(host.lower(), HostUsage())

    def install(self, session: Any) -> None:
        session.hooks.setdefault("response", []).append(self.hook)
