"""Flux's Ready summary for source objects (``fluxcd/pkg runtime/conditions`` merge, §5.2).

Inputs in priority order; grouped by (status, polarity); the best group is negative-True, then
positive-False, positive-True, negative-False, Unknown. Ready copies reason and message of the
group's first condition in priority order (False for negative-True and positive-False groups,
True for positive-True). A False ``SourceVerified`` then forces Ready False with its own reason.
"""

from __future__ import annotations

from typing import Any

from tagpilot.api import conditions

SOURCE_VERIFIED = "SourceVerified"
ARTIFACT_IN_STORAGE = "ArtifactInStorage"
ARTIFACT_OUTDATED = "ArtifactOutdated"
PRIORITY = (
    "StorageOperationFailed",
    "FetchFailed",
    ARTIFACT_OUTDATED,
    ARTIFACT_IN_STORAGE,
    SOURCE_VERIFIED,
    conditions.STALLED,
    conditions.RECONCILING,
)
NEGATIVE = frozenset(
    {
        "StorageOperationFailed",
        "FetchFailed",
        ARTIFACT_OUTDATED,
        conditions.STALLED,
        conditions.RECONCILING,
    }
)


def _rank(ctype: str, value: str) -> int:
    negative = ctype in NEGATIVE
    if value == "True":
        return 0 if negative else 2
    if value == "False":
        return 3 if negative else 1
    return 4


def summarize(status: dict[str, Any], generation: int) -> None:
    """Set ``Ready`` from the other conditions of ``status``."""
    found = [
        (ctype, cond) for ctype in PRIORITY if (cond := conditions.get(status, ctype)) is not None
    ]
    if not found:
        return
    best = min(_rank(t, str(c.get("status"))) for t, c in found)
    ctype, cond = next((t, c) for t, c in found if _rank(t, str(c.get("status"))) == best)
    value = {0: "False", 1: "False", 2: "True"}.get(best, "Unknown")
    reason, message = str(cond.get("reason", "")), str(cond.get("message", ""))
    verified = conditions.get(status, SOURCE_VERIFIED)
    if verified is not None and verified.get("status") == "False":
        value = "False"
        reason, message = str(verified.get("reason", "")), str(verified.get("message", ""))
    del ctype
    conditions.set_condition(
        status, conditions.READY, value, reason, message, generation=generation
    )
