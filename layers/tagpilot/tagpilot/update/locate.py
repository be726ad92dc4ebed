"""Find the scalar nodes of a YAML stream, their source spans and their marker comment.

ruamel.yaml composes the node graph (no construction, so no type resolution and no
duplicate-key checks); every other decision is made on the source text around each node,
which is what lets the edit stay byte-exact. Offsets are indices into the decoded text.

Which comment belongs to a scalar follows go-yaml v3 as kyaml reads it:

- the line comment: ``#`` after the scalar on its last line (for a block scalar, on the
  header line); in flow collections a ``,`` may sit between the scalar and the comment;
- otherwise, for a sequence item only, the head comment: the comment line directly above
  the item's line (``- value``, or the item alone on its line in a flow sequence). Mapping
  values never have a head comment: the line above ``key: value`` belongs to the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tagpilot.update.result import ObjectIdentifier

_LINE_COMMENT = re.compile(r"[ \t]*(#[^\r\n]*)")
_FLOW_LINE_COMMENT = re.compile(r"[ \t]*(?:,[ \t]*)?(#[^\r\n]*)")
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+1-9]*[ \t]+(#[^\r\n]*)")
_COMMENT_LINE = re.compile(r"[ \t]*(#[^\r\n]*)\r?")
_BLOCK_ITEM_PREFIX = re.compile(r"[ \t]*-[ \t]+")
_PROPERTY = re.compile(r"[&!][^ \t\r\n]*\s+")
LIST_KINDS = ("List", "ResourceList")


class NotAResourceStream(ValueError):
    """A document is neither a mapping nor empty (kyaml cannot read the file)."""


@dataclass(frozen=True, slots=True)
class ScalarSite:
    """One scalar value: its text span, style, context, comment and containing object."""

    value: str
    start: int
    end: int
    style: str | None
    flow: bool
    comment: str | None
    obj: ObjectIdentifier


def _field(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _scalar_text(node: Node | None) -> str:
    if isinstance(node, ScalarNode):
        return str(node.value)
    if node is None or _is_null(node):
        return ""
    raise NotAResourceStream("resource metadata field is not a scalar")


def _is_null(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode) and node.style is None and node.tag == "tag:yaml.org,2002:null"
    )


def object_identifier(doc: MappingNode) -> ObjectIdentifier:
    """``apiVersion``, ``kind``, ``metadata.name``, ``metadata.namespace`` of a document."""
    meta = _field(doc, "metadata")
    name = namespace = ""
    if isinstance(meta, MappingNode):
        name = _scalar_text(_field(meta, "name"))
        namespace = _scalar_text(_field(meta, "namespace"))
    elif meta is not None and not _is_null(meta):
        raise NotAResourceStream("metadata is not a mapping")
    return ObjectIdentifier(
        _scalar_text(_field(doc, "apiVersion")), _scalar_text(_field(doc, "kind")), name, namespace
    )


def resources(text: str) -> Iterator[tuple[MappingNode, ObjectIdentifier]]:
    """The resource mappings of a stream, as kyaml ``kio.ByteReader`` yields them.

    Empty and null documents are dropped; any other non-mapping document raises
    :class:`NotAResourceStream`. A file that is a single ``List``/``ResourceList`` document
    with ``items`` is unwrapped into its mapping items (edited in place, see README).

    Raises
    ------
    NotAResourceStream, ruamel.yaml.YAMLError
    """
    docs = [d for d in YAML(typ="rt").compose_all(text) if d is not None and not _is_null(d)]
    for doc in docs:
        if not isinstance(doc, MappingNode):
            raise NotAResourceStream("document is not a mapping")
    single_chunk = "\n---\n" not in text.replace("\r\n", "\n")
    if single_chunk and len(docs) == 1:
        oid = object_identifier(docs[0])
        if oid.kind in LIST_KINDS and (
            _field(docs[0], "items") is not None or _field(docs[0], "functionConfig") is not None
        ):
            items = _field(docs[0], "items")
            for item in items.value if isinstance(items, SequenceNode) else []:
                if isinstance(item, MappingNode):
                    yield item, object_identifier(item)
            return
    for doc in docs:
        yield doc, object_identifier(doc)


def _token_start(text: str, node: ScalarNode) -> int:
    # start_mark includes an anchor or tag; the value token starts after them.
    pos = int(node.start_mark.index)
    while (m := _PROPERTY.match(text, pos)) is not None:
        pos = m.end()
    return pos


def _line_comment(text: str, start: int, end: int, style: str | None, flow: bool) -> str | None:
    if style in ("|", ">"):
        m = _BLOCK_HEADER_COMMENT.match(text, start)
    else:
        m = (_FLOW_LINE_COMMENT if flow else _LINE_COMMENT).match(text, end)
    return m.group(1) if m else None


def _head_comment(text: str, node_start: int, flow: bool) -> str | None:
    line_start = text.rfind("\n", 0, node_start) + 1
    prefix = text[line_start:node_start]
    if not (prefix.strip(" \t") == "" if flow else _BLOCK_ITEM_PREFIX.fullmatch(prefix)):
        return None
    if line_start == 0:
        return None
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    m = _COMMENT_LINE.fullmatch(text, prev_start, line_start - 1)
    if m is None:
        return None
    if prev_start > 0:
        before = text.rfind("\n", 0, prev_start - 1) + 1
        if _COMMENT_LINE.fullmatch(text, before, prev_start - 1):
            return None  # a multi-line head comment never parses as one JSON document
    return m.group(1)


def scalar_sites(text: str) -> Iterator[ScalarSite]:
    """Every non-empty scalar value (not keys) of every resource, in traversal order.

    Aliases are not visited (go-yaml gives them their own node kind); the anchored node
    is visited once where it is defined.
    """
    seen: set[int] = set()

    def visit(
        node: Node, flow: bool, seq_item: bool, obj: ObjectIdentifier
    ) -> Iterator[ScalarSite]:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            inner = flow or bool(node.flow_style)
            for _key, value in node.value:
                yield from visit(value, inner, False, obj)
        elif isinstance(node, SequenceNode):
            inner = flow or bool(node.flow_style)
            for item in node.value:
                yield from visit(item, inner, True, obj)
        elif isinstance(node, ScalarNode) and not (node.style is None and node.value == ""):
            start = _token_start(text, node)
            end = int(node.end_mark.index)
            comment = _line_comment(text, start, end, node.style, flow)
            if comment is None and seq_item:
                comment = _head_comment(text, int(node.start_mark.index), flow)
            yield ScalarSite(str(node.value), start, end, node.style, flow, comment, obj)

    for resource, obj in resources(text):
        seen.add(id(resource))
        for _key, value in resource.value:
            yield from visit(value, bool(resource.flow_style), False, obj)
