"""Go ``strconv.ParseFloat(s, 64)``.

Flux's numerical policy parses every candidate tag with ``ParseFloat`` and fails on any error,
including a range error (``1e400`` gives ``+Inf`` and ``ErrRange`` in Go). The accepted syntax,
checked against Go 1.19:

- decimal: ``[+-]digits[.digits][e[+-]digits]`` with ``.5`` and ``5.`` allowed;
- hexadecimal: ``0x`` mantissa with a **mandatory** ``p`` exponent (``0x1p4``; ``0x10`` fails);
- ``inf``, ``infinity`` (optionally signed) and ``nan`` (unsigned), case-insensitive;
- underscores only between digits, or between a base prefix and a digit (``1_000``,
  ``0x_1p4``, ``1e1_0``; not ``_1``, ``1_``, ``1__0``, ``1_e5``);
- no whitespace, no ``0b``/``0o`` prefixes. Underflow gives 0 without an error.
"""

from __future__ import annotations

import math
import re

from tagpilot.errors import TagpilotError

__all__ = ["NumError", "parse_float"]

_DEC = re.compile(r"[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?\Z")
_HEX = re.compile(
    r"([+-]?)0[xX]((?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)\Z"
)
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class NumError(TagpilotError):
    """Go's ``*strconv.NumError``: ``strconv.ParseFloat: parsing "<s>": <reason>``.

    Attributes
    ----------
    text
        The input string.
    reason
        ``invalid syntax`` or ``value out of range``.
    """

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f'strconv.ParseFloat: parsing "{text}": {reason}')
        self.text = text
        self.reason = reason


def _underscore_ok(s: str) -> bool:
    """Go ``strconv.underscoreOK``: underscores only between digits (or after a base prefix)."""
    saw = "^"
    if s[:1] in "+-":
        s = s[1:]
    i = 0
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1] in "bBoOxX":
        i, saw, hexa = 2, "0", s[1] in "xX"
    for c in s[i:]:
        if "0" <= c <= "9" or (hexa and c in "abcdefABCDEF"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def parse_float(s: str) -> float:
    """Parse ``s`` exactly as Go's ``strconv.ParseFloat(s, 64)``.

    Parameters
    ----------
    s
        The text, e.g. a tag.

    Returns
    -------
    float
        The correctly rounded value (``inf``/``nan`` for the special spellings).

    Raises
    ------
    NumError
        ``invalid syntax`` or ``value out of range`` (overflow to infinity).

    Examples
    --------
    >>> parse_float("1_000")
    1000.0
    >>> parse_float("0x10")
    Traceback (most recent call last):
    ...
    tagpilot.golang.strconv.NumError: strconv.ParseFloat: parsing "0x10": invalid syntax
    """
    # Fast path for the common all-digits tag: always valid, never out of range in practice.
    if s.isascii() and s.isdigit():
        value = float(s)
        if value != math.inf:
            return value
        raise NumError(s, "value out of range")
    lowered = s.lower()
    special = _SPECIAL.get(lowered)
    if special is None and lowered.lstrip("+-") == "infinity" and len(lowered) - 8 <= 1:
        special = -math.inf if lowered[0] == "-" else math.inf
    if special is not None:
        return special
    if "_" in s and not _underscore_ok(s):
        raise NumError(s, "invalid syntax")
    if _DEC.match(s) and any(c.isdigit() for c in s.split("e")[0].split("E")[0]):
        value = float(s.replace("_", ""))
    else:
        m = _HEX.match(s)
        if m is None or not any(c not in "._" for c in m.group(2)):
            raise NumError(s, "invalid syntax")
        mantissa = m.group(2).replace("_", "")
        try:
            value = float.fromhex(f"{m.group(1)}0x{mantissa}p{m.group(3).replace('_', '')}")
        except OverflowError:
            raise NumError(s, "value out of range") from None
    if math.isinf(value):
        raise NumError(s, "value out of range")
    return value
