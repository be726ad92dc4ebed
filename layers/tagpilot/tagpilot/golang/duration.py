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
    if not isinstance(text, str) or not pattern.fullmatch(text):
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


_GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_GO_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_MAX_NANOS = 2**63 - 1


def parse_go_duration(text: str) -> int:
    """Go's ``time.ParseDuration``, in nanoseconds (CLI flags such as ``--timeout``).

    Examples
    --------
    >>> parse_go_duration("1h30m") // 10**9
    5400
    >>> parse_go_duration("1.5s")
    1500000000
    """
    s = text
    sign = 1
    if s[:1] in ("-", "+"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _GO_PART.match(s, pos)
        if m is None or m.group(1) in ("", "."):
            if m is None and re.match(r"[0-9.]+\Z", s[pos:]):
                raise DurationError(f'time: missing unit in duration "{text}"')
            if m is None and re.match(r"[0-9.]+", s[pos:]):
                raise DurationError(f'time: unknown unit in duration "{text}"')
            raise DurationError(f'time: invalid duration "{text}"')
        whole, _, frac = m.group(1).partition(".")
        unit = _GO_UNITS[m.group(2)]
        value = int(whole or "0") * unit
        if frac:
            value += int(frac) * unit // (10 ** len(frac))
        total += value
        if total > _MAX_NANOS:
            raise DurationError(f'time: invalid duration "{text}"')
        pos = m.end()
    return sign * total


def format_go_duration(nanos: int) -> str:
    """Go's ``Duration.String``: ``1m0s``, ``1h30m0s``, ``1.5s``, ``500ms``, ``0s``.

    Examples
    --------
    >>> format_go_duration(5 * 60 * 10**9)
    '5m0s'
    >>> format_go_duration(500 * 10**6)
    '500ms'
    """
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    n = abs(nanos)
    if n < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if n >= size or unit == "ns":
                return sign + _fraction(n, size) + unit
    seconds = _fraction(n % 60_000_000_000, 1_000_000_000) + "s"
    minutes_total = n // 60_000_000_000
    if minutes_total == 0:
        return sign + seconds
    hours, minutes = divmod(minutes_total, 60)
    if hours == 0:
        return f"{sign}{minutes}m{seconds}"
    return f"{sign}{hours}h{minutes}m{seconds}"


def _fraction(value: int, size: int) -> str:
    whole, rest = divmod(value, size)
    if not rest:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}.{str(rest).rjust(digits, '0').rstrip('0')}"
