"""tagpilot's selection extensions on top of a Flux policy: newest-pushed, soak, never-downgrade.

Pure functions over the stored tags and a ``tag -> push time`` mapping (epoch seconds); the
registry adapters fill the mapping, the reconciler calls these in this order:

1. :func:`soak`: drop tags pushed less than ``soak`` seconds ago (and tags of unknown age);
2. :func:`newest_pushed` (or Flux's :func:`~tagpilot.policy.evaluate.evaluate`);
3. :func:`is_downgrade`: would the result move ``latestRef`` backwards?

With ``newest-pushed`` the Flux policy still decides which tags are acceptable (``filterTags``,
then the semver range, or numbers only for ``numerical``); the push time decides between them,
and the Flux order breaks ties.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tagpilot.policy.errors import NO_LATEST, NoCandidateError
from tagpilot.policy.evaluate import Evaluation, Rejection, evaluate
from tagpilot.policy.factory import build_policer
from tagpilot.policy.filter import build_filter

__all__ = ["Soak", "accepted", "is_downgrade", "newest_pushed", "soak", "waiting_rejections"]


def accepted(spec: Mapping[str, Any], tags: Sequence[str]) -> dict[str, str]:
    """Tags the policy could select, ``original -> key`` (after ``filterTags`` and the policer)."""
    policer = build_policer(spec.get("policy"))
    tag_filter = build_filter(spec.get("filterTags"))
    mapping = tag_filter.apply(tags) if tag_filter is not None else {t: t for t in tags}
    return {orig: key for key, orig in mapping.items() if policer.reject_reason(key) is None}


def newest_pushed(
    spec: Mapping[str, Any], tags: Sequence[str], pushed: Mapping[str, float]
) -> Evaluation:
    """The acceptable tag pushed last; ties go to the Flux policy's own order.

    Examples
    --------
    >>> spec = {"policy": {"semver": {"range": "1.x"}}}
    >>> newest_pushed(spec, ["2.0.0", "1.1.0", "1.0.0"],
    ...               {"2.0.0": 30, "1.1.0": 10, "1.0.0": 20}).latest
    '1.0.0'
    """
    candidates = [tag for tag in accepted(spec, tags) if tag in pushed]
    if not candidates:
        raise NoCandidateError(NO_LATEST, list(tags))
    newest = max(pushed[tag] for tag in candidates)
    tied = [tag for tag in tags if tag in candidates and pushed[tag] == newest]
    winner = tied[0] if len(tied) == 1 else evaluate(spec, tied).latest
    return Evaluation(winner, candidates)


@dataclass(frozen=True)
class Soak:
    """Tags old enough to be selected, and the rest with the time they become eligible."""

    ripe: list[str]
    waiting: dict[str, float]  # tag -> epoch seconds it may be selected (inf: age unknown)


def soak(tags: Sequence[str], pushed: Mapping[str, float], soak_seconds: float, now: float) -> Soak:
    """Split ``tags`` by age; a tag without a known push time waits (its age is unknown)."""
    ripe: list[str] = []
    waiting: dict[str, float] = {}
    for tag in tags:
        at = pushed.get(tag)
        if at is None:
            waiting[tag] = float("inf")
        elif at + soak_seconds <= now:
            ripe.append(tag)
        else:
            waiting[tag] = at + soak_seconds
    return Soak(ripe, waiting)


def is_downgrade(
    spec: Mapping[str, Any],
    previous: str,
    new: str,
    pushed: Mapping[str, float] | None = None,
) -> bool:
    """True when ``new`` sorts strictly below ``previous`` in the policy's order.

    With ``pushed`` (newest-pushed policies) the order is the push time. Tags the policy does
    not accept compare as not lower (the policy spec is the same, so the previous tag was
    accepted; a new tag that is not is impossible).
    """
    if previous == new:
        return False
    if pushed is not None:
        if previous in pushed and new in pushed:
            return pushed[new] < pushed[previous]
        return False
    try:
        first = evaluate(spec, [new, previous]).latest
        second = evaluate(spec, [previous, new]).latest
    except NoCandidateError:
        return False
    return first == previous and second == previous


def waiting_rejections(waiting: Mapping[str, float], soak_text: str) -> list[Rejection]:
    """``policy test`` reasons for tags still soaking."""
    out = []
    for tag, until in waiting.items():
        if until == float("inf"):
            out.append(Rejection(tag, "push time unknown: cannot tell whether it soaked"))
        else:
            moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until))
            out.append(Rejection(tag, f"soaking ({soak_text}) until {moment}"))
    return out
