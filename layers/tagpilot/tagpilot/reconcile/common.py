"""Pieces shared by the reconcilers: outcomes, retry backoff, reconcile-request bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.resource import Resource
from tagpilot.errors import TagpilotError

#: Flux's per-item exponential rate limiter (``--min-retry-delay``/``--max-retry-delay``).
MIN_RETRY_DELAY = 0.75
MAX_RETRY_DELAY = 900.0


def backoff(failures: int) -> float:
    """Delay before retry number ``failures`` (1-based), doubling from 0.75 s up to 15 min."""
    return float(min(MIN_RETRY_DELAY * (2 ** max(failures - 1, 0)), MAX_RETRY_DELAY))


@dataclass
class Unreleased:
    """A failed reconcile whose release the store did not record (it was down).

    ``status`` is still to be written: the failure condition, whose retry time also releases
    the dispatcher's claim (without it the object waits for the claim's schedule, up to its
    whole interval). ``lease`` is a Git branch lease ``(lease, owner)`` still held (else it
    blocks the branch for :data:`tagpilot.reconcile.automation.LEASE_SECONDS`). The worker keeps
    these and retries them until the store answers (:func:`tagpilot.reconcile.isolation.release`).
    """

    kind: str
    namespace: str
    name: str
    reason: str
    message: str
    stalled: bool = False
    status: bool = True
    lease: tuple[str, str] | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.namespace, self.name


@dataclass
class Outcome:
    """What one reconcile did, for logs, metrics and the CLI (never secrets)."""

    kind: str
    namespace: str
    name: str
    ready: str = "Unknown"
    reason: str = ""
    message: str = ""
    skipped: str | None = None  # why nothing was done (missing, suspended, not due)
    metrics: dict[str, float] = field(default_factory=dict)
    follow_up: list[Any] = field(default_factory=list)  # WorkItems to send next
    #: What a failed reconcile still holds because the store refused to record its release.
    unreleased: Unreleased | None = None
    #: Nothing changed and nothing was written (a slot's unchanged rescan): logged at debug.
    quiet: bool = False

    @property
    def failed(self) -> bool:
        return self.skipped is None and self.ready != "True"


def handled_request(resource: Resource, status: dict[str, Any]) -> None:
    """Record the ``requestedAt`` annotation as handled (``lastHandledReconcileAt``)."""
    if resource.requested_at:
        status["lastHandledReconcileAt"] = resource.requested_at


#: Below this many seconds a network operation is not started: the record goes back to its queue.
MIN_OPERATION_SECONDS = 1.0


class OutOfTimeError(TagpilotError):
    """The invocation has no time left for this record; it fails and is retried from the queue."""


def bounded_timeout(app: Any, timeout: float) -> float:
    """``timeout`` bounded by the time this record may still use in its Lambda invocation.

    A Lambda timeout ends the invocation abruptly (no status write, the whole batch returns to
    the queue), so every registry and Git deadline is the smaller of the object's own timeout and
    ``app.time_left()`` (set per record by the handler; absent outside Lambda).

    Raises
    ------
    OutOfTimeError
        Less than :data:`MIN_OPERATION_SECONDS` remain.
    """
    time_left = getattr(app, "time_left", None)
    if time_left is None:
        return timeout
    left = float(time_left())
    if left < MIN_OPERATION_SECONDS:
        raise OutOfTimeError(f"{left:.1f}s left in this invocation: retried later")
    return min(timeout, left)
