"""How the CLI talks, as the flux CLI does: progress on stderr, results on stdout.

Progress lines start with flux's symbols (``►`` action, ``✚`` generating, ``◎`` waiting, ``✔``
success, ``⚠️`` warning, ``✗`` failure) and go to stderr; tables, YAML and other results go to
stdout. Colour is used only when the stream is a terminal and ``NO_COLOR`` is unset
(https://no-color.org); flux itself prints no colour, so without a TTY the bytes are flux's.
Standard library only: every command imports this module.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import TextIO

ACTION, GENERATE, WAITING, SUCCESS, WARNING, FAILURE = "►", "✚", "◎", "✔", "⚠️", "✗"
_COLOURS = {
    ACTION: "36",
    GENERATE: "36",
    WAITING: "33",
    SUCCESS: "32",
    WARNING: "33",
    FAILURE: "31",
}


def use_colour(stream: TextIO) -> bool:
    """``True`` only for a terminal, and never when ``NO_COLOR`` is set (to any value)."""
    if "NO_COLOR" in os.environ:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def line(symbol: str, text: str, stream: TextIO | None = None) -> None:
    """Print ``<symbol> <text>`` on stderr (or ``stream``), coloured on a terminal."""
    out = stream if stream is not None else sys.stderr
    head = symbol
    if use_colour(out):
        head = f"\033[{_COLOURS.get(symbol, '0')}m{symbol}\033[0m"
    print(f"{head} {text}", file=out, flush=True)


def action(text: str) -> None:
    line(ACTION, text)


def generate(text: str) -> None:
    line(GENERATE, text)


def waiting(text: str) -> None:
    line(WAITING, text)


def success(text: str) -> None:
    line(SUCCESS, text)


def warning(text: str) -> None:
    line(WARNING, text)


def failure(text: str) -> None:
    line(FAILURE, text)


def result(text: str) -> None:
    """A result line on stdout."""
    print(text, flush=True)


def display_width(text: str) -> int:
    """Terminal cells: wide (East Asian) characters count two, as in flux's tablewriter."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, header: bool = True
) -> str:
    """A table byte for byte as ``flux get`` prints it (tablewriter v0.0.5 as flux configures it).

    Cells are left-aligned and padded to the widest cell of their column; every cell is followed
    by a TAB, except the last header, which is followed by one space. A cell holding newlines
    spans several lines, the other cells blank on the extra lines.
    """
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            for part in cell.split("\n"):
                widths[i] = max(widths[i], display_width(part))
    out: list[str] = []
    if header:
        cells = [_pad(h.upper().replace("_", " "), w) for h, w in zip(headers, widths, strict=True)]
        out.append("\t".join(cells) + " \n")
    for row in rows:
        parts = [cell.split("\n") for cell in row]
        for n in range(max(len(p) for p in parts) if parts else 0):
            cells = [
                _pad(p[n] if n < len(p) else "", w) for p, w in zip(parts, widths, strict=True)
            ]
            out.append("".join(c + "\t" for c in cells) + "\n")
    return "".join(out)
