"""Rewrite a literal (``|``) or folded (``>``) block scalar in place.

The header keeps its indicator, explicit indentation digit and trailing comment; chomping
follows the new value (``-`` without a final line break, clip with exactly one). Content
lines keep the original indentation. Where kyaml would switch to double quotes (a YAML 1.1
non-string value) or block style cannot hold the value exactly, the scalar becomes
double-quoted on the header line, keeping the header's comment.
"""

from __future__ import annotations

import re

from tagpilot.update.scalar_style import double_quoted, is_printable
from tagpilot.update.yaml11 import is_yaml11_non_string

_HEADER = re.compile(r"([|>])([-+1-9]*)([^\r\n]*)")


def _block_holds(value: str, folded: bool) -> bool:
    if not value:
        return False  # go-yaml: an empty value cannot be a block scalar, it becomes ""
    body = value[:-1] if value.endswith("\n") else value
    if body.endswith("\n") or body[:1] in (" ", "\t"):
        return False  # needs keep-chomping or an indentation indicator
    if folded and "\n" in body:
        return False  # folding would rejoin the lines
    return all(is_printable(ch) or ch == "\t" for ch in body)


def rewrite_block(text: str, start: int, end: int, value: str) -> tuple[int, str]:
    """Replacement for a block scalar token spanning ``text[start:end]``.

    Returns
    -------
    tuple[int, str]
        ``(replace_end, new_text)``: replace ``text[start:replace_end]`` with ``new_text``.
        Trailing blank lines of the original block are kept.
    """
    header = _HEADER.match(text, start)
    if header is None:  # pragma: no cover - ruamel only reports block styles at | or >
        raise ValueError("block scalar header not found")
    indicator, flags, rest = header.groups()
    comment = rest.rstrip(" \t")
    lines_start = header.end()
    lines = text[lines_start:end].split("\n")
    # The last content line is the last non-blank one; blank lines after it stay.
    content_end = header.end()
    indent: str | None = None
    pos = lines_start
    for i, line in enumerate(lines):
        if i > 0 and line.strip(" \t\r"):
            if indent is None:
                indent = line[: len(line) - len(line.lstrip(" "))]
            content_end = pos + len(line.rstrip("\r"))
        pos += len(line) + 1
    if indent is None:
        line_start = text.rfind("\n", 0, start) + 1
        indent = " " * (len(text[line_start:start]) - len(text[line_start:start].lstrip(" ")) + 2)
    if is_yaml11_non_string(value) or not _block_holds(value, indicator == ">"):
        return content_end, double_quoted(value) + comment
    newline = "\r\n" if text[lines_start : lines_start + 2] == "\r\n" else "\n"
    body = value[:-1] if value.endswith("\n") else value
    chomp = "" if value.endswith("\n") else "-"
    digit = "".join(ch for ch in flags if ch.isdigit())
    out = [indicator, digit, chomp, comment]
    for line in body.split("\n"):
        out.append(newline + (indent + line if line else ""))
    return content_end, "".join(out)
