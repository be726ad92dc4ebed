"""Go ``text/template`` in pure Python, for Flux commit message templates.

Parsing and execution follow Go's ``text/template`` (default ``{{``/``}}`` delimiters,
``missingkey=default``): trim markers, comments, fields, variables, pipelines, ``if``/``else if``/
``with``/``else with``/``range`` (slices, maps in sorted key order, integers) with ``break``/
``continue``, ``define``/``template``/``block``, and the builtin functions. Python data stands in
for Go values as described in :mod:`tagpilot.golang.template.values`. Sprig's text functions are
in :mod:`tagpilot.golang.template.sprig`.

Example
-------
>>> render("t", "{{ range $k, $v := . }}{{ $k }}={{ $v }} {{ end }}", {"b": 2, "a": 1})
'a=1 b=2 '
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tagpilot.golang.template import nodes
from tagpilot.golang.template.builtins import BUILTINS
from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError
from tagpilot.golang.template.executor import State
from tagpilot.golang.template.parser import parse_trees
from tagpilot.golang.template.values import MISSING, GoMap

__all__ = [
    "MISSING",
    "GoMap",
    "Template",
    "TemplateExecError",
    "TemplateParseError",
    "parse",
    "render",
]


@dataclass(frozen=True)
class Template:
    """A parsed template: its main tree plus every ``define``/``block`` tree of the text."""

    name: str
    text: str
    trees: Mapping[str, nodes.ListNode]
    funcs: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    @property
    def root(self) -> nodes.ListNode:
        """The main tree."""
        return self.trees[self.name]

    def execute(self, data: Any) -> str:
        """Run the template on ``data`` and return the output.

        Raises
        ------
        TemplateExecError
            When evaluation fails (unknown field, bad argument, function error...).
        """
        return State(self.trees, self.funcs, self.name, self.name, self.text, data).run()


def parse(name: str, text: str, funcs: Mapping[str, Callable[..., Any]] | None = None) -> Template:
    """Parse ``text`` as a template called ``name``.

    Parameters
    ----------
    name:
        Template name, used in error messages (Flux uses ``commit message``).
    text:
        Template source.
    funcs:
        Extra functions by name (they override the builtins, as Go's ``Funcs`` does).

    Raises
    ------
    TemplateParseError
        With Go's message, e.g. ``template: t:1: function "foo" not defined``.

    Example
    -------
    >>> parse("t", "{{ .A }}").execute({"A": 1})
    '1'
    """
    all_funcs = dict(funcs or {})
    trees = parse_trees(name, text, set(BUILTINS) | set(all_funcs))
    return Template(name, text, trees, all_funcs)


def render(
    name: str, text: str, data: Any, funcs: Mapping[str, Callable[..., Any]] | None = None
) -> str:
    """Parse and execute a template in one step.

    Example
    -------
    >>> render("t", "{{ .Name | printf \\"%q\\" }}", {"Name": "app"})
    '"app"'
    """
    return parse(name, text, funcs).execute(data)
