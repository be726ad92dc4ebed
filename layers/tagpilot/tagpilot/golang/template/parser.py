"""Parser for Go templates: control structure (behaviour of Go's ``text/template/parse/parse.go``).

Pipelines, commands and operands live in :mod:`tagpilot.golang.template.pipeline`; this module
handles text, actions, ``if``/``range``/``with``/``else``/``end``, ``define``/``template``/``block``
and ``break``/``continue``.
"""

from __future__ import annotations

from collections.abc import Collection

from tagpilot.golang.template import nodes as n
from tagpilot.golang.template.lexer import lex
from tagpilot.golang.template.pipeline import PipelineParser
from tagpilot.golang.template.quote import QuoteSyntaxError, go_quote, unquote
from tagpilot.golang.template.tokens import Item, T


def _is_empty_tree(node: n.Node | None) -> bool:
    if node is None or isinstance(node, n.CommentNode):
        return True
    if isinstance(node, n.ListNode):
        return all(_is_empty_tree(child) for child in node.nodes)
    if isinstance(node, n.TextNode):
        return node.text.strip(" \t\r\n\v\f") == ""
    return False


class Parser(PipelineParser):
    """Parses one template text into a set of named trees."""

    def __init__(
        self,
        name: str,
        text: str,
        funcs: Collection[str],
        trees: dict[str, n.ListNode],
    ) -> None:
        super().__init__(name, lex(text), funcs)
        self.trees = trees

    def parse(self) -> None:
        """Parse the whole text; the main tree is stored under the template name."""
        root = n.ListNode(self.peek().pos)
        while self.peek().typ is not T.EOF:
            if self.peek().typ is T.LEFT_DELIM:
                mark = self.idx
                self.next()
                if self.next_non_space().typ is T.DEFINE:
                    self._parse_definition()
                    continue
                self.idx = mark
            node = self._text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                raise self.error(f"unexpected {node}")
            root.nodes.append(node)
        self._add(self.name, root)

    def _add(self, name: str, root: n.ListNode) -> None:
        existing = self.trees.get(name)
        if existing is None or _is_empty_tree(existing):
            self.trees[name] = root
        elif not _is_empty_tree(root):
            raise self.error(f"template: multiple definition of template {go_quote(name)}")

    def _parse_definition(self) -> None:
        context = "define clause"
        token = self.next_non_space()
        if token.typ not in (T.STRING, T.RAW_STRING):
            raise self.unexpected(token, context)
        name = self._unquote(token.val)
        self.expect(T.RIGHT_DELIM, context)
        saved_vars, saved_depth = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self._item_list()
        if not isinstance(end, n.EndNode):
            raise self.error(f"unexpected {end} in {context}")
        self._add(name, body)
        self.vars, self.range_depth = saved_vars, saved_depth

    def _unquote(self, quoted: str) -> str:
        try:
            return unquote(quoted)
        except QuoteSyntaxError as err:
            raise self.error(str(err)) from err

    def _item_list(self) -> tuple[n.ListNode, n.Node]:
        body = n.ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ is not T.EOF:
            node = self._text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                return body, node
            body.nodes.append(node)
        raise self.error("unexpected EOF")

    def _text_or_action(self) -> n.Node:
        token = self.next_non_space()
        if token.typ is T.TEXT:
            return n.TextNode(token.pos, token.val)
        if token.typ is T.LEFT_DELIM:
            self.action_line = token.line
            try:
                return self._action()
            finally:
                self.action_line = 0
        raise self.unexpected(token, "input")

    def _action(self) -> n.Node:
        token = self.next_non_space()
        typ = token.typ
        if typ is T.BLOCK:
            return self._block_control()
        if typ in (T.BREAK, T.CONTINUE):
            return self._loop_control(token.typ, token.pos, token.line)
        if typ is T.ELSE:
            return self._else_control()
        if typ is T.END:
            return n.EndNode(self.expect(T.RIGHT_DELIM, "end").pos)
        if typ is T.IF:
            return self._branch(n.IfNode, "if")
        if typ is T.RANGE:
            return self._branch(n.RangeNode, "range")
        if typ is T.TEMPLATE:
            return self._template_control()
        if typ is T.WITH:
            return self._branch(n.WithNode, "with")
        self.backup()
        start = self.peek()
        return n.ActionNode(start.pos, start.line, self.pipeline("command", T.RIGHT_DELIM))

    def _loop_control(self, typ: T, pos: int, line: int) -> n.Node:
        word = typ.value
        token = self.next_non_space()
        if token.typ is not T.RIGHT_DELIM:
            raise self.unexpected(token, "{{" + word + "}}")
        if self.range_depth == 0:
            raise self.error("{{" + word + "}} outside {{range}}")
        if typ is T.BREAK:
            return n.BreakNode(pos, line)
        return n.ContinueNode(pos, line)

    def _else_control(self) -> n.Node:
        peek = self.peek_non_space()
        if peek.typ in (T.IF, T.WITH):
            # "{{else if x}}" is parsed as "{{else}}{{if x}}...{{end}}"; see _branch.
            return n.ElseNode(peek.pos, peek.line)
        token = self.expect(T.RIGHT_DELIM, "else")
        return n.ElseNode(token.pos, token.line)

    def _branch(self, cls: type[n.BranchNode], context: str) -> n.BranchNode:
        saved_vars = len(self.vars)
        try:
            pipe = self.pipeline(context, T.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, nxt = self._item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, n.ElseNode):
                chained = {"if": T.IF, "with": T.WITH}.get(context)
                if chained is not None and self.peek().typ is chained:
                    self.next()
                    else_list = n.ListNode(nxt.pos, [self._branch(cls, context)])
                else:
                    else_list, nxt = self._item_list()
                    if not isinstance(nxt, n.EndNode):
                        raise self.error(f"expected end; found {nxt}")
            return cls(pipe.pos, pipe.line, pipe, body, else_list)
        finally:
            del self.vars[saved_vars:]

    def _block_control(self) -> n.Node:
        context = "block clause"
        token = self.next_non_space()
        name = self._template_name(token, context)
        pipe = self.pipeline(context, T.RIGHT_DELIM)
        saved_vars, saved_depth = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self._item_list()
        if not isinstance(end, n.EndNode):
            raise self.error(f"unexpected {end} in {context}")
        self._add(name, body)
        self.vars, self.range_depth = saved_vars, saved_depth
        return n.TemplateNode(token.pos, token.line, name, pipe)

    def _template_control(self) -> n.Node:
        context = "template clause"
        token = self.next_non_space()
        name = self._template_name(token, context)
        pipe = None
        if self.next_non_space().typ is not T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, T.RIGHT_DELIM)
        return n.TemplateNode(token.pos, token.line, name, pipe)

    def _template_name(self, token: Item, context: str) -> str:
        if token.typ not in (T.STRING, T.RAW_STRING):
            raise self.unexpected(token, context)
        return self._unquote(token.val)


def parse_trees(name: str, text: str, funcs: Collection[str]) -> dict[str, n.ListNode]:
    """Parse ``text`` as template ``name``; returns every tree it defines, keyed by name."""
    trees: dict[str, n.ListNode] = {}
    Parser(name, text, funcs, trees).parse()
    return trees
