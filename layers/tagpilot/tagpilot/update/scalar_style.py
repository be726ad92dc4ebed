"""Render a new scalar value in the style go-yaml/kyaml would give it.

Rules (kyaml ``FormatNonStringStyle`` and go-yaml v3's emitter):

- double- and single-quoted scalars keep their quotes (single quotes fall back to double
  quotes for values single quotes cannot hold: line breaks, non-printable characters);
- a plain scalar whose new value is a YAML 1.1 non-string, or empty, becomes double-quoted;
  a value that cannot be written plain in its context (``: ``, `` #``, a leading indicator, …)
  becomes single-quoted, like go-yaml's emitter;
- block scalars are handled by :mod:`tagpilot.update.block_scalar`.
"""

from __future__ import annotations

from tagpilot.update.yaml11 import is_yaml11_non_string

_ESCAPES = {
    0x00: "\\0",
    0x07: "\\a",
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x1B: "\\e",
    0x22: '\\"',
    0x5C: "\\\\",
    0x85: "\\N",
    0x2028: "\\L",
    0x2029: "\\P",
}
_BREAKS = frozenset("\r\n\x85\u2028\u2029")
_BLANKZ = frozenset(" \t\r\n\x85\u2028\u2029")


def is_printable(ch: str) -> bool:
    """go-yaml ``is_printable`` (note: characters beyond the BMP are *not* printable)."""
    c = ord(ch)
    return (
        c == 0x0A
        or 0x20 <= c <= 0x7E
        or 0xA0 <= c <= 0xD7FF
        or (0xE000 <= c <= 0xFFFD and c != 0xFEFF)
    )


def double_quoted(value: str) -> str:
    """go-yaml ``yaml_emitter_write_double_quoted`` (no line folding: values are short)."""
    out = ['"']
    for ch in value:
        c = ord(ch)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif not is_printable(ch) or ch in _BREAKS:
            width = 2 if c <= 0xFF else 4 if c <= 0xFFFF else 8
            prefix = {2: "\\x", 4: "\\u", 8: "\\U"}[width]
            out.append(f"{prefix}{c:0{width}X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def single_quote_allowed(value: str) -> bool:
    """Single quotes can hold ``value`` on one line (no breaks, all printable)."""
    return all(is_printable(ch) and ch not in _BREAKS for ch in value)


def single_quoted(value: str) -> str:
    """``'...'`` with ``'`` doubled."""
    return "'" + value.replace("'", "''") + "'"


def plain_allowed(value: str, flow: bool) -> bool:
    """go-yaml ``yaml_emitter_analyze_scalar``: may ``value`` be written as a plain scalar?"""
    if not value or value[0] in " \t" or value[-1] in " \t":
        return False
    if value.startswith(("---", "...")):
        return False
    flow_indicators = block_indicators = False
    preceded_by_ws = True
    last = len(value) - 1
    for i, ch in enumerate(value):
        if not is_printable(ch) or ch in _BREAKS:
            return False
        followed_by_ws = i == last or value[i + 1] in _BLANKZ
        if i == 0 and ch in "#,[]{}&*!|>'\"%@`":
            flow_indicators = block_indicators = True
        elif ch in "?:" if i == 0 else ch == ":":
            flow_indicators = True
            block_indicators = block_indicators or followed_by_ws
        elif i == 0 and ch == "-" and followed_by_ws:
            flow_indicators = block_indicators = True
        elif i > 0 and ch in ",?[]{}":
            flow_indicators = True
        elif i > 0 and ch == "#" and preceded_by_ws:
            flow_indicators = block_indicators = True
        preceded_by_ws = ch in _BLANKZ
    return not (flow_indicators if flow else block_indicators)


def render_flow_scalar(value: str, style: str | None, flow: bool) -> str:
    """The source text replacing a plain (``None``), ``'`` or ``"`` scalar.

    Examples
    --------
    >>> render_flow_scalar("1.10", None, False), render_flow_scalar("it's", "'", False)
    ('"1.10"', "'it''s'")
    """
    if style == '"':
        return double_quoted(value)
    if style == "'":
        return single_quoted(value) if single_quote_allowed(value) else double_quoted(value)
    if value == "" or is_yaml11_non_string(value):
        return double_quoted(value)
    if plain_allowed(value, flow):
        return value
    return single_quoted(value) if single_quote_allowed(value) else double_quoted(value)
