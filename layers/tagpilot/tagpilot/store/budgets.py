"""Per-registry-host token buckets in DynamoDB, shared by every function (registry budgets).

One item per host (``budget#<host>`` in the leases table): ``tokens`` at ``updated_at``, an
optional ``blocked_until`` (a registry said ``Retry-After`` or ran out of ``RateLimit-Remaining``)
and a ``version`` for optimistic locking: two functions taking tokens at once cannot both spend
the same ones, the loser re-reads and tries again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException

from tagpilot.registry.budget import refill
from tagpilot.store.errors import StoreError
from tagpilot.store.models import Models

KEY_PREFIX = "budget#"
#: Idle buckets expire (TTL) this long after their last use; a full bucket is the same as none.
IDLE_SECONDS = 7 * 24 * 3600.0
ATTEMPTS = 25


@dataclass(frozen=True)
class Grant:
    """``granted``, or else the epoch second the bucket will have enough tokens (``retry_at``)."""

    granted: bool
    tokens: float
    retry_at: float = 0.0


class BudgetStore:
    """Take tokens from, and report usage to, the bucket of a registry host."""

    def __init__(self, models: Models, clock: Callable[[], float] = time.time) -> None:
        if models.budgets is None:
            raise StoreError("these models have no budget table")
        self._model = models.budgets
        self._clock = clock

    def _load(self, host: str, capacity: float) -> tuple[object, float, float]:
        try:
            item = self._model.get(KEY_PREFIX + host, consistent_read=True)
            return item, float(item.tokens), float(item.updated_at)
        except DoesNotExist:
            return self._model(KEY_PREFIX + host), capacity, self._clock()

    def acquire(self, host: str, cost: float, capacity: float, per_seconds: float) -> Grant:
        """Take ``cost`` tokens if the bucket holds them; never blocks."""
        rate = capacity / per_seconds
        for _ in range(ATTEMPTS):
            now = self._clock()
            try:
                item, tokens, updated = self._load(host, capacity)
                tokens = refill(tokens, now - updated, capacity, rate)
                blocked = float(getattr(item, "blocked_until", 0) or 0)
                if blocked > now:
                    return Grant(False, tokens, blocked)
                if tokens < cost:
                    return Grant(False, tokens, now + (min(cost, capacity) - tokens) / rate)
                self._save(item, tokens - cost, now, blocked)
                return Grant(True, tokens - cost)
            except _Conflict:
                _pause()
                continue
            except PynamoDBException as exc:
                raise StoreError(f"registry budget of {host}: {exc.msg}") from exc
        raise StoreError(f"registry budget of {host}: too much contention, try later")

    def settle(
        self,
        host: str,
        extra_cost: float,
        capacity: float,
        per_seconds: float,
        *,
        remaining: float | None = None,
        wait: float | None = None,
    ) -> float:
        """Charge requests beyond the estimate and apply what the registry announced.

        ``remaining`` caps the tokens (the registry knows better), ``wait`` blocks the bucket
        for that many seconds. Returns the tokens left (may be negative: a debt).
        """
        rate = capacity / per_seconds
        for _ in range(ATTEMPTS):
            now = self._clock()
            try:
                item, tokens, updated = self._load(host, capacity)
                tokens = refill(tokens, now - updated, capacity, rate) - extra_cost
                if remaining is not None:
                    tokens = min(tokens, remaining)
                blocked = float(getattr(item, "blocked_until", 0) or 0)
                if wait:
                    blocked = max(blocked, now + wait)
                self._save(item, tokens, now, blocked)
                return tokens
            except _Conflict:
                _pause()
                continue
            except PynamoDBException as exc:
                raise StoreError(f"registry budget of {host}: {exc.msg}") from exc
        raise StoreError(f"registry budget of {host}: too much contention, try later")

    def _save(self, item: object, tokens: float, now: float, blocked: float) -> None:
        item.tokens = tokens  # type: ignore[attr-defined]
        item.updated_at = now  # type: ignore[attr-defined]
        item.blocked_until = blocked  # type: ignore[attr-defined]
        item.expires_at = now + IDLE_SECONDS  # type: ignore[attr-defined]
        try:
            item.save()  # type: ignore[attr-defined]  # conditional on ``version``
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise _Conflict from exc
            raise


def _pause() -> None:
    """Spread out the retries of functions that collided on one bucket."""
    time.sleep(random.uniform(0.0, 0.02))  # noqa: S311 - jitter, not security


class _Conflict(Exception):
    """Another function updated the bucket between our read and write."""
