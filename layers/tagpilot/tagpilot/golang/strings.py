"""Go's simple Unicode case folding (``strings.EqualFold``, ``encoding/json`` ``foldName``)."""

from __future__ import annotations


def fold(text: str) -> str:
    """Fold like Go's ``foldName``: ASCII upper-cased, other runes ``ToUpper(ToLower(r))``.

    Go uses simple (one rune to one rune) case mappings; where Python's full mapping yields
    several characters the rune is kept, except U+0130 whose simple lower case is ``i``.

    Examples
    --------
    >>> fold("push_data") == fold("PUSH_DATA"), fold("\\u212a") == fold("k")
    (True, True)
    """
    out = []
    for char in text:
        if char < "\x80":
            out.append(char.upper())
            continue
        lower = "i" if char == "\u0130" else char.lower()
        lower = lower if len(lower) == 1 else char
        upper = lower.upper()
        out.append(upper if len(upper) == 1 else lower)
    return "".join(out)


def equal_fold(left: str, right: str) -> bool:
    """``strings.EqualFold``: equal under simple case folding (``ß`` is not ``ss``).

    Examples
    --------
    >>> equal_fold("Push Hook", "push hook"), equal_fold("straße", "STRASSE")
    (True, False)
    """
    return fold(left) == fold(right)
