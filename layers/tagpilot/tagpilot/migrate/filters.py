"""A Flux v1 tag filter as a Flux v2 ImagePolicy, or the reason it cannot be one.

v1 filters (fluxcd/flux ``pkg/policy/pattern.go``): ``semver:``, ``regexp:``/``regex:``, else a
glob (optional ``glob:``); no annotation is ``glob:*``. Semver ranges carry over. Glob and regexp
filters ordered candidates by image build time, which v2 cannot do: they migrate only when the
current tag carries a sortable part (a trailing Unix timestamp or build number), which then
orders them numerically, as the migration guide's sortable tags do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SORTABLE_ADVICE = (
    "tag builds <branch>-<sha1>-<timestamp> (e.g. $(date +%s)) and select with "
    "filterTags.pattern '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract '$ts', numerical asc"
)


@dataclass(frozen=True)
class Translation:
    """``spec`` fields of the ImagePolicy (policy, filterTags), or ``problem`` and ``advice``."""

    spec: dict[str, Any] | None
    problem: str = ""
    advice: str = ""
    note: str = ""


_RE2_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def glob_to_regexp(glob: str) -> str:
    """v1's glob (only ``*`` is special, whole-tag match) as an anchored RE2 pattern.

    >>> glob_to_regexp("main-*")
    '^main-.*$'
    """
    return "^" + ".*".join(_RE2_META.sub(r"\\\1", part) for part in glob.split("*")) + "$"


def _sortable(prefix_regexp: str, rest: str) -> dict[str, Any] | None:
    if re.fullmatch(r"[a-f0-9]{7,40}-[0-9]{9,}", rest):
        pattern = prefix_regexp + r"[a-f0-9]+-(?P<ts>[0-9]+)$"
    elif re.fullmatch(r"[0-9]{9,}", rest):
        pattern = prefix_regexp + r"(?P<ts>[0-9]+)$"
    else:
        return None
    return {"filterTags": {"pattern": pattern, "extract": "$ts"}, "policy": _numerical()}


def _numerical() -> dict[str, Any]:
    return {"numerical": {"order": "asc"}}


def translate(filter_text: str | None, current_tag: str) -> Translation:
    """The v2 ImagePolicy spec for a v1 filter and the field's current tag."""
    text = "glob:*" if filter_text is None else filter_text
    if text.startswith("semver:"):
        rng = text[len("semver:") :]
        from tagpilot.policy.errors import PolicyError
        from tagpilot.policy.semver_range import parse_range
        from tagpilot.policy.version import parse_tag

        try:
            parse_range(rng)
        except PolicyError as exc:
            return Translation(
                None,
                f"semver range {rng!r} is invalid ({exc}); Flux v1 then matched every tag",
                "write a valid range",
            )
        note = ""
        if parse_tag(current_tag) is None:
            note = (
                f"the current tag {current_tag!r} is not a three-part version: Flux v2 skips "
                "such tags, v1 read them leniently"
            )
        return Translation({"policy": {"semver": {"range": rng}}}, note=note)
    for prefix in ("regexp:", "regex:"):
        if text.startswith(prefix):
            expr = text[len(prefix) :]
            return Translation(
                None,
                f"'{text}' ordered the matching tags by image build time, which Flux v2 cannot "
                f"do (the pattern itself carries over as filterTags.pattern {expr!r})",
                SORTABLE_ADVICE,
            )
    glob = text[len("glob:") :] if text.startswith("glob:") else text
    if glob.lower() == "latest" or current_tag.lower() == "latest":
        return Translation(
            None,
            "the 'latest' tag cannot be selected by a Flux v2 policy",
            "pin a versioned or sortable tag",
        )
    parts = glob.split("*")
    if len(parts) == 2 and parts[1] == "" and current_tag.startswith(parts[0]):
        prefix_regexp = glob_to_regexp(parts[0])[:-1]
        found = _sortable(prefix_regexp, current_tag[len(parts[0]) :])
        if found is not None and parts[0]:
            return Translation(
                found,
                note=f"'{text}' ordered by build time; the tags end in a number, which "
                "numerical order uses instead",
            )
    return Translation(
        None,
        f"'{text}' ordered the matching tags by image build time, which Flux v2 cannot do "
        f"(the filter itself is {glob_to_regexp(glob)!r})",
        SORTABLE_ADVICE,
    )
