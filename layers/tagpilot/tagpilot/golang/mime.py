"""Go's ``mime.ParseMediaType`` and ``url.ParseQuery`` as go-github's ``ValidatePayload`` uses them.

Both raise :class:`ValueError` exactly when Go returns an error; the caller turns that into a
400. Only what changes the outcome is emulated (RFC 2231 continuations are treated as plain
parameters).
"""

from __future__ import annotations

_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
# Go's unicode.IsSpace (Python's str.strip() also strips \x1c-\x1f, which Go keeps).
_UNICODE_SPACE = (
    " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _is_token_char(char: str) -> bool:
    return " " < char < "\x7f" and char not in _TSPECIALS


def _consume_token(text: str) -> tuple[str, str]:
    end = 0
    while end < len(text) and _is_token_char(text[end]):
        end += 1
    return text[:end], text[end:]


def _consume_value(text: str) -> tuple[str, str]:
    if not text.startswith('"'):
        return _consume_token(text)
    # Quoted string. Like Go, a backslash escapes only a tspecial (MSIE file paths); a CR or LF
    # or a missing closing quote makes the value invalid.
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), text[index + 1 :]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _TSPECIALS:
            out.append(text[index + 1])
            index += 2
            continue
        if char == "\r" or char == "\n":
            break
        out.append(char)
        index += 1
    return "", text


def _consume_param(text: str) -> tuple[str, str, str]:
    rest = text.lstrip(_UNICODE_SPACE)
    if not rest.startswith(";"):
        return "", "", text
    param, rest = _consume_token(rest[1:].lstrip(_UNICODE_SPACE))
    if not param:
        return "", "", text
    rest = rest.lstrip(_UNICODE_SPACE)
    if not rest.startswith("="):
        return "", "", text
    rest = rest[1:].lstrip(_UNICODE_SPACE)
    value, rest2 = _consume_value(rest)
    if not value and rest2 == rest:
        return "", "", text
    return param.lower(), value, rest2


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Return ``(media type lower-cased, parameters)``; raise ``ValueError`` like Go.

    Examples
    --------
    >>> parse_media_type("Application/JSON; charset=utf-8")
    ('application/json', {'charset': 'utf-8'})
    """
    base = value.split(";", 1)[0]
    media_type = base.lower().strip(_UNICODE_SPACE)
    kind, rest = _consume_token(media_type)
    if not kind:
        raise ValueError("mime: no media type")
    if rest:
        if not rest.startswith("/"):
            raise ValueError("mime: expected slash after first token")
        subtype, rest = _consume_token(rest[1:])
        if not subtype:
            raise ValueError("mime: expected token after slash")
        if rest:
            raise ValueError("mime: unexpected content after media subtype")
    params: dict[str, str] = {}
    remaining = value[len(base) :]
    while remaining:
        remaining = remaining.lstrip(_UNICODE_SPACE)
        if not remaining:
            break
        key, param_value, rest = _consume_param(remaining)
        if not key:
            if rest.strip(_UNICODE_SPACE) == ";":
                break  # a trailing semicolon is not an error
            raise ValueError("mime: invalid media parameter")
        if key in params:
            raise ValueError("mime: duplicate parameter name")
        params[key] = param_value
        remaining = rest
    return media_type, params


def parse_query(query: bytes) -> dict[bytes, list[bytes]]:
    """Parse a form body like Go's ``url.ParseQuery``; raise ``ValueError`` on its first error.

    Go keeps parsing after an error but still returns it, and go-github then fails, so any
    malformed pair fails the whole form.

    Examples
    --------
    >>> parse_query(b"payload=%7B%7D&a=b+c")
    {b'payload': [b'{}'], b'a': [b'b c']}
    """
    values: dict[bytes, list[bytes]] = {}
    error: ValueError | None = None
    for pair in query.split(b"&"):
        if b";" in pair:
            error = error or ValueError("invalid semicolon separator in query")
            continue
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        try:
            values.setdefault(_unescape(key), []).append(_unescape(value))
        except ValueError as exc:
            error = error or exc
    if error is not None:
        raise error
    return values


_HEX = frozenset(b"0123456789abcdefABCDEF")


def _unescape(text: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(text):
        byte = text[index]
        if byte == ord("%"):
            if index + 2 >= len(text) or text[index + 1] not in _HEX or text[index + 2] not in _HEX:
                raise ValueError("invalid URL escape")
            out.append(int(text[index + 1 : index + 3], 16))
            index += 3
            continue
        out.append(ord(" ") if byte == ord("+") else byte)
        index += 1
    return bytes(out)
