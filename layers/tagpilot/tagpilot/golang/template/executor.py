"""Execution of parsed templates (behaviour of Go's ``text/template/exec.go``).

Control flow (``walk``), printing and variables live here; evaluation of pipelines, fields and
calls lives in :mod:`tagpilot.golang.template.evaluator`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tagpilot.golang.template import nodes as n
from tagpilot.golang.template.evaluator import Evaluator
from tagpilot.golang.template.gofmt import Spec as _Spec
from tagpilot.golang.template.gofmt import format_arg, sprint
from tagpilot.golang.template.quote import go_quote
from tagpilot.golang.template.values import MISSING, is_struct, sorted_items, truth
from tagpilot.limits import MAX_TEMPLATE_OUTPUT_BYTES, MAX_TEMPLATE_STEPS

MAX_EXEC_DEPTH = 200
"""Nesting limit of ``{{template}}`` calls (Go allows 100000; Python's stack does not)."""


class _Budget:
    """What one execution may still do: output characters and executed nodes (tagpilot limits).

    Shared by the nested executions of ``{{template}}`` calls.
    """

    __slots__ = ("output", "steps")

    def __init__(self) -> None:
        self.output = MAX_TEMPLATE_OUTPUT_BYTES
        self.steps = MAX_TEMPLATE_STEPS


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class State(Evaluator):
    """One execution of one template tree."""

    def __init__(
        self,
        trees: Mapping[str, n.ListNode],
        funcs: Mapping[str, Callable[..., Any]],
        tree_name: str,
        parse_name: str,
        text: str,
        data: Any,
        depth: int = 0,
        budget: _Budget | None = None,
    ) -> None:
        super().__init__(funcs, tree_name, parse_name, text)
        self.trees = trees
        self.vars = [("$", data)]
        self.out: list[str] = []
        self.depth = depth
        self.budget = budget or _Budget()

    def emit(self, text: str) -> None:
        """Append output, within the output limit."""
        self.budget.output -= len(text.encode("utf-8", "surrogatepass"))
        if self.budget.output < 0:
            limit = MAX_TEMPLATE_OUTPUT_BYTES // 1024
            raise self.error(f"output exceeds {limit} KiB (tagpilot's template output limit)")
        self.out.append(text)

    def run(self) -> str:
        """Execute the tree and return the output."""
        root = self.trees.get(self.tree_name)
        if root is None:
            self.node = None
            raise self.error(f"{go_quote(self.tree_name)} is an incomplete or empty template")
        self.walk(self.vars[0][1], root)
        return "".join(self.out)

    def walk(self, dot: Any, node: n.Node) -> None:
        """Execute ``node`` with ``dot`` as the cursor."""
        self.at(node)
        self.budget.steps -= 1
        if self.budget.steps < 0:
            raise self.error(f"executed more than {MAX_TEMPLATE_STEPS} steps (tagpilot's limit)")
        if isinstance(node, n.ActionNode):
            assert node.pipe is not None
            val = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, val)
        elif isinstance(node, n.ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, n.TextNode):
            self.emit(node.text)
        elif isinstance(node, n.IfNode | n.WithNode):
            self._walk_if_or_with(dot, node)
        elif isinstance(node, n.RangeNode):
            self._walk_range(dot, node)
        elif isinstance(node, n.TemplateNode):
            self._walk_template(dot, node)
        elif isinstance(node, n.BreakNode):
            raise _Break
        elif isinstance(node, n.ContinueNode):
            raise _Continue
        elif not isinstance(node, n.CommentNode):
            raise self.error(f"unknown node: {node}")

    def _walk_if_or_with(self, dot: Any, node: n.BranchNode) -> None:
        mark = len(self.vars)
        try:
            assert node.pipe is not None and node.body is not None
            val = self.eval_pipeline(dot, node.pipe)
            if truth(val):
                self.walk(val if isinstance(node, n.WithNode) else dot, node.body)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _walk_range(self, dot: Any, node: n.RangeNode) -> None:
        self.at(node)
        outer = len(self.vars)
        try:
            assert node.pipe is not None and node.body is not None
            val = self.eval_pipeline(dot, node.pipe)
            mark = len(self.vars)
            pairs, any_pair = self._range_pairs(val, node)
            for index, elem in pairs:
                if node.pipe.decl:
                    self.vars[-1] = (self.vars[-1][0], elem)
                if len(node.pipe.decl) > 1:
                    self.vars[-2] = (self.vars[-2][0], index)
                try:
                    self.walk(elem, node.body)
                except _Continue:
                    pass
                except _Break:
                    break
                finally:
                    del self.vars[mark:]
            if not any_pair and node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[outer:]

    def _range_pairs(self, val: Any, node: n.RangeNode) -> tuple[Iterable[tuple[Any, Any]], bool]:
        if val is MISSING or val is None:
            return [], False
        if isinstance(val, list | tuple):
            return list(enumerate(val)), bool(val)
        if isinstance(val, dict):
            return sorted_items(val), bool(val)
        if isinstance(val, int) and not isinstance(val, bool):
            # Go 1.22+: ranging over an integer n visits 0..n-1 (lazily: the step limit holds).
            assert node.pipe is not None
            if len(node.pipe.decl) > 1:
                raise self.error(f"can't use {val} to iterate over more than one variable")
            return ((i, i) for i in range(val)), val > 0
        raise self.error(f"range can't iterate over {format_arg(val, _Spec())}")

    def _walk_template(self, dot: Any, node: n.TemplateNode) -> None:
        self.at(node)
        if node.name not in self.trees:
            raise self.error(f"template {go_quote(node.name)} not defined")
        if self.depth >= MAX_EXEC_DEPTH:
            raise self.error(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")
        new_dot = self.eval_pipeline(dot, node.pipe) if node.pipe is not None else MISSING
        sub = State(
            self.trees,
            self.funcs,
            node.name,
            self.parse_name,
            self.text,
            new_dot,
            self.depth + 1,
            self.budget,
        )
        self.out.append(sub.run())  # already counted by the nested execution

    def print_value(self, node: n.Node, val: Any) -> None:
        """Print a pipeline result the way Go's ``printValue`` does."""
        self.at(node)
        if val is MISSING or val is None:
            self.emit("<no value>")
            return
        if callable(val) and not is_struct(val) and not isinstance(val, type):
            raise self.error(f"can't print {node} of type func")
        self.emit(sprint([val]))
