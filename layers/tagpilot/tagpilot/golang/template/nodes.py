"""Parse tree of a Go template (the node types of Go's ``text/template/parse/node.go``).

``str(node)`` renders the node back to template syntax the way Go does; execution errors quote it
(``executing "t" at <.Foo.Bar>: ...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tagpilot.golang.template.quote import go_quote


@dataclass
class Node:
    """Base node: ``pos`` is the character offset of the node in the source."""

    pos: int


@dataclass
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass
class TextNode(Node):
    text: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass
class CommentNode(Node):
    text: str = ""

    def __str__(self) -> str:
        return "{{" + self.text + "}}"


@dataclass
class DotNode(Node):
    def __str__(self) -> str:
        return "."


@dataclass
class NilNode(Node):
    def __str__(self) -> str:
        return "nil"


@dataclass
class BoolNode(Node):
    value: bool = False

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass
class StringNode(Node):
    quoted: str = ""
    text: str = ""

    def __str__(self) -> str:
        return self.quoted


@dataclass
class NumberNode(Node):
    """A numeric or character constant with every Go interpretation that fits."""

    text: str = ""
    is_int: bool = False
    is_uint: bool = False
    is_float: bool = False
    int_value: int = 0
    uint_value: int = 0
    float_value: float = 0.0

    def __str__(self) -> str:
        return self.text


@dataclass
class IdentifierNode(Node):
    ident: str = ""

    def __str__(self) -> str:
        return self.ident


@dataclass
class VariableNode(Node):
    """``$x`` or ``$x.Field.Chain``: ``ident[0]`` is the variable name."""

    ident: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass
class FieldNode(Node):
    """``.A.B``: ``ident`` holds the names without dots."""

    ident: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


@dataclass
class ChainNode(Node):
    """A term followed by fields, e.g. ``(pipeline).A.B``."""

    node: Node | None = None
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        inner = str(self.node)
        if isinstance(self.node, PipeNode):
            inner = "(" + inner + ")"
        return inner + "".join("." + f for f in self.fields)


@dataclass
class CommandNode(Node):
    args: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        for arg in self.args:
            s = str(arg)
            parts.append("(" + s + ")" if isinstance(arg, PipeNode) else s)
        return " ".join(parts)


@dataclass
class PipeNode(Node):
    line: int = 0
    is_assign: bool = False
    decl: list[VariableNode] = field(default_factory=list)
    cmds: list[CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        s = ""
        if self.decl:
            s = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return s + " | ".join(str(c) for c in self.cmds)


@dataclass
class ActionNode(Node):
    line: int = 0
    pipe: PipeNode | None = None

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass
class BranchNode(Node):
    """Common shape of ``if``, ``range`` and ``with``."""

    line: int = 0
    pipe: PipeNode | None = None
    body: ListNode | None = None
    else_list: ListNode | None = None
    keyword: str = ""

    def __str__(self) -> str:
        s = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.body)
        if self.else_list is not None:
            s += "{{else}}" + str(self.else_list)
        return s + "{{end}}"


@dataclass
class IfNode(BranchNode):
    keyword: str = "if"


@dataclass
class RangeNode(BranchNode):
    keyword: str = "range"


@dataclass
class WithNode(BranchNode):
    keyword: str = "with"


@dataclass
class BreakNode(Node):
    line: int = 0

    def __str__(self) -> str:
        return "{{break}}"


@dataclass
class ContinueNode(Node):
    line: int = 0

    def __str__(self) -> str:
        return "{{continue}}"


@dataclass
class TemplateNode(Node):
    line: int = 0
    name: str = ""
    pipe: PipeNode | None = None

    def __str__(self) -> str:
        if self.pipe is None:
            return "{{template " + go_quote(self.name) + "}}"
        return "{{template " + go_quote(self.name) + " " + str(self.pipe) + "}}"


@dataclass
class EndNode(Node):
    """Internal marker returned by the parser for ``{{end}}``."""

    def __str__(self) -> str:
        return "{{end}}"


@dataclass
class ElseNode(Node):
    """Internal marker returned by the parser for ``{{else}}``."""

    line: int = 0

    def __str__(self) -> str:
        return "{{else}}"


def walk(node: Node | None) -> list[Node]:
    """All nodes of a tree, depth first (for static checks such as removed fields)."""
    if node is None:
        return []
    out: list[Node] = [node]
    children: list[Node | None] = []
    if isinstance(node, ListNode):
        children = list(node.nodes)
    elif isinstance(node, ActionNode | TemplateNode):
        children = [node.pipe]
    elif isinstance(node, BranchNode):
        children = [node.pipe, node.body, node.else_list]
    elif isinstance(node, PipeNode):
        children = [*node.decl, *node.cmds]
    elif isinstance(node, CommandNode):
        children = list(node.args)
    elif isinstance(node, ChainNode):
        children = [node.node]
    for child in children:
        out.extend(walk(child))
    return out
