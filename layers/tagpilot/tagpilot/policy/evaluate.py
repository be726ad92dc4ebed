"""The ImagePolicy evaluation entry point (IRC ``applyPolicy``).

Order of operations, as in Flux: build the policer (an invalid spec fails before any tag is
looked at), require at least one stored tag, build and apply ``filterTags``, run the policer on
the keys, map the winner back to its original tag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tagpilot.policy.errors import NO_TAGS, NoCandidateError, NoTagsError
from tagpilot.policy.factory import build_policer
from tagpilot.policy.filter import TagFilter, build_filter
from tagpilot.policy.policer import Policer

__all__ = ["Evaluation", "Rejection", "evaluate"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A tag that could not be selected and why."""

    tag: str
    why: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    latest
        The selected original tag (before extraction).
    candidates
        Original tags that reached the policer, in candidate order.
    rejected
        Why other tags were dropped; empty unless ``explain=True``.
    """

    latest: str
    candidates: list[str]
    rejected: list[Rejection] = field(default_factory=list)


def _explain(
    tags: Sequence[str],
    tag_filter: TagFilter | None,
    mapping: Mapping[str, str],
    policer: Policer,
) -> list[Rejection]:
    rejected: list[Rejection] = []
    if tag_filter is not None:
        winners = {original: key for key, original in mapping.items()}
        search, expand = tag_filter.regexp.search, None
        if tag_filter.extract:
            expand = tag_filter.regexp.template(tag_filter.extract)
        for tag in tags:
            m = search(tag)
            if m is None:
                why = f"does not match filter pattern '{tag_filter.pattern}'"
                rejected.append(Rejection(tag, why))
            elif tag not in winners:
                key = expand(m) if expand else tag
                why = f"superseded by '{mapping[key]}' (same extracted value '{key}')"
                rejected.append(Rejection(tag, why))
    for key, original in mapping.items():
        reason = policer.reject_reason(key)
        if reason is not None:
            rejected.append(Rejection(original, reason))
    return rejected


def evaluate(spec: Mapping[str, Any], tags: Sequence[str], *, explain: bool = False) -> Evaluation:
    """Select the latest tag for an ImagePolicy ``spec``.

    Parameters
    ----------
    spec
        The ImagePolicy ``spec`` mapping; ``policy`` and ``filterTags`` are used.
    tags
        Tags in **stored order** (see :func:`tagpilot.policy.tags.stored_order`); the order
        decides ties exactly as in Flux.
    explain
        Also compute why every other tag was dropped (slower; for ``tagpilot policy test``).

    Returns
    -------
    Evaluation

    Raises
    ------
    InvalidPolicyError
        Invalid policy choice, range, order or filter regexp (Flux: Stalled ``InvalidPolicy``).
    NoTagsError
        ``tags`` is empty (Flux: ``DependencyNotReady``).
    NoCandidateError
        Nothing selectable (Flux: ``Failure``); carries ``candidates`` and, with ``explain``,
        ``rejected``.

    Examples
    --------
    >>> spec = {"policy": {"semver": {"range": "^1.x"}},
    ...         "filterTags": {"pattern": "^v(?P<v>.*)$", "extract": "$v"}}
    >>> evaluate(spec, ["v2.0.0", "v1.9.0", "v1.10.0", "1.11.0"]).latest
    'v1.10.0'
    """
    policer = build_policer(spec.get("policy"))
    if not tags:
        raise NoTagsError(NO_TAGS)
    tag_filter = build_filter(spec.get("filterTags"))
    if tag_filter is not None:
        mapping = tag_filter.apply(tags)
        keys: Sequence[str] = list(mapping)
    else:
        mapping = {tag: tag for tag in tags}
        keys = tags
    try:
        winner = policer.latest(keys)
    except NoCandidateError as err:
        rejected = _explain(tags, tag_filter, mapping, policer) if explain else []
        raise NoCandidateError(str(err), list(mapping.values()), rejected) from None
    rejected = _explain(tags, tag_filter, mapping, policer) if explain else []
    return Evaluation(mapping[winner], list(mapping.values()), rejected)
