"""Stored tag order: what ImagePolicies see (IRC ``imagerepository_controller.go``).

The ImageRepository drops tags matching any exclusion pattern (unanchored Go regexp match),
then sorts the rest in descending byte order. Python orders ``str`` by code point, which equals
UTF-8 byte order, and ``sorted(reverse=True)`` is stable.
"""

from __future__ import annotations

from collections.abc import Sequence

from tagpilot.golang import regexp as goregexp
from tagpilot.policy.errors import InvalidExclusionError

__all__ = ["DEFAULT_EXCLUSION_LIST", "exclude", "stored_order"]

#: ``spec.exclusionList`` default; a non-empty user list replaces it, ``[]`` means the default.
DEFAULT_EXCLUSION_LIST: tuple[str, ...] = ("^.*\\.sig$",)


def exclude(
    tags: Sequence[str], exclusion_patterns: Sequence[str] | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """Split ``tags`` into kept tags and ``(tag, pattern)`` pairs that were excluded.

    Like Flux, a pattern is compiled only when a tag reaches it, so an invalid pattern is only
    reported if some tag was not excluded by an earlier pattern.

    Raises
    ------
    InvalidExclusionError
        With Go's compile error text.
    """
    patterns = list(exclusion_patterns or DEFAULT_EXCLUSION_LIST)
    compiled: list[goregexp.GoRegexp] = []
    error: goregexp.RegexpSyntaxError | None = None
    for pattern in patterns:
        try:
            compiled.append(goregexp.compile(pattern))
        except goregexp.RegexpSyntaxError as err:
            error = err
            break
    searches = [(rx.pattern, rx.match_string) for rx in compiled]
    kept: list[str] = []
    excluded: list[tuple[str, str]] = []
    for tag in tags:
        for pattern, search in searches:
            if search(tag):
                excluded.append((tag, pattern))
                break
        else:
            if error is not None:
                raise InvalidExclusionError(str(error))
            kept.append(tag)
    return kept, excluded


def stored_order(tags: Sequence[str], exclusion_patterns: Sequence[str] | None = None) -> list[str]:
    """Apply the exclusion list, then sort descending by bytes, as the tag database holds them.

    Parameters
    ----------
    tags
        Tags as listed by the registry.
    exclusion_patterns
        ``spec.exclusionList``; None or empty means ``["^.*\\\\.sig$"]``.

    Examples
    --------
    >>> stored_order(["1.0.0", "sha256-abc.sig", "1.10.0", "1.9.0"])
    ['1.9.0', '1.10.0', '1.0.0']
    """
    kept, _ = exclude(tags, exclusion_patterns)
    return sorted(kept, reverse=True)
