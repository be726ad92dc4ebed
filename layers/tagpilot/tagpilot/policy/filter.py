"""``filterTags``: keep tags matching a Go regexp, optionally compare an extracted value
(IRC ``internal/policy/filter.go``).

For each tag in order, the leftmost match decides; the key is the tag itself or the expansion
of ``extract``. A later tag with the same key replaces the earlier one (Flux fills a map). Go
iterates that map in random order; here keys keep the order in which they first appeared, which
only matters for exact ties between different keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tagpilot.golang import regexp as goregexp
from tagpilot.policy.errors import InvalidPolicyError

__all__ = ["TagFilter", "build_filter"]


class TagFilter:
    """A compiled ``filterTags``.

    Parameters
    ----------
    pattern
        Go regexp; an invalid one raises :class:`~tagpilot.policy.errors.InvalidPolicyError`
        with Flux's message ``failed to filter tags: invalid regular expression pattern ...``.
    extract
        Go ``ExpandString`` template (``$1``, ``${name}``), or ``""`` to compare the tag itself.

    Examples
    --------
    >>> TagFilter(r"^main-(?P<ts>\\d+)$", "$ts").apply(["main-2", "dev-3", "main-10"])
    {'2': 'main-2', '10': 'main-10'}
    """

    def __init__(self, pattern: str, extract: str = "") -> None:
        try:
            self.regexp = goregexp.compile(pattern)
        except goregexp.RegexpSyntaxError as err:
            detail = f"invalid regular expression pattern '{pattern}': {err}"
            raise InvalidPolicyError(detail, f"failed to filter tags: {detail}") from None
        self.pattern = pattern
        self.extract = extract

    def apply(self, tags: Sequence[str]) -> dict[str, str]:
        """Map each key (extracted value or tag) to its original tag, in first-seen key order."""
        search = self.regexp.search
        out: dict[str, str] = {}
        if not self.extract:
            for tag in tags:
                if search(tag) is not None:
                    out[tag] = tag
            return out
        expand = self.regexp.template(self.extract)
        for tag in tags:
            m = search(tag)
            if m is not None:
                out[expand(m)] = tag
        return out


def build_filter(filter_tags: Mapping[str, Any] | None) -> TagFilter | None:
    """Build the filter from ``spec.filterTags`` (None when absent)."""
    if filter_tags is None:
        return None
    if not isinstance(filter_tags, Mapping):
        raise InvalidPolicyError("spec.filterTags must be an object")
    unknown = sorted(set(filter_tags) - {"pattern", "extract"})
    if unknown:
        raise InvalidPolicyError(f"spec.filterTags: unknown field '{unknown[0]}'")
    pattern = filter_tags.get("pattern") or ""
    extract = filter_tags.get("extract") or ""
    if not isinstance(pattern, str) or not isinstance(extract, str):
        raise InvalidPolicyError("spec.filterTags.pattern and .extract must be strings")
    return TagFilter(pattern, extract)
