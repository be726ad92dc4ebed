"""The Go syntax check behind :mod:`tagpilot.golang.regexp` (private).

Matching is done by RE2 (``google-re2``), whose syntax is Go's. This pass exists for what the
RE2 library does differently from Go's ``regexp/syntax``:

- the error texts: Go's exact messages (Flux puts them in status conditions);
- what Go refuses and RE2 accepts: ``\\C``, a tree nested deeper than 1,000 levels
  (``expression nests too deeply``);
- what Go accepts and RE2 refuses: duplicate group names (the names are dropped from the RE2
  source and kept here for ``Expand``);
- group names by number, for ``Expand``.

It walks the pattern once, without recursion (every step is linear in the pattern), and returns
the pattern for RE2: the source verbatim, named groups made plain, literal braces escaped.
The nesting height follows the shape of Go's parse tree (a capture, a repetition, a
concatenation or an alternation of several items each add one level).
"""

from __future__ import annotations

from tagpilot.golang._re2_syntax import (
    _ASSERTIONS,
    _HEX,
    _MAX_RUNE,
    _PERL_CLASSES,
    _POSIX,
    _REPEAT,
    _SIMPLE_ESCAPES,
    _UNICODE_CLASSES,
    MAX_HEIGHT,
    MAX_REPEAT,
    _Frame,
    _repeat_number,
    go_error,
)


class Parser:
    """One pass over a Go pattern: Go's errors, group names, the source for RE2."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.names: list[str] = [""]
        self.frames: list[_Frame] = [_Frame(capture=False)]
        # Is there an operand for a repetition (Go: a non-pseudo node on top of the stack)?
        self.operand = False
        # The repetition operator just before, if any (for "invalid nested repetition").
        self.last_repeat = ""
        # Edits for the RE2 source: (start, end, replacement).
        self.edits: list[tuple[int, int, str]] = []
        self._no_posix_end_from = len(pattern) + 1

    # -- nodes -------------------------------------------------------------------------------
    def atom(self, literal: bool = False, rune: bool = False) -> None:
        self.frames[-1].add((1, 1, 1), literal=literal, rune=rune)
        self.operand = True
        self.last_repeat = ""

    # -- escapes -----------------------------------------------------------------------------
    def parse_escape_char(self) -> int:
        """Parse ``\\x`` at self.i (pointing at the backslash) as one character."""
        start = self.i
        p = self.p
        if self.i + 1 >= len(p):
            raise go_error("trailing backslash at end of expression", "")
        c = p[self.i + 1]
        self.i += 2
        if c in "1234567" and (self.i >= len(p) or not "0" <= p[self.i] <= "7"):
            raise go_error("invalid escape sequence", p[start : self.i])
        if c in "01234567":
            value = int(c)
            for _ in range(2):
                if self.i < len(p) and "0" <= p[self.i] <= "7":
                    value = value * 8 + int(p[self.i])
                    self.i += 1
            return value
        if c == "x":
            return self._parse_hex(start)
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        if ord(c) < 128 and not c.isalnum():
            return ord(c)
        raise go_error("invalid escape sequence", p[start : self.i])

    def _parse_hex(self, start: int) -> int:
        # Go's parseEscape: the error text ends at the character that broke the escape.
        p = self.p
        if self.i < len(p) and p[self.i] == "{":
            self.i += 1
            value, digits = 0, 0
            while True:
                if self.i >= len(p):
                    raise go_error("invalid escape sequence", p[start:])
                c = p[self.i]
                self.i += 1
                if c == "}":
                    break
                if c not in _HEX:
                    raise go_error("invalid escape sequence", p[start : self.i])
                value = value * 16 + int(c, 16)
                if value > _MAX_RUNE:
                    raise go_error("invalid escape sequence", p[start : self.i])
                digits += 1
            if not digits:
                raise go_error("invalid escape sequence", p[start : self.i])
            return value
        digits_text = p[self.i : self.i + 2]
        self.i += len(digits_text)
        if len(digits_text) < 2 or not all(c in _HEX for c in digits_text):
            raise go_error("invalid escape sequence", p[start : self.i])
        return int(digits_text, 16)

    def parse_class_escape(self) -> bool:
        """Parse a ``\\d``-like or ``\\p``-like escape at self.i; False when not one."""
        p = self.p
        c = p[self.i + 1] if self.i + 1 < len(p) else "\\"
        if c in _PERL_CLASSES:
            self.i += 2
            return True
        if c in "pP":
            self._parse_unicode_class()
            return True
        return False

    def _parse_unicode_class(self) -> None:
        p = self.p
        start = self.i
        self.i += 2
        if self.i >= len(p):
            raise go_error("invalid character class range", p[start:])
        if p[self.i] == "{":
            end = p.find("}", self.i)
            if end < 0:
                raise go_error("invalid character class range", p[start:])
            name = p[self.i + 1 : end]
            self.i = end + 1
        else:
            name = p[self.i]
            self.i += 1
        if name.removeprefix("^") not in _UNICODE_CLASSES:
            raise go_error("invalid character class range", p[start : self.i])

    # -- character classes -------------------------------------------------------------------
    def parse_class(self) -> None:
        p = self.p
        start = self.i
        self.i += 1
        if self.i < len(p) and p[self.i] == "^":
            self.i += 1
        first = True
        while self.i < len(p) and (p[self.i] != "]" or first):
            first = False
            if p.startswith("[:", self.i) and self._posix_class():
                continue
            if p[self.i] == "\\" and self.parse_class_escape():
                continue
            range_start = self.i
            lo = self._class_char(start)
            if p.startswith("-", self.i) and self.i + 1 < len(p) and p[self.i + 1] != "]":
                self.i += 1
                if self._class_char(start) < lo:
                    raise go_error("invalid character class range", p[range_start : self.i])
        if self.i >= len(p):
            raise go_error("missing closing ]", p[start:])
        self.i += 1
        self.atom(rune=True)

    def _posix_class(self) -> bool:
        p = self.p
        # Once no ":]" follows a position, none follows any later one (keeps this linear).
        end = -1 if self.i + 2 >= self._no_posix_end_from else p.find(":]", self.i + 2)
        if end < 0:
            self._no_posix_end_from = min(self._no_posix_end_from, self.i + 2)
            return False
        if p[self.i + 2 : end].removeprefix("^") not in _POSIX:
            raise go_error("invalid character class range", p[self.i : end + 2])
        self.i = end + 2
        return True

    def _class_char(self, class_start: int) -> int:
        p = self.p
        if self.i >= len(p):
            raise go_error("missing closing ]", p[class_start:])
        if p[self.i] == "\\":
            return self.parse_escape_char()
        self.i += 1
        return ord(p[self.i - 1])

    # -- groups and flags --------------------------------------------------------------------
    def parse_group(self) -> None:
        p = self.p
        if p.startswith("(?P<", self.i) or p.startswith("(?<", self.i):
            if p.startswith("(?<=", self.i) or p.startswith("(?<!", self.i):
                raise go_error("invalid or unsupported Perl syntax", "(?<")
            start = self.i
            self.i = p.index("<", self.i) + 1
            end = p.find(">", self.i)
            if end < 0:
                raise go_error("invalid named capture", p[start:])
            name = p[self.i : end]
            if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
                raise go_error("invalid named capture", p[start : end + 1])
            self.i = end + 1
            # Go allows a name twice, RE2 does not: RE2 gets a plain group, Expand the names.
            self.edits.append((start, self.i, "("))
            self._open(name)
            return
        if p.startswith("(?", self.i):
            self._parse_flags()
            return
        self.i += 1
        self._open("")

    def _open(self, name: str | None) -> None:
        if name is not None:
            self.names.append(name)
        self.frames.append(_Frame(capture=name is not None))
        self.operand = False
        self.last_repeat = ""

    def _close(self) -> None:
        frame = self.frames.pop()
        item = frame.as_item()
        if item[0] > MAX_HEIGHT:
            raise go_error("expression nests too deeply", self.p)
        rune = not frame.capture and (frame.char_class() or frame._rune_branch())
        self.frames[-1].add(item, frame.need, rune=rune)
        self.operand = True
        self.last_repeat = ""

    def _parse_flags(self) -> None:
        p = self.p
        start = self.i
        self.i += 2
        sign, saw = 1, False
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c in "imsU":
                saw = True
            elif c == "-" and sign > 0:
                sign, saw = -1, False
            elif c in ":)" and not (sign < 0 and not saw):
                if c == ":":
                    self._open(None)
                else:
                    self.last_repeat = ""  # "(?i)" is no node: the operand stays the same
                return
            else:
                break
        raise go_error("invalid or unsupported Perl syntax", p[start : self.i])

    # -- repetition --------------------------------------------------------------------------
    def parse_repeat(self) -> bool:
        """Parse a repetition operator at self.i; False if ``{`` is a literal here."""
        p = self.p
        start = self.i
        lo, hi = -2, -2  # not a counted repetition
        if p[self.i] == "{":
            m = _REPEAT.match(p, self.i)
            if m is None:
                return False
            lo = _repeat_number(m.group(1))
            hi = lo if m.group(2) is None else _repeat_number(m.group(3)) if m.group(3) else -1
            if m.group(3) and hi < 0:
                lo = -1  # Go: a too big maximum makes the count invalid
            if lo < 0 or lo > MAX_REPEAT or hi > MAX_REPEAT or (hi >= 0 and lo > hi):
                raise go_error("invalid repeat count", m.group(0))
            self.i = m.end()
        else:
            self.i += 1
        if self.i < len(p) and p[self.i] == "?":
            self.i += 1
        text = p[start : self.i]
        if self.last_repeat:
            raise go_error("invalid nested repetition operator", self.last_repeat + text)
        if not self.operand:
            raise go_error("missing argument to repetition operator", text)
        frame = self.frames[-1]
        need = frame.last_need
        if lo != -2:
            count = lo if hi == -1 else hi
            if hi == 0:
                need = 0
            elif count > 0:
                need = max(count, count * need)
        if frame.repeated(need) > MAX_HEIGHT:
            raise go_error("expression nests too deeply", p)
        if lo != -2 and (lo >= 2 or hi >= 2) and need > MAX_REPEAT:
            raise go_error("invalid repeat count", text)
        self.last_repeat = text
        return True

    # -- main loop ---------------------------------------------------------------------------
    def parse(self) -> str:
        """Check the whole pattern; return the source to give RE2."""
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == "(":
                self.parse_group()
            elif c == ")":
                if len(self.frames) == 1:
                    raise go_error("unexpected )", p)
                self.i += 1
                self._close()
            elif c == "|":
                self.i += 1
                self.frames[-1].alternative()
                self.operand, self.last_repeat = False, ""
            elif c in "*+?":
                self.parse_repeat()
            elif c == "{":
                if not self.parse_repeat():
                    # Go: a "{" that does not start a valid repeat is a literal.
                    self.edits.append((self.i, self.i + 1, r"\{"))
                    self.i += 1
                    self.atom(literal=True)
            elif c == "[":
                self.parse_class()
            elif c == "\\":
                self.parse_backslash()
            else:
                if "\ud800" <= c <= "\udfff":
                    rest = p[self.i :].encode("utf-8", "backslashreplace").decode()
                    raise go_error("invalid UTF-8", rest)
                self.i += 1
                self.atom(literal=c not in ".^$", rune=c == ".")
        if len(self.frames) > 1:
            raise go_error("missing closing )", p)
        if self.frames[0].height() > MAX_HEIGHT:
            raise go_error("expression nests too deeply", p)
        return self._source()

    def _source(self) -> str:
        if not self.edits:
            return self.p
        out: list[str] = []
        pos = 0
        for start, end, text in self.edits:
            out.append(self.p[pos:start])
            out.append(text)
            pos = end
        out.append(self.p[pos:])
        return "".join(out)

    def parse_backslash(self) -> None:
        p = self.p
        c = p[self.i + 1] if self.i + 1 < len(p) else "\\"
        if c == "Q":
            end = p.find(r"\E", self.i + 2)
            literal = p[self.i + 2 :] if end < 0 else p[self.i + 2 : end]
            self.i = len(p) if end < 0 else end + 2
            for _ in literal:
                self.atom(literal=True)
            self.last_repeat = ""
            return
        if c in _ASSERTIONS:
            self.i += 2
            self.atom()
            return
        if self.parse_class_escape():
            self.atom(rune=True)
            return
        self.parse_escape_char()
        self.atom(literal=True)
