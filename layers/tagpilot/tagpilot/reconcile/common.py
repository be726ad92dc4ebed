"""Pieces shared by the reconcilers: outcomes, retry backoff, reconcile-request bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.resource import Resource

#: Flux's per-item exponential rate limiter (``--min-retry-delay``/``--max-retry-delay``).
MIN_RETRY_DELAY = 0.75
MAX_RETRY_DELAY = 900.0


def backoff(failures: int) -> float:
    """Delay before retry number ``failures`` (1-based), doubling from 0.75 s up to 15 min."""
    return float(min(MIN_RETRY_DELAY * (2 ** max(failures - 1, 0)), MAX_RETRY_DELAY))


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

    @property
    def failed(self) -> bool:
        return self.skipped is None and self.ready != "True"


def handled_request(resource: Resource, status: dict[str, Any]) -> None:
    """Record the ``requestedAt`` annotation as handled (``lastHandledReconcileAt``)."""
    if resource.requested_at:
        status["lastHandledReconcileAt"] = resource.requested_at
