"""Go ``regexp`` (RE2 syntax) on top of Python :mod:`re`.

Flux compiles ``filterTags.pattern`` and the exclusion list with Go's ``regexp.Compile``. This
module parses the pattern with Go's rules, refuses what RE2 refuses with Go's error text, and
emits an equivalent Python pattern in which every construct is spelled out explicitly:

- ``\\d``, ``\\w``, ``\\s``, ``\\b`` are ASCII (``\\s`` has no ``\\v``, as in Go);
- ``$`` is the end of the text unless ``(?m)``; ``\\z`` is the end of the text; ``\\Z`` is refused;
- flags ``i m s U`` are applied per atom, so ``(?i)`` in the middle of a group, and the
  non-greedy swap of ``(?U)``, behave as in Go;
- named groups become plain groups; names are kept here for :meth:`GoRegexp.expand_string`
  (Go allows duplicate names, Python does not);
- ``\\p{..}`` supports Unicode general categories; scripts such as ``\\p{Greek}`` are refused
  with :class:`RegexpUnsupportedError` (Python's :mod:`re` has no script tables).

Matching is leftmost-first, as Go's (non-POSIX) ``regexp``. The parser lives in
:mod:`tagpilot.golang._re2_parser`.

Examples
--------
>>> rx = compile(r"^v?(?P<ver>[0-9]+\\.[0-9]+)$")
>>> m = rx.search("v1.2")
>>> rx.expand_string("$ver", "v1.2", m)
'1.2'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from tagpilot.golang._re2_parser import Parser, RegexpSyntaxError, RegexpUnsupportedError

__all__ = ["GoRegexp", "RegexpSyntaxError", "RegexpUnsupportedError", "compile"]


class GoRegexp:
    """A compiled Go regular expression.

    Parameters
    ----------
    pattern
        The Go (RE2) source pattern, kept verbatim for messages.
    python
        The translated Python pattern.
    names
        Capture group names by group number (index 0 is the whole match, named ``""``).
    """

    __slots__ = ("_re", "_templates", "names", "pattern", "python")

    def __init__(self, pattern: str, python: str, names: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.python = python
        self.names = names
        self._re = re.compile(python)
        self._templates: dict[str, Callable[[re.Match[str]], str]] = {}

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled Python pattern, for hot loops (``rx.regex.search`` saves a call)."""
        return self._re

    def search(self, s: str) -> re.Match[str] | None:
        """Leftmost-first unanchored match, like Go's ``FindStringSubmatchIndex``."""
        return self._re.search(s)

    def find_all(self, s: str) -> list[re.Match[str]]:
        """Successive non-overlapping matches, Go ``FindAll...(s, -1)``.

        Go ignores an empty match that abuts the preceding match; Python keeps it.
        """
        out: list[re.Match[str]] = []
        prev_end = -1
        for m in self._re.finditer(s):
            if m.start() == m.end() == prev_end:
                continue
            out.append(m)
            prev_end = m.end()
        return out

    def match_string(self, s: str) -> bool:
        """Whether the pattern matches anywhere in ``s`` (Go ``MatchString``)."""
        return self._re.search(s) is not None

    def expand_string(self, template: str, s: str, match: re.Match[str]) -> str:
        """Go ``Regexp.ExpandString``: expand ``$1``, ``$name``, ``${name}``, ``$$`` in template."""
        return self.template(template)(match)

    def template(self, template: str) -> Callable[[re.Match[str]], str]:
        """Pre-parse ``template`` into a function of a match (the hot-path form of expand)."""
        cached = self._templates.get(template)
        if cached is None:
            cached = self._templates[template] = self._parse_template(template)
        return cached

    def _parse_template(self, template: str) -> Callable[[re.Match[str]], str]:
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
        return functools.partial(_expand, tuple(p for p in parts if p != ""), len(self.names))


def _expand(parts: tuple[str | int | tuple[int, ...], ...], groups: int, m: re.Match[str]) -> str:
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


@functools.lru_cache(maxsize=512)
def compile(pattern: str) -> GoRegexp:  # noqa: A001 - mirrors Go's regexp.Compile
    """Compile a Go regular expression.

    Parameters
    ----------
    pattern
        RE2 syntax as accepted by Go's ``regexp.Compile``.

    Returns
    -------
    GoRegexp
        Cached per pattern.

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
    python = parser.parse()
    return GoRegexp(pattern, python, tuple(parser.names))
