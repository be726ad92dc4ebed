"""Token cursor and the pipeline/command/operand grammar of Go templates.

Behaviour of ``pipeline``, ``command``, ``operand``, ``term`` and ``newNumber`` in Go's
``text/template/parse``. :class:`~tagpilot.golang.template.parser.Parser` adds the control
structures on top.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection

from tagpilot.golang.strconv import NumError, parse_float
from tagpilot.golang.template import nodes as n
from tagpilot.golang.template.errors import TemplateParseError
from tagpilot.golang.template.quote import (
    MalformedCharError,
    QuoteSyntaxError,
    go_quote,
    unquote,
    unquote_char,
)
from tagpilot.golang.template.tokens import Item, T

_OPERAND_START = frozenset(
    {
        T.BOOL,
        T.CHAR_CONSTANT,
        T.COMPLEX,
        T.DOT,
        T.FIELD,
        T.IDENTIFIER,
        T.NUMBER,
        T.NIL,
        T.RAW_STRING,
        T.STRING,
        T.VARIABLE,
        T.LEFT_PAREN,
    }
)
_INT_RE = re.compile(
    r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|0(_?[0-7])*|[1-9](_?[0-9])*)"
)
_INT64 = 1 << 63


def parse_go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` without the range check (None if not an integer)."""
    if not _INT_RE.fullmatch(text):
        return None
    body = text.lstrip("+-").replace("_", "")
    sign = -1 if text.startswith("-") else 1
    low = body.lower()
    if low.startswith(("0x", "0o", "0b")):
        return sign * int(body[2:], {"x": 16, "o": 8, "b": 2}[low[1]])
    if len(body) > 1 and body[0] == "0":
        return sign * int(body, 8)
    return sign * int(body)


def parse_go_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)``, ``None`` on any error (Go's ``parse.newNumber``)."""
    try:
        return parse_float(text)
    except NumError:
        return None


class PipelineParser:
    """Cursor over the token list plus the expression grammar."""

    def __init__(self, name: str, items: list[Item], funcs: Collection[str]) -> None:
        self.name = name
        self.items = items
        self.funcs = funcs
        self.idx = 0
        self.high = 0
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.action_line = 0

    # -- cursor -----------------------------------------------------------------------------
    def next(self) -> Item:
        item = self.items[min(self.idx, len(self.items) - 1)]
        self.idx += 1
        self.high = max(self.high, min(self.idx - 1, len(self.items) - 1))
        return item

    def backup(self) -> None:
        self.idx -= 1

    def peek(self) -> Item:
        item = self.next()
        self.backup()
        return item

    def next_non_space(self) -> Item:
        while True:
            item = self.next()
            if item.typ is not T.SPACE:
                return item

    def peek_non_space(self) -> Item:
        item = self.next_non_space()
        self.backup()
        return item

    # -- errors -----------------------------------------------------------------------------
    def error(self, detail: str) -> TemplateParseError:
        """The parse error for ``detail`` at the latest token read (Go ``Tree.errorf``)."""
        return TemplateParseError(self.name, self.items[self.high].line, detail)

    def unexpected(self, token: Item, context: str) -> TemplateParseError:
        """The error for an unexpected token (or the lexer's error token)."""
        if token.typ is T.ERROR:
            extra = ""
            if self.action_line and self.action_line != token.line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            return self.error(f"{token}{extra}")
        return self.error(f"unexpected {token} in {context}")

    def expect(self, typ: T, context: str) -> Item:
        token = self.next_non_space()
        if token.typ is not typ:
            raise self.unexpected(token, context)
        return token

    # -- grammar ----------------------------------------------------------------------------
    def pipeline(self, context: str, end: T) -> n.PipeNode:
        """Parse ``[decls] command | command ...`` up to the ``end`` token."""
        start = self.peek_non_space()
        pipe = n.PipeNode(start.pos, start.line)
        self._declarations(pipe, context)
        while True:
            token = self.next_non_space()
            if token.typ is end:
                self._check_pipeline(pipe, context)
                return pipe
            if token.typ in _OPERAND_START:
                self.backup()
                pipe.cmds.append(self._command())
            else:
                raise self.unexpected(token, context)

    def _declarations(self, pipe: n.PipeNode, context: str) -> None:
        while True:
            v = self.peek_non_space()
            if v.typ is not T.VARIABLE:
                return
            mark = self.idx
            self.next_non_space()
            nxt = self.peek_non_space()
            if nxt.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = nxt.typ is T.ASSIGN
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, [v.val]))
                self.vars.append(v.val)
                return
            if nxt.typ is T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, [v.val]))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    raise self.error("range can only initialize variables")
                raise self.error(f"too many declarations in {context}")
            self.idx = mark
            return

    def _check_pipeline(self, pipe: n.PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            first = cmd.args[0]
            if isinstance(first, n.BoolNode | n.DotNode | n.NilNode | n.NumberNode | n.StringNode):
                raise self.error(f"non executable command in pipeline stage {i + 2}")

    def _command(self) -> n.CommandNode:
        cmd = n.CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self._operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ is T.SPACE:
                continue
            if token.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self.backup()
            elif token.typ is not T.PIPE:
                raise self.unexpected(token, "operand")
            break
        if not cmd.args:
            raise self.error("empty command")
        return cmd

    def _operand(self) -> n.Node | None:
        node = self._term()
        if node is None or self.peek().typ is not T.FIELD:
            return node
        pos = self.peek().pos
        fields: list[str] = []
        while self.peek().typ is T.FIELD:
            fields.append(self.next().val[1:])
        if isinstance(node, n.FieldNode):
            return n.FieldNode(pos, node.ident + fields)
        if isinstance(node, n.VariableNode):
            return n.VariableNode(pos, node.ident + fields)
        if isinstance(node, n.BoolNode | n.StringNode | n.NumberNode | n.NilNode | n.DotNode):
            raise self.error(f"unexpected . after term {go_quote(str(node))}")
        return n.ChainNode(pos, node, fields)

    def _term(self) -> n.Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ is T.IDENTIFIER:
            if token.val not in self.funcs:
                raise self.error(f"function {go_quote(token.val)} not defined")
            return n.IdentifierNode(token.pos, token.val)
        if typ is T.DOT:
            return n.DotNode(token.pos)
        if typ is T.NIL:
            return n.NilNode(token.pos)
        if typ is T.VARIABLE:
            return self._use_var(token)
        if typ is T.FIELD:
            return n.FieldNode(token.pos, [token.val[1:]])
        if typ is T.BOOL:
            return n.BoolNode(token.pos, token.val == "true")
        if typ in (T.CHAR_CONSTANT, T.COMPLEX, T.NUMBER):
            return self._number(token)
        if typ is T.LEFT_PAREN:
            return self.pipeline("parenthesized pipeline", T.RIGHT_PAREN)
        if typ in (T.STRING, T.RAW_STRING):
            try:
                return n.StringNode(token.pos, token.val, unquote(token.val))
            except QuoteSyntaxError as err:
                raise self.error(str(err)) from err
        self.backup()
        return None

    def _use_var(self, token: Item) -> n.VariableNode:
        name = token.val.split(".")[0]
        if name not in self.vars:
            raise self.error(f"undefined variable {go_quote(name)}")
        return n.VariableNode(token.pos, [name])

    def _number(self, token: Item) -> n.NumberNode:
        text = token.val
        node = n.NumberNode(token.pos, text)
        if token.typ is T.CHAR_CONSTANT:
            try:
                value = unquote_char(text)
            except MalformedCharError as err:
                raise self.error(f"malformed character constant: {text}") from err
            except QuoteSyntaxError as err:
                raise self.error(str(err)) from err
            node.is_int = node.is_uint = node.is_float = True
            node.int_value = node.uint_value = value
            node.float_value = float(value)
            return node
        if token.typ is T.COMPLEX or text.endswith("i"):
            # Complex constants have no use in commit messages; refuse them explicitly.
            raise self.error(f"complex constants are not supported: {text}")
        value_i = parse_go_int(text)
        if value_i is not None:
            if -_INT64 <= value_i < _INT64:
                node.is_int = True
                node.int_value = value_i
            if 0 <= value_i < 2 * _INT64:
                node.is_uint = True
                node.uint_value = value_i
            if node.is_int or node.is_uint:
                node.is_float = True
                node.float_value = float(value_i)
                return node
        value_f = parse_go_float(text)
        if value_f is None or math.isinf(value_f):
            raise self.error(f"illegal number syntax: {go_quote(text)}")
        if not any(c in text for c in ".eEpP"):
            raise self.error(f"integer overflow: {go_quote(text)}")
        node.is_float = True
        node.float_value = value_f
        if value_f.is_integer() and -_INT64 <= value_f < _INT64:
            node.is_int = True
            node.int_value = int(value_f)
        if value_f.is_integer() and 0 <= value_f < 2 * _INT64:
            node.is_uint = True
            node.uint_value = int(value_f)
        return node
