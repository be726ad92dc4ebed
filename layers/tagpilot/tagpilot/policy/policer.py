"""The one interface every policy implements (IRC ``internal/policy/policer.go``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["Policer"]


class Policer(Protocol):
    """Selects the latest candidate.

    ``latest`` is the hot path used by reconciles; ``reject_reason`` only runs when an
    explanation is asked for (``tagpilot policy test``).
    """

    def latest(self, candidates: Sequence[str]) -> str:
        """Return the selected candidate, or raise ``NoCandidateError``."""
        ...

    def reject_reason(self, candidate: str) -> str | None:
        """Why ``candidate`` can never be selected by this policy, or None."""
        ...
