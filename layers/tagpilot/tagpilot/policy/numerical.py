"""The Numerical policy (IRC ``internal/policy/numerical.go``).

Every candidate goes through Go's ``strconv.ParseFloat``; **any** failure fails the whole
evaluation (Flux does not skip non-numeric tags). A new candidate replaces the pick unless it is
strictly worse, so among equal values the last one wins, and a ``NaN`` (which compares false
both ways) replaces the pick, as does any candidate after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tagpilot.golang.strconv import NumError, parse_float
from tagpilot.policy.errors import EMPTY_LIST, NoCandidateError

__all__ = ["Numerical"]


class Numerical:
    """``asc`` (default) selects the maximum, ``desc`` the minimum.

    Examples
    --------
    >>> Numerical("asc").latest(["1", "10", "9.5"])
    '10'
    """

    def __init__(self, order: str = "asc") -> None:
        self.order = order

    def latest(self, candidates: Sequence[str]) -> str:
        """Return the selected candidate; fail on the first non-numeric one."""
        if not candidates:
            raise NoCandidateError(EMPTY_LIST)
        desc = self.order == "desc"
        latest = ""
        pv = 0.0
        for i, tag in enumerate(candidates):
            try:
                cv = parse_float(tag)
            except NumError:
                raise NoCandidateError(f"failed to parse invalid numeric value '{tag}'") from None
            if i and ((cv > pv) if desc else (cv < pv)):
                continue
            latest, pv = tag, cv
        return latest

    def reject_reason(self, candidate: str) -> str | None:
        """A non-numeric candidate fails the whole evaluation."""
        try:
            parse_float(candidate)
        except NumError as err:
            return f"not a number, fails the whole evaluation: {err}"
        return None
