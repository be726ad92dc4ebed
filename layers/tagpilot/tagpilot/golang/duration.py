"""Go ``time.ParseDuration`` restricted to the patterns Flux's CRDs admit.

Flux validates durations twice: the CRD pattern (``^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$`` for
``interval``, without ``h`` for ``timeout``) and then ``time.ParseDuration``. A value must
pass both.
"""

from __future__ import annotations

import re

INTERVAL_PATTERN = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
TIMEOUT_PATTERN = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_MAX_SECONDS = (2**63 - 1) / 1e9


class DurationError(ValueError):
    """A duration string that Flux's CRD or Go's parser would refuse."""


def parse_duration(text: str, *, allow_hours: bool = True) -> float:
    """Return the duration in seconds.

    Examples
    --------
    >>> parse_duration("1m30s")
    90.0
    >>> parse_duration("1h", allow_hours=False)
    Traceback (most recent call last):
    ...
    DurationError: invalid duration '1h': must match ...
    """
    pattern = INTERVAL_PATTERN if allow_hours else TIMEOUT_PATTERN
    if not isinstance(text, str) or not pattern.match(text):
        raise DurationError(f"invalid duration {text!r}: must match {pattern.pattern}")
    total = sum(float(num) * _UNIT_SECONDS[unit] for num, unit in _PART.findall(text))
    if total > _MAX_SECONDS:
        raise DurationError(f"invalid duration {text!r}: overflows a Go time.Duration")
    return total


def format_duration(seconds: float) -> str:
    """Format seconds like Go's ``Duration.String`` for whole seconds (``1m30s``, ``2h0m0s``)."""
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
