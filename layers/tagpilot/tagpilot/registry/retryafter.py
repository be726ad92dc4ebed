"""``Retry-After`` header parsing (RFC 9110 §10.2.3): delay-seconds or an HTTP-date."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait, or ``None`` when the header is absent or unparseable.

    Parameters
    ----------
    value:
        The header value: ``"120"`` or ``"Wed, 21 Oct 2015 07:28:00 GMT"``.
    now:
        Wall clock (epoch seconds) for HTTP-dates; injectable for tests.

    Returns
    -------
    float | None
        Never negative: a date in the past gives ``0.0``.

    Examples
    --------
    >>> parse_retry_after("30")
    30.0
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # asctime dates carry no zone; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())
