"""Tokeniser for Go ``text/template`` source (behaviour of Go's ``text/template/parse/lex.go``).

Only the default ``{{``/``}}`` delimiters are supported. Positions are character offsets into the
source; the executor converts them to Go's byte columns when it reports an error.
"""

from __future__ import annotations

from tagpilot.golang.template.quote import go_quote
from tagpilot.golang.template.tokens import KEYWORDS, Item, T

LEFT_DELIM = "{{"
RIGHT_DELIM = "}}"
LEFT_COMMENT = "/*"
RIGHT_COMMENT = "*/"
SPACE_CHARS = " \t\r\n"
TERMINATORS = frozenset(" \t\r\n.,|:)(")


def _is_space(c: str) -> bool:
    return c in SPACE_CHARS and c != ""


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdecimal()


def _has_left_trim(s: str, i: int) -> bool:
    return len(s) >= i + 2 and s[i] == "-" and _is_space(s[i + 1])


def _has_right_trim(s: str, i: int) -> bool:
    return len(s) >= i + 2 and _is_space(s[i]) and s[i + 1] == "-"


class _LexError(Exception):
    pass


class Lexer:
    """Turns template text into a list of :class:`Item` (ends with EOF or ERROR)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.paren_depth = 0
        self.items: list[Item] = []

    # -- low-level helpers -------------------------------------------------------------------
    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _next(self) -> str:
        c = self._peek()
        if c:
            self.pos += 1
            if c == "\n":
                self.line += 1
        return c

    def _backup(self, c: str) -> None:
        if c:
            self.pos -= 1
            if c == "\n":
                self.line -= 1

    def _emit(self, typ: T) -> None:
        self.items.append(Item(typ, self.start, self.text[self.start : self.pos], self.start_line))
        self.start = self.pos
        self.start_line = self.line

    def _ignore(self) -> None:
        self.line += self.text.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def _error(self, msg: str) -> _LexError:
        self.items.append(Item(T.ERROR, self.start, msg, self.start_line))
        return _LexError(msg)

    def _accept(self, valid: str) -> bool:
        c = self._next()
        if c and c in valid:
            return True
        self._backup(c)
        return False

    def _accept_run(self, valid: str) -> None:
        while self._accept(valid):
            pass

    def _at_right_delim(self) -> tuple[bool, bool]:
        if _has_right_trim(self.text, self.pos) and self.text.startswith(RIGHT_DELIM, self.pos + 2):
            return True, True
        return self.text.startswith(RIGHT_DELIM, self.pos), False

    def _at_terminator(self) -> bool:
        c = self._peek()
        return c == "" or c in TERMINATORS or self.text.startswith(RIGHT_DELIM, self.pos)

    # -- states ------------------------------------------------------------------------------
    def run(self) -> list[Item]:
        """Lex the whole input."""
        try:
            while self._lex_text():
                self._lex_left_delim()
        except _LexError:
            pass
        return self.items

    def _lex_text(self) -> bool:
        x = self.text.find(LEFT_DELIM, self.pos)
        if x < 0:
            self.pos = len(self.text)
            if self.pos > self.start:
                self.line += self.text.count("\n", self.start, self.pos)
                self._emit(T.TEXT)
            self._emit(T.EOF)
            return False
        self.pos = x
        trim = 0
        if _has_left_trim(self.text, x + len(LEFT_DELIM)):
            chunk = self.text[self.start : x]
            trim = len(chunk) - len(chunk.rstrip(SPACE_CHARS))
        self.pos -= trim
        if self.pos > self.start:
            self.line += self.text.count("\n", self.start, self.pos)
            self._emit(T.TEXT)
        self.pos += trim
        self._ignore()
        return True

    def _lex_left_delim(self) -> None:
        self.pos += len(LEFT_DELIM)
        after = 2 if _has_left_trim(self.text, self.pos) else 0
        if self.text.startswith(LEFT_COMMENT, self.pos + after):
            self.pos += after
            self._ignore()
            self._lex_comment()
            return
        self._emit(T.LEFT_DELIM)
        self.pos += after
        self._ignore()
        self.paren_depth = 0
        self._lex_inside_action()

    def _lex_comment(self) -> None:
        self.pos += len(LEFT_COMMENT)
        i = self.text.find(RIGHT_COMMENT, self.pos)
        if i < 0:
            raise self._error("unclosed comment")
        self.pos = i + len(RIGHT_COMMENT)
        delim, trim = self._at_right_delim()
        if not delim:
            raise self._error("comment ends before closing delimiter")
        if trim:
            self.pos += 2
        self.pos += len(RIGHT_DELIM)
        if trim:
            self._skip_leading_space()
        self._ignore()

    def _skip_leading_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in SPACE_CHARS:
            self.pos += 1

    def _lex_right_delim(self) -> None:
        trim = _has_right_trim(self.text, self.pos)
        if trim:
            self.pos += 2
            self._ignore()
        self.pos += len(RIGHT_DELIM)
        self._emit(T.RIGHT_DELIM)
        if trim:
            self._skip_leading_space()
            self._ignore()

    def _lex_inside_action(self) -> None:
        while True:
            delim, _ = self._at_right_delim()
            if delim:
                if self.paren_depth == 0:
                    self._lex_right_delim()
                    return
                raise self._error("unclosed left paren")
            if self._lex_action_token():
                self._lex_right_delim()
                return

    def _lex_action_token(self) -> bool:
        """Lex one token; return True when a `` -}}`` right delimiter follows a single space."""
        c = self._next()
        if c == "":
            raise self._error("unclosed action")
        if _is_space(c):
            self._backup(c)
            return self._lex_space()
        if c == "=":
            self._emit(T.ASSIGN)
        elif c == ":":
            if self._next() != "=":
                raise self._error("expected :=")
            self._emit(T.DECLARE)
        elif c == "|":
            self._emit(T.PIPE)
        elif c == '"':
            self._lex_quote('"', T.STRING, "unterminated quoted string")
        elif c == "`":
            self._lex_raw_quote()
        elif c == "$":
            self._lex_variable()
        elif c == "'":
            self._lex_quote("'", T.CHAR_CONSTANT, "unterminated character constant")
        elif c == "." and self.pos < len(self.text) and not "0" <= self.text[self.pos] <= "9":
            self._lex_field_or_variable(T.FIELD)
        elif c in "+-." or "0" <= c <= "9":
            self._backup(c)
            self._lex_number()
        elif _is_alnum(c):
            self._backup(c)
            self._lex_identifier()
        elif c == "(":
            self._emit(T.LEFT_PAREN)
            self.paren_depth += 1
        elif c == ")":
            self._emit(T.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                raise self._error("unexpected right paren U+0029 ')'")
        elif ord(c) < 0x80 and c.isprintable():
            self._emit(T.CHAR)
        else:
            raise self._error(f"unrecognized character in action: {_rune_desc(c)}")
        return False

    def _lex_space(self) -> bool:
        n = 0
        while _is_space(self._peek()):
            self._next()
            n += 1
        # A space followed by "-}}" belongs to the trim marker.
        if _has_right_trim(self.text, self.pos - 1) and self.text.startswith(
            RIGHT_DELIM, self.pos + 1
        ):
            self._backup(self.text[self.pos - 1])
            if n == 1:
                return True
        self._emit(T.SPACE)
        return False

    def _lex_identifier(self) -> None:
        while _is_alnum(self._peek()):
            self._next()
        word = self.text[self.start : self.pos]
        if not self._at_terminator():
            raise self._error(f"bad character {_rune_desc(self._peek())}")
        if word in KEYWORDS:
            self._emit(KEYWORDS[word])
        elif word in ("true", "false"):
            self._emit(T.BOOL)
        else:
            self._emit(T.IDENTIFIER)

    def _lex_variable(self) -> None:
        if self._at_terminator():
            self._emit(T.VARIABLE)
            return
        self._lex_field_or_variable(T.VARIABLE)

    def _lex_field_or_variable(self, typ: T) -> None:
        if self._at_terminator():
            self._emit(T.VARIABLE if typ is T.VARIABLE else T.DOT)
            return
        while _is_alnum(self._peek()):
            self._next()
        if not self._at_terminator():
            raise self._error(f"bad character {_rune_desc(self._peek())}")
        self._emit(typ)

    def _lex_quote(self, quote: str, typ: T, msg: str) -> None:
        while True:
            c = self._next()
            if c == "\\":
                c = self._next()
                if c not in ("", "\n"):
                    continue
            if c in ("", "\n"):
                raise self._error(msg)
            if c == quote:
                break
        self._emit(typ)

    def _lex_raw_quote(self) -> None:
        while True:
            c = self._next()
            if c == "":
                raise self._error("unterminated raw quoted string")
            if c == "`":
                break
        self._emit(T.RAW_STRING)

    def _lex_number(self) -> None:
        if not self._scan_number():
            raise self._error(f"bad number syntax: {go_quote(self.text[self.start : self.pos])}")
        if self._peek() in ("+", "-"):
            if not self._scan_number() or self.text[self.pos - 1] != "i":
                raise self._error(
                    f"bad number syntax: {go_quote(self.text[self.start : self.pos])}"
                )
            self._emit(T.COMPLEX)
        else:
            self._emit(T.NUMBER)

    def _scan_number(self) -> bool:
        self._accept("+-")
        digits = "0123456789_"
        if self._accept("0"):
            if self._accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self._accept("oO"):
                digits = "01234567_"
            elif self._accept("bB"):
                digits = "01_"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if len(digits) == 11 and self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789_")
        if len(digits) == 23 and self._accept("pP"):
            self._accept("+-")
            self._accept_run("0123456789_")
        self._accept("i")
        if _is_alnum(self._peek()):
            self._next()
            return False
        return True


def _rune_desc(c: str) -> str:
    """Go's ``%#U`` rendering of a rune, e.g. ``U+0021 '!'``."""
    if c == "":
        return "U+FFFFFFFFFFFFFFFF"
    code = f"U+{ord(c):04X}"
    return f"{code} '{c}'" if c.isprintable() else code


def lex(text: str) -> list[Item]:
    """Tokenise ``text``; the last item is EOF, or ERROR if the text cannot be tokenised."""
    return Lexer(text).run()
