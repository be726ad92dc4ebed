"""The Alphabetical policy (IRC ``internal/policy/alphabetical.go``).

Go sorts with ``sort.Strings`` (byte order). Python compares ``str`` by code point, which is the
same order as comparing the UTF-8 bytes, so ``max``/``min`` give Go's pick; equal strings are
identical, so ties cannot be told apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from tagpilot.policy.errors import EMPTY_LIST, NoCandidateError

__all__ = ["Alphabetical"]


class Alphabetical:
    """``asc`` (default) selects the largest string, ``desc`` the smallest.

    Examples
    --------
    >>> Alphabetical("asc").latest(["a", "B", "latest", "9"])
    'latest'
    """

    def __init__(self, order: str = "asc") -> None:
        self.order = order

    def latest(self, candidates: Sequence[str]) -> str:
        """Return the largest (``asc``) or smallest (``desc``) candidate."""
        if not candidates:
            raise NoCandidateError(EMPTY_LIST)
        return min(candidates) if self.order == "desc" else max(candidates)

    def reject_reason(self, candidate: str) -> str | None:
        """Every string is a valid candidate."""
        return None
