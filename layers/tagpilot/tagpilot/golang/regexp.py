"""Go ``regexp`` for user-supplied patterns: RE2 (``google-re2``) with Go's errors and ``Expand``.

Flux compiles ``filterTags.pattern``, ``exclusionList`` and the Alert filters with Go's
``regexp.Compile``, whose matching time is linear in the input. tagpilot matches with RE2, the
engine Go's package was modelled on (same syntax, leftmost-first semantics, linear time), so
no pattern can make a match backtrack: ``^(a+)+$`` against ``"a" * 30 + "b"`` takes
microseconds. This module is the only place that compiles a user's pattern; later code calls
:func:`compile` or :func:`match_string`.

What RE2 does not give and this module adds:

- Go's error texts, and Go's refusals where RE2 is more permissive (``\\C``, a parse tree nested
  deeper than 1,000 levels), from :mod:`tagpilot.golang._re2_parser` (its tables and errors in
  :mod:`tagpilot.golang._re2_syntax`);
- ``Expand`` with Go's rules (``$1``, ``$name``, ``${name}``, ``$$``, the longest name wins, the
  first participating group of a duplicated name);
- ``FindAll`` skipping an empty match that abuts the previous match, as Go does.

A pattern whose compiled program exceeds RE2's memory budget (:data:`MAX_PROGRAM_BYTES`, e.g.
``\\pL{500}``) is refused with Go's ``expression too large`` text, where Go's own budget is
larger (documented in the README).

Offsets (``span``) are character offsets into the ``str``. The hot loops call RE2's native
``Match`` through the package's pybind11 binding: the ``re2`` module's Python wrapper builds a
generator and an offset map per call (four times slower on 100,000 tags).

Examples
--------
>>> rx = compile(r"^v?(?P<ver>[0-9]+\\.[0-9]+)$")
>>> m = rx.search("v1.2")
>>> rx.expand_string("$ver", "v1.2", m)
'1.2'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import re2
from re2 import _re2

from tagpilot.golang._re2_parser import Parser
from tagpilot.golang._re2_syntax import RegexpSyntaxError, RegexpUnsupportedError

__all__ = [
    "MAX_PROGRAM_BYTES",
    "GoRegexp",
    "Match",
    "RegexpSyntaxError",
    "RegexpUnsupportedError",
    "compile",
    "match_string",
]

#: RE2's memory budget per compiled pattern (its default): the program and its DFA cache.
MAX_PROGRAM_BYTES = 8 << 20
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_NO_SPAN = (-1, -1)


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MAX_PROGRAM_BYTES
    options.log_errors = False  # errors are raised, not written to stderr
    return options


_OPTIONS = _options()


def _utf8(s: str) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from JSON "\ud800"): Go would see U+FFFD there.
        fixed = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return fixed.encode("utf-8")


class Match:
    """One match: groups by number, as Go's ``FindStringSubmatchIndex`` gives them.

    Built from RE2's byte spans; a group that did not participate is ``None`` / ``(-1, -1)``.
    """

    __slots__ = ("_data", "_spans", "_text")

    def __init__(self, text: str, data: bytes, spans: Sequence[tuple[int, int]]) -> None:
        self._text = text
        self._data = data
        self._spans = spans

    def group(self, index: int = 0) -> str | None:
        """The text of group ``index`` (0: the whole match), None if it did not participate."""
        start, end = self._spans[index]
        if start < 0:
            return None
        return self._data[start:end].decode("utf-8")

    def text(self, index: int = 0) -> str:
        """Group ``index``, ``""`` if it did not participate (Go's ``FindStringSubmatch``)."""
        return self.group(index) or ""

    def span(self, index: int = 0) -> tuple[int, int]:
        """Character offsets of group ``index``, ``(-1, -1)`` if it did not participate."""
        start, end = self._spans[index]
        if start < 0 or len(self._data) == len(self._text):
            return start, end  # ASCII: byte offsets are character offsets
        prefix = len(self._data[:start].decode("utf-8"))
        return prefix, prefix + len(self._data[start:end].decode("utf-8"))

    def start(self, index: int = 0) -> int:
        """Character offset where group ``index`` starts."""
        return self.span(index)[0]

    def end(self, index: int = 0) -> int:
        """Character offset where group ``index`` ends."""
        return self.span(index)[1]


class GoRegexp:
    """A compiled Go regular expression.

    Parameters
    ----------
    pattern
        The Go source pattern, kept verbatim for messages.
    source
        The pattern given to RE2 (named groups made plain, see the parser).
    names
        Capture group names by group number (index 0 is the whole match, named ``""``).
    """

    __slots__ = ("_match", "_templates", "names", "pattern", "source")

    def __init__(self, pattern: str, source: str, names: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.source = source
        self.names = names
        compiled = _re2.RE2(_utf8(source), _OPTIONS)
        if not compiled.ok():
            error = compiled.error().decode("utf-8", "replace")
            if "too large" in error:
                # Go's text (Go's own budget is larger: documented in the README).
                message = f"error parsing regexp: expression too large: `{pattern}`"
                raise RegexpUnsupportedError(message)
            raise RegexpUnsupportedError(
                f"error parsing regexp: `{pattern}` is valid Go syntax but RE2 refused it: {error}"
            )
        self._match: Callable[[Any, bytes, int, int], list[tuple[int, int]]] = compiled.Match
        self._templates: dict[str, Callable[[Match], str]] = {}

    def search(self, s: str) -> Match | None:
        """Leftmost-first unanchored match, like Go's ``FindStringSubmatchIndex``."""
        data = _utf8(s)
        spans = self._match(_UNANCHORED, data, 0, len(data))
        if spans[0][0] < 0:
            return None
        return Match(s, data, spans)

    def match_string(self, s: str) -> bool:
        """Whether the pattern matches anywhere in ``s`` (Go ``MatchString``)."""
        data = _utf8(s)
        return bool(self._match(_UNANCHORED, data, 0, len(data))[0][0] >= 0)

    def find_all(self, s: str) -> list[Match]:
        """Successive non-overlapping matches, Go ``FindAllStringSubmatchIndex(s, -1)``.

        Like Go, an empty match that abuts the previous match is skipped, and the text before
        the search position still counts for ``^`` and ``\\b``.
        """
        data = _utf8(s)
        out: list[Match] = []
        pos, prev_end = 0, -1
        while pos <= len(data):
            spans = self._match(_UNANCHORED, data, pos, len(data))
            start, end = spans[0]
            if start < 0:
                break
            accept = True
            if end == pos:  # an empty match: step over one character
                accept = start != prev_end
                pos += _char_width(data, pos)
            else:
                pos = end
            prev_end = end
            if accept:
                out.append(Match(s, data, spans))
        return out

    def expand_string(self, template: str, s: str, match: Match) -> str:
        """Go ``Regexp.ExpandString``: expand ``$1``, ``$name``, ``${name}``, ``$$`` in template."""
        return self.template(template)(match)

    def template(self, template: str) -> Callable[[Match], str]:
        """Pre-parse ``template`` into a function of a match (the hot-path form of expand)."""
        cached = self._templates.get(template)
        if cached is None:
            cached = self._templates[template] = self._parse_template(template)
        return cached

    def _parse_template(self, template: str) -> Callable[[Match], str]:
        parts: list[str | int | tuple[int, ...]] = []
        rest = template
        while (dollar := rest.find("$")) >= 0:
            parts.append(rest[:dollar])
            rest = rest[dollar + 1 :]
            if rest.startswith("$"):
                parts.append("$")
                rest = rest[1:]
                continue
            parsed = _extract(rest)
            if parsed is None:
                parts.append("$")
                continue
            name, num, rest = parsed
            if num >= 0:
                parts.append(num)
            else:
                parts.append(tuple(i for i, n in enumerate(self.names) if n == name))
        parts.append(rest)
        parts = [p for p in parts if p != ""]
        if len(parts) == 1 and isinstance(parts[0], int) and parts[0] < len(self.names):
            # "$1" / "${ver}": the common extract templates, without the generic loop.
            group = parts[0]
            return lambda m: m.group(group) or ""
        if len(parts) == 1 and isinstance(parts[0], tuple) and len(parts[0]) == 1:
            group = parts[0][0]
            return lambda m: m.group(group) or ""
        return functools.partial(_expand, tuple(parts), len(self.names))


def _char_width(data: bytes, pos: int) -> int:
    """Bytes in the UTF-8 character at ``pos`` (1 at the end, as Go steps past the text)."""
    if pos >= len(data):
        return 1
    lead = data[pos]
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _expand(parts: tuple[str | int | tuple[int, ...], ...], groups: int, m: Match) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, int):
            if part < groups:
                out.append(m.group(part) or "")
        else:
            # Go takes the first group of that name that participated in the match.
            for idx in part:
                value = m.group(idx)
                if value is not None:
                    out.append(value)
                    break
    return "".join(out)


def _extract(s: str) -> tuple[str, int, str] | None:
    """Go ``regexp.extract``: the name after ``$``, its number (or -1) and the rest."""
    brace = s.startswith("{")
    body = s[1:] if brace else s
    i = 0
    # Go accepts Unicode letters and digits here (unicode.IsLetter / IsDigit).
    while i < len(body) and (body[i].isalpha() or body[i].isdecimal() or body[i] == "_"):
        i += 1
    if i == 0:
        return None
    name = body[:i]
    if brace:
        if i >= len(body) or body[i] != "}":
            return None
        i += 1
    num = -1
    if name.isascii() and name.isdigit() and not (name[0] == "0" and len(name) > 1):
        num = int(name) if len(name) <= 9 else -1
    return name, num, body[i:]


@functools.lru_cache(maxsize=256)
def compile(pattern: str) -> GoRegexp:  # noqa: A001 - mirrors Go's regexp.Compile
    """Compile a Go regular expression.

    Parameters
    ----------
    pattern
        RE2 syntax as accepted by Go's ``regexp.Compile``.

    Returns
    -------
    GoRegexp
        Cached per pattern (256 patterns per process).

    Raises
    ------
    RegexpSyntaxError
        With Go's message, e.g. ``error parsing regexp: invalid or unsupported Perl syntax: `(?!```.

    Examples
    --------
    >>> compile(r"^\\d+$").match_string("123")
    True
    """
    parser = Parser(pattern)
    source = parser.parse()
    return GoRegexp(pattern, source, tuple(parser.names))


def match_string(pattern: str, s: str) -> bool:
    """Go ``regexp.MatchString``: whether ``pattern`` matches anywhere in ``s``.

    The helper for every user-supplied filter (ImagePolicy, ImageRepository, Alert): linear
    time in ``len(s)`` whatever the pattern.

    Raises
    ------
    RegexpSyntaxError
        The pattern does not compile (Go's message).

    Examples
    --------
    >>> match_string(r"^(a+)+$", "a" * 30 + "b")
    False
    """
    return compile(pattern).match_string(s)
