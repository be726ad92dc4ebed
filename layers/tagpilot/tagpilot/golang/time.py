"""Go's strict RFC 3339 parsing (``time.Time.UnmarshalJSON`` since Go 1.20)."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

# [0-9] rather than \d: Go accepts ASCII digits only.
_RFC3339 = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})T(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):"
    r"(?P<s>[0-9]{2})(?P<frac>\.[0-9]+)?(?:Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)


def is_rfc3339(text: str) -> bool:
    """Tell whether Go's ``parseStrictRFC3339`` accepts ``text``.

    Upper-case ``T`` and ``Z`` only, two-digit fields in range, optional fraction of any length,
    offset hours below 24, year 0000 allowed.

    Examples
    --------
    >>> is_rfc3339("2026-01-02T03:04:05.5+01:00"), is_rfc3339("2026-02-30T00:00:00Z")
    (True, False)
    """
    return _fields(text) is not None


def parse_rfc3339(text: str) -> datetime | None:
    """Parse like :func:`is_rfc3339`; ``None`` when invalid or year 0000 (not representable).

    Examples
    --------
    >>> parse_rfc3339("2026-01-02T03:04:05.5Z").isoformat()
    '2026-01-02T03:04:05.500000+00:00'
    """
    fields = _fields(text)
    if fields is None or fields[0] == 0:
        return None
    *parts, micro, offset = fields
    year, month, day, hour, minute, second = parts
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))


def _fields(text: str) -> tuple[int, int, int, int, int, int, int, timedelta] | None:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    hour, minute, second = int(match["h"]), int(match["mi"]), int(match["s"])
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59:
        return None
    # Year 0 is a leap year in Go's proleptic Gregorian calendar, like 2000.
    if not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return None
    offset = timedelta(0)
    if match["sign"]:
        off_hours, off_minutes = int(match["oh"]), int(match["om"])
        if off_hours > 23 or off_minutes > 59:
            return None
        offset = timedelta(hours=off_hours, minutes=off_minutes)
        offset = -offset if match["sign"] == "-" else offset
    micro = int((match["frac"] or ".0")[1:7].ljust(6, "0"))
    return year, month, day, hour, minute, second, micro, offset
