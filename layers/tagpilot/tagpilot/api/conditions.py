"""Kubernetes-style status conditions with Flux's types and reasons.

Flux (``fluxcd/pkg/runtime/conditions``) keeps three condition types on every object: ``Ready``,
``Reconciling`` and ``Stalled``. The helpers here set them the way Flux's reconcilers leave them
at the end of a reconcile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

READY = "Ready"
RECONCILING = "Reconciling"
STALLED = "Stalled"

# Reasons shared by the controllers (fluxcd/pkg/apis/meta).
SUCCEEDED = "Succeeded"
FAILED = "Failed"
PROGRESSING = "Progressing"
PROGRESSING_WITH_RETRY = "ProgressingWithRetry"
DEPENDENCY_NOT_READY = "DependencyNotReady"
ACCESS_DENIED = "AccessDenied"

_ORDER = (READY, RECONCILING, STALLED)


def now_rfc3339(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def get(status: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == ctype:
            return dict(cond)
    return None


def is_true(status: dict[str, Any], ctype: str) -> bool:
    cond = get(status, ctype)
    return bool(cond and cond.get("status") == "True")


def set_condition(
    status: dict[str, Any],
    ctype: str,
    value: str,
    reason: str,
    message: str,
    *,
    generation: int,
    now: datetime | None = None,
) -> None:
    """Set one condition; ``lastTransitionTime`` changes only when ``status`` flips."""
    conditions = [dict(c) for c in status.get("conditions") or []]
    previous = next((c for c in conditions if c.get("type") == ctype), None)
    if (
        previous is not None
        and previous.get("status") == value
        and previous.get("lastTransitionTime")
    ):
        transition = previous["lastTransitionTime"]
    else:
        transition = now_rfc3339(now)
    new = {
        "type": ctype,
        "status": value,
        "observedGeneration": generation,
        "lastTransitionTime": transition,
        "message": message,
        "reason": reason,
    }
    conditions = [c for c in conditions if c.get("type") != ctype] + [new]
    conditions.sort(key=lambda c: _ORDER.index(c["type"]) if c["type"] in _ORDER else len(_ORDER))
    status["conditions"] = conditions


def delete(status: dict[str, Any], ctype: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != ctype]


def mark_ready(status: dict[str, Any], reason: str, message: str, *, generation: int) -> None:
    """Success: Ready=True, Reconciling and Stalled removed, generation observed."""
    set_condition(status, READY, "True", reason, message, generation=generation)
    delete(status, RECONCILING)
    delete(status, STALLED)
    status["observedGeneration"] = generation


def mark_stalled(status: dict[str, Any], reason: str, message: str, *, generation: int) -> None:
    """A terminal error that only a spec change can fix: no retry."""
    set_condition(status, READY, "False", reason, message, generation=generation)
    set_condition(status, STALLED, "True", reason, message, generation=generation)
    delete(status, RECONCILING)
    status["observedGeneration"] = generation


def mark_failed(status: dict[str, Any], reason: str, message: str, *, generation: int) -> None:
    """A retriable error: Ready=False, Reconciling=True (ProgressingWithRetry), Stalled cleared."""
    set_condition(status, READY, "False", reason, message, generation=generation)
    set_condition(
        status, RECONCILING, "True", PROGRESSING_WITH_RETRY, message, generation=generation
    )
    delete(status, STALLED)


def ready_summary(status: dict[str, Any]) -> tuple[str, str]:
    """``(READY, MESSAGE)`` columns as ``flux get`` prints them."""
    cond = get(status, READY)
    if cond is None:
        return "Unknown", "waiting to be reconciled"
    return str(cond.get("status", "Unknown")), str(cond.get("message", ""))
