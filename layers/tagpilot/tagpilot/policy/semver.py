"""The SemVer policy (IRC ``internal/policy/semver.go``).

Tags are parsed like Flux's ``version.ParseVersion``; among those satisfying the range the
greatest wins, and a later tag only replaces the pick when strictly greater, so among equal
precedence (``1.0.0`` and ``v1.0.0``, ``1.0.0+a`` and ``1.0.0+b``) the first in candidate order
wins. The original tag string is returned.
"""

from __future__ import annotations

from collections.abc import Sequence

from tagpilot.policy.errors import EMPTY_LIST, NO_LATEST, NoCandidateError
from tagpilot.policy.semver_range import Range, parse_range
from tagpilot.policy.version import parse_tag, tag_error

__all__ = ["SemVer"]


class SemVer:
    """Select the highest version within ``range``.

    Parameters
    ----------
    range_text
        Masterminds v3 constraint; invalid text raises
        :class:`~tagpilot.policy.errors.InvalidPolicyError` here, before any tag is read.

    Examples
    --------
    >>> SemVer("^1.0").latest(["1.0.0", "v1.2.0", "2.0.0", "1.3.0-rc.1"])
    'v1.2.0'
    """

    def __init__(self, range_text: str) -> None:
        self.range: Range = parse_range(range_text)

    def latest(self, candidates: Sequence[str]) -> str:
        """Return the greatest satisfying candidate (original string)."""
        if not candidates:
            raise NoCandidateError(EMPTY_LIST)
        check = self.range.check
        best_key = None
        best = ""
        for tag in candidates:
            key = parse_tag(tag)
            if key is None or not check(key):
                continue
            if best_key is None or key > best_key:
                best_key, best = key, tag
        if best_key is None:
            raise NoCandidateError(NO_LATEST)
        return best

    def reject_reason(self, candidate: str) -> str | None:
        """Explain why ``candidate`` is never selected (not a version, out of range)."""
        error = tag_error(candidate)
        if error is not None:
            return error
        key = parse_tag(candidate)
        assert key is not None
        if self.range.check(key):
            return None
        if self.range.prerelease_excluded(key):
            return f"prerelease not allowed by range '{self.range.text}'"
        return f"does not satisfy range '{self.range.text}'"
