"""Token types and tokens of Go templates (Go ``text/template/parse`` ``item``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tagpilot.golang.template.quote import go_quote


class T(enum.Enum):
    """Token types (Go ``itemType``)."""

    ERROR = "error"
    BOOL = "bool"
    CHAR = "char"
    CHAR_CONSTANT = "char constant"
    ASSIGN = "="
    DECLARE = ":="
    EOF = "EOF"
    FIELD = "field"
    IDENTIFIER = "identifier"
    LEFT_DELIM = "{{"
    LEFT_PAREN = "("
    NUMBER = "number"
    COMPLEX = "complex"
    PIPE = "|"
    RAW_STRING = "raw string"
    RIGHT_DELIM = "}}"
    RIGHT_PAREN = ")"
    SPACE = "space"
    STRING = "string"
    TEXT = "text"
    VARIABLE = "variable"
    # Keywords.
    BLOCK = "block"
    BREAK = "break"
    CONTINUE = "continue"
    DOT = "."
    DEFINE = "define"
    ELSE = "else"
    END = "end"
    IF = "if"
    NIL = "nil"
    RANGE = "range"
    TEMPLATE = "template"
    WITH = "with"


KEYWORDS = {
    ".": T.DOT,
    "block": T.BLOCK,
    "break": T.BREAK,
    "continue": T.CONTINUE,
    "define": T.DEFINE,
    "else": T.ELSE,
    "end": T.END,
    "if": T.IF,
    "range": T.RANGE,
    "nil": T.NIL,
    "template": T.TEMPLATE,
    "with": T.WITH,
}
KEYWORD_TYPES = frozenset(KEYWORDS.values())


@dataclass(frozen=True)
class Item:
    """One token: type, start offset, text and the line it starts on."""

    typ: T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        # Mirrors Go's item.String(), used in "unexpected <token> in ..." messages.
        if self.typ is T.EOF:
            return "EOF"
        if self.typ is T.ERROR:
            return self.val
        if self.typ in KEYWORD_TYPES:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)
