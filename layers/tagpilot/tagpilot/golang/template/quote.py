"""Go string literal quoting and unquoting (``strconv.Quote``/``Unquote``/``UnquoteChar``)."""

from __future__ import annotations

_SIMPLE_ESCAPES = {
    "a": 0x07,
    "b": 0x08,
    "f": 0x0C,
    "n": 0x0A,
    "r": 0x0D,
    "t": 0x09,
    "v": 0x0B,
    "\\": 0x5C,
}
_QUOTE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
}


class QuoteSyntaxError(ValueError):
    """Go's ``strconv.ErrSyntax``: the literal is malformed."""

    def __init__(self) -> None:
        super().__init__("invalid syntax")


def go_quote(s: str, quote: str = '"') -> str:
    """Quote ``s`` like Go's ``strconv.Quote`` (or ``QuoteRune`` when ``quote`` is ``'``)."""
    out = [quote]
    for c in s:
        if c == quote:
            out.append("\\" + c)
        elif c in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[c])
        elif c == " " or (c.isprintable() and c not in "\u2028\u2029"):
            out.append(c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        elif 0xD800 <= ord(c) <= 0xDFFF:
            out.append("\\ufffd")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append(quote)
    return "".join(out)


def _unquote_escape(s: str, i: int, quote: str) -> tuple[bytes, int]:
    """Decode the escape sequence starting after the backslash at ``s[i]``."""
    if i >= len(s):
        raise QuoteSyntaxError
    c = s[i]
    if c in _SIMPLE_ESCAPES:
        return bytes([_SIMPLE_ESCAPES[c]]), i + 1
    if c == quote and quote in "'\"":
        return c.encode(), i + 1
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        digits = s[i + 1 : i + 1 + n]
        if len(digits) != n or any(d not in "0123456789abcdefABCDEF" for d in digits):
            raise QuoteSyntaxError
        v = int(digits, 16)
        if c == "x":
            return bytes([v]), i + 1 + n
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            raise QuoteSyntaxError
        return chr(v).encode(), i + 1 + n
    if c in "01234567":
        digits = s[i : i + 3]
        if len(digits) != 3 or any(d not in "01234567" for d in digits):
            raise QuoteSyntaxError
        v = int(digits, 8)
        if v > 255:
            raise QuoteSyntaxError
        return bytes([v]), i + 3
    raise QuoteSyntaxError


def unquote(lit: str) -> str:
    """Interpret a Go string literal (``"..."`` or a raw ```...```) like ``strconv.Unquote``."""
    if len(lit) < 2 or lit[0] != lit[-1] or lit[0] not in '"`':
        raise QuoteSyntaxError
    body = lit[1:-1]
    if lit[0] == "`":
        if "`" in body:
            raise QuoteSyntaxError
        # Go discards carriage returns inside raw strings.
        return body.replace("\r", "")
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == '"' or c == "\n":
            raise QuoteSyntaxError
        if c == "\\":
            b, i = _unquote_escape(body, i + 1, '"')
            out += b
            continue
        out += c.encode()
        i += 1
    return out.decode("utf-8", errors="replace")


class MalformedCharError(QuoteSyntaxError):
    """A character literal holds more than one character."""


def unquote_char(lit: str) -> int:
    """Value of a Go character literal such as ``'a'`` or ``'\\n'``."""
    body = lit[1:]
    if not body or body[0] == "'" or body[0] == "\n":
        raise QuoteSyntaxError
    if body[0] == "\\":
        b, end = _unquote_escape(body, 1, "'")
        value = b[0] if len(b) == 1 else ord(b.decode())
    else:
        value, end = ord(body[0]), 1
    if body[end:] != "'":
        raise MalformedCharError
    return value
