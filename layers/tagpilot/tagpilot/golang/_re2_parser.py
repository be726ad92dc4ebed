"""The RE2 parser behind :mod:`tagpilot.golang.regexp` (private).

Walks a Go pattern once, with Go's ``regexp/syntax`` rules and error texts, and writes an
equivalent Python :mod:`re` pattern in which every construct is explicit (character classes as
code point ranges, flags applied per atom, named groups as plain groups).

The module is a little over 400 lines because it is one state machine (Go's parser loop);
splitting it would spread the shared cursor and flag stack across modules.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from tagpilot.errors import TagpilotError

_MAX_RUNE = 0x10FFFF
_MAX_REPEAT = 1000
_Ranges = list[tuple[int, int]]

_POSIX: dict[str, _Ranges] = {
    "alnum": [(48, 57), (65, 90), (97, 122)],
    "alpha": [(65, 90), (97, 122)],
    "ascii": [(0, 127)],
    "blank": [(9, 9), (32, 32)],
    "cntrl": [(0, 31), (127, 127)],
    "digit": [(48, 57)],
    "graph": [(33, 126)],
    "lower": [(97, 122)],
    "print": [(32, 126)],
    "punct": [(33, 47), (58, 64), (91, 96), (123, 126)],
    "space": [(9, 13), (32, 32)],
    "upper": [(65, 90)],
    "word": [(48, 57), (65, 90), (95, 95), (97, 122)],
    "xdigit": [(48, 57), (65, 70), (97, 102)],
}
_PERL = {"d": _POSIX["digit"], "s": [(9, 10), (12, 13), (32, 32)], "w": _POSIX["word"]}
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
_WORD = "[0-9A-Za-z_]"
_ASSERTIONS = {
    "A": r"\A",
    "z": r"\Z",
    "b": rf"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))",
    "B": rf"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))",
}


class RegexpSyntaxError(TagpilotError):
    """A pattern Go's ``regexp.Compile`` refuses; the message is Go's error text."""


class RegexpUnsupportedError(RegexpSyntaxError):
    """Valid RE2 that tagpilot cannot emulate with Python :mod:`re` (e.g. ``\\p{Greek}``)."""


def _err(code: str, expr: str) -> RegexpSyntaxError:
    return RegexpSyntaxError(f"error parsing regexp: {code}: `{expr}`")


@functools.lru_cache(maxsize=64)
def _category_ranges(name: str) -> tuple[tuple[int, int], ...]:
    # Built once per category from Python's Unicode database (close to Go's tables).
    out: _Ranges = []
    for cp in range(_MAX_RUNE + 1):
        if unicodedata.category(chr(cp)).startswith(name):
            if out and out[-1][1] == cp - 1:
                out[-1] = (out[-1][0], cp)
            else:
                out.append((cp, cp))
    return tuple(out)


# Go's unicode.Scripts names: valid RE2, but Python has no script tables to emulate them.
_SCRIPT_NAMES = (
    "Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak "
    "Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian "
    "Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot "
    "Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs "
    "Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi "
    "Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic "
    "Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana "
    "Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu "
    "Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen "
    "Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs "
    "Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa "
    "Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian "
    "Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage "
    "Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic "
    "Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng "
    "Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil "
    "Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho "
    "Warang_Citi Yezidi Yi Zanabazar_Square"
)
_SCRIPTS = frozenset(_SCRIPT_NAMES.split())
_CATEGORY_NAMES = (
    "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps "
    "S Sc Sk Sm So Z Zl Zp Zs"
)
_CATEGORIES = frozenset(_CATEGORY_NAMES.split())


def _negate(ranges: _Ranges) -> _Ranges:
    out: _Ranges = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return out


def _fold(ranges: _Ranges) -> _Ranges:
    out = list(ranges)
    for lo, hi in ranges:
        # Huge ranges already hold their case variants in practice; skip them for speed.
        if hi - lo > 0x3000:
            continue
        for cp in range(lo, hi + 1):
            for variant in (chr(cp).lower(), chr(cp).upper()):
                if len(variant) == 1:
                    out.append((ord(variant), ord(variant)))
    return out


def _class_pattern(ranges: _Ranges) -> str:
    if not ranges:
        return "(?!)"
    parts = []
    for lo, hi in sorted(ranges):
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "[" + "".join(parts) + "]"


class Parser:
    """Single pass over a Go pattern producing Python source and the group names."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.names: list[str] = [""]
        # One entry per open group: the flags in force inside it.
        self.flags: list[set[str]] = [set()]
        self.open_groups = 0
        # What the previous token was: "atom", "repeat" (text), "none" (start, '(' or '|').
        self.prev = "none"
        self.last_repeat = ""

    # -- helpers -----------------------------------------------------------------------------
    @property
    def cur(self) -> set[str]:
        return self.flags[-1]

    def emit_atom(self, text: str, foldable: bool = False) -> None:
        if foldable and "i" in self.cur:
            text = f"(?i:{text})"
        self.out.append(text)
        self.prev = "atom"
        self.last_repeat = ""

    def emit_assertion(self, text: str) -> None:
        # Wrapped so that a following repetition operator has an operand, as Go allows.
        self.out.append(f"(?:{text})")
        self.prev = "atom"
        self.last_repeat = ""

    # -- escapes -----------------------------------------------------------------------------
    def parse_escape_char(self) -> int:
        """Parse ``\\x`` at self.i (pointing at the backslash) as one character."""
        start = self.i
        p = self.p
        if self.i + 1 >= len(p):
            raise _err("trailing backslash at end of expression", "")
        c = p[self.i + 1]
        self.i += 2
        if c in "1234567" and (self.i >= len(p) or not "0" <= p[self.i] <= "7"):
            raise _err("invalid escape sequence", p[start : self.i])
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
        raise _err("invalid escape sequence", p[start : self.i])

    def _parse_hex(self, start: int) -> int:
        p = self.p
        if self.i < len(p) and p[self.i] == "{":
            end = p.find("}", self.i)
            digits = p[self.i + 1 : end] if end > 0 else ""
            if end < 0 or not digits or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise _err("invalid escape sequence", p[start : end if end > 0 else len(p)])
            value = int(digits, 16)
            if value > _MAX_RUNE:
                raise _err("invalid escape sequence", p[start:end])
            self.i = end + 1
            return value
        digits = p[self.i : self.i + 2]
        if len(digits) < 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise _err("invalid escape sequence", p[start : self.i + len(digits)])
        self.i += 2
        return int(digits, 16)

    def parse_class_escape(self) -> _Ranges | None:
        """Parse ``\\d``-like and ``\\p``-like escapes at self.i; None when not one."""
        p = self.p
        c = p[self.i + 1] if self.i + 1 < len(p) else "\\"
        if c.lower() in _PERL:
            self.i += 2
            ranges = list(_PERL[c.lower()])
            return _negate(ranges) if c.isupper() else ranges
        if c in "pP":
            return self._parse_unicode_class()
        return None

    def _parse_unicode_class(self) -> _Ranges:
        p = self.p
        start = self.i
        negate = p[self.i + 1] == "P"
        self.i += 2
        if self.i >= len(p):
            raise _err("invalid character class range", p[start:])
        if p[self.i] == "{":
            end = p.find("}", self.i)
            if end < 0:
                raise _err("invalid character class range", p[start:])
            name = p[self.i + 1 : end]
            self.i = end + 1
        else:
            name = p[self.i]
            self.i += 1
        text = p[start : self.i]
        if name.startswith("^"):
            negate, name = not negate, name[1:]
        if name == "Any":
            ranges: _Ranges = [(0, _MAX_RUNE)]
        elif name in _CATEGORIES:
            ranges = list(_category_ranges(name))
        elif name in _SCRIPTS:
            raise RegexpUnsupportedError(
                f"error parsing regexp: Unicode script class `{text}` is valid RE2 but not "
                "supported by tagpilot: use an explicit character class"
            )
        else:
            raise _err("invalid character class range", text)
        return _negate(ranges) if negate else ranges

    # -- character classes -------------------------------------------------------------------
    def parse_class(self) -> None:
        p = self.p
        start = self.i
        self.i += 1
        negate = self.i < len(p) and p[self.i] == "^"
        if negate:
            self.i += 1
        ranges: _Ranges = []
        first = True
        while self.i < len(p) and (p[self.i] != "]" or first):
            first = False
            if p.startswith("[:", self.i):
                end = p.find(":]", self.i + 2)
                if end >= 0:
                    name = p[self.i + 2 : end]
                    neg = name.startswith("^")
                    posix = _POSIX.get(name[1:] if neg else name)
                    if posix is None:
                        raise _err("invalid character class range", p[self.i : end + 2])
                    ranges += _negate(posix) if neg else posix
                    self.i = end + 2
                    continue
            if p[self.i] == "\\":
                sub = self.parse_class_escape()
                if sub is not None:
                    ranges += sub
                    continue
            range_start = self.i
            lo = self._class_char(start)
            hi = lo
            if p.startswith("-", self.i) and self.i + 1 < len(p) and p[self.i + 1] != "]":
                self.i += 1
                hi = self._class_char(start)
                if hi < lo:
                    raise _err("invalid character class range", p[range_start : self.i])
            ranges.append((lo, hi))
        if self.i >= len(p):
            raise _err("missing closing ]", p[start:])
        self.i += 1
        if negate:
            # Go folds case before negating: (?i)[^a] matches neither "a" nor "A".
            if "i" in self.cur:
                ranges = _fold(ranges)
            self.emit_atom(_class_pattern(_negate(ranges)))
        else:
            self.emit_atom(_class_pattern(ranges), foldable=True)

    def _class_char(self, class_start: int) -> int:
        p = self.p
        if self.i >= len(p):
            raise _err("missing closing ]", p[class_start:])
        if p[self.i] == "\\":
            return self.parse_escape_char()
        self.i += 1
        return ord(p[self.i - 1])

    # -- groups and flags --------------------------------------------------------------------
    def parse_group(self) -> None:
        p = self.p
        if p.startswith("(?P<", self.i) or p.startswith("(?<", self.i):
            if p.startswith("(?<=", self.i) or p.startswith("(?<!", self.i):
                raise _err("invalid or unsupported Perl syntax", "(?<")
            start = self.i
            self.i = p.index("<", self.i) + 1
            end = p.find(">", self.i)
            if end < 0:
                raise _err("invalid named capture", p[start:])
            name = p[self.i : end]
            if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
                raise _err("invalid named capture", p[start : end + 1])
            self.i = end + 1
            self._open("(", name)
            return
        if p.startswith("(?", self.i):
            self._parse_flags()
            return
        self.i += 1
        self._open("(", "")

    def _open(self, text: str, name: str | None, flags: set[str] | None = None) -> None:
        if name is not None:
            self.names.append(name)
        self.out.append(text)
        self.flags.append(set(self.cur if flags is None else flags))
        self.open_groups += 1
        self.prev = "none"
        self.last_repeat = ""

    def _parse_flags(self) -> None:
        p = self.p
        start = self.i
        self.i += 2
        flags = set(self.cur)
        sign, saw = 1, False
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c in "imsU":
                (flags.add if sign > 0 else flags.discard)(c)
                saw = True
            elif c == "-" and sign > 0:
                sign, saw = -1, False
            elif c in ":)" and not (sign < 0 and not saw):
                if c == ":":
                    self._open("(?:", None, flags)
                else:
                    self.cur.clear()
                    self.cur.update(flags)
                return
            else:
                break
        raise _err("invalid or unsupported Perl syntax", p[start : self.i])

    # -- repetition --------------------------------------------------------------------------
    def parse_repeat(self) -> bool:
        """Parse a repetition operator at self.i; False if ``{`` is a literal here."""
        p = self.p
        start = self.i
        c = p[self.i]
        if c == "{":
            m = re.match(r"\{([0-9]+)(,([0-9]*))?\}", p[self.i :])
            if m is None:
                return False
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else -1)
            if lo > _MAX_REPEAT or hi > _MAX_REPEAT or (hi >= 0 and hi < lo):
                raise _err("invalid repeat count", m.group(0))
            op = m.group(0) if hi != -1 else f"{{{lo},}}"
            self.i += m.end()
        else:
            op = c
            self.i += 1
        lazy = self.i < len(p) and p[self.i] == "?"
        if lazy:
            self.i += 1
        text = p[start : self.i]
        if self.prev == "repeat":
            raise _err("invalid nested repetition operator", self.last_repeat + text)
        if self.prev == "none":
            raise _err("missing argument to repetition operator", text)
        if lazy != ("U" in self.cur):
            op += "?"
        self.out.append(op)
        self.prev = "repeat"
        self.last_repeat = text
        return True

    # -- main loop ---------------------------------------------------------------------------
    def parse(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == "(":
                self.parse_group()
            elif c == ")":
                if self.open_groups == 0:
                    raise _err("unexpected )", p)
                self.i += 1
                self.open_groups -= 1
                self.flags.pop()
                self.out.append(")")
                self.prev, self.last_repeat = "atom", ""
            elif c == "|":
                self.i += 1
                self.out.append("|")
                self.prev, self.last_repeat = "none", ""
            elif c in "*+?":
                self.parse_repeat()
            elif c == "{":
                if not self.parse_repeat():
                    # Go: a "{" that does not start a valid repeat is a literal.
                    self.i += 1
                    self.emit_atom(r"\{")
            elif c == "[":
                self.parse_class()
            elif c == ".":
                self.i += 1
                ranges = [(0, _MAX_RUNE)] if "s" in self.cur else _negate([(10, 10)])
                self.emit_atom(_class_pattern(ranges))
            elif c == "^":
                self.i += 1
                self.emit_assertion("(?m:^)" if "m" in self.cur else r"\A")
            elif c == "$":
                self.i += 1
                self.emit_assertion("(?m:$)" if "m" in self.cur else r"\Z")
            elif c == "\\":
                self.parse_backslash()
            else:
                self.i += 1
                self.emit_atom(re.escape(c), foldable=True)
        if self.open_groups:
            raise _err("missing closing )", p)
        return "".join(self.out)

    def parse_backslash(self) -> None:
        p = self.p
        c = p[self.i + 1] if self.i + 1 < len(p) else "\\"
        if c == "Q":
            end = p.find(r"\E", self.i + 2)
            literal = p[self.i + 2 :] if end < 0 else p[self.i + 2 : end]
            self.i = len(p) if end < 0 else end + 2
            for ch in literal:
                self.emit_atom(re.escape(ch), foldable=True)
            return
        if c in _ASSERTIONS:
            self.i += 2
            self.emit_assertion(_ASSERTIONS[c])
            return
        ranges = self.parse_class_escape()
        if ranges is not None:
            self.emit_atom(_class_pattern(ranges), foldable=c in "pP")
            return
        self.emit_atom(re.escape(chr(self.parse_escape_char())), foldable=True)
