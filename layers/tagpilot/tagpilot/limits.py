"""Bounds on untrusted input, checked before the work they guard (README: "Limits").

Every number a user, a registry or a Git repository can push past is capped here, so that no
input can make tagpilot hang, exhaust memory or end in a traceback. Each limit is refused with
a message naming it. :func:`check_yaml` is the YAML gate used before a document is composed or
constructed (manifests at apply/validate, marked files in Git repositories).

Examples
--------
>>> check_yaml("a: [1, 2]\\n", max_depth=8, max_nodes=100)
>>> check_yaml("a: [[[[1]]]]\\n", max_depth=3, max_nodes=100)
Traceback (most recent call last):
...
tagpilot.limits.LimitError: YAML nested deeper than 3 levels (line 1)
"""

from __future__ import annotations

import re

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
    ScalarEvent,
)

from tagpilot.errors import TagpilotError

KIB = 1024
MIB = 1024 * KIB

# -- manifests (apply, validate) --------------------------------------------------------------
#: One manifest file, or standard input.
MAX_MANIFEST_BYTES = 4 * MIB
#: Nesting of mappings and sequences in a document (Flux objects need fewer than 10).
MAX_MANIFEST_DEPTH = 32
#: Nodes of one document once every alias is expanded (a Flux object has a few hundred).
MAX_MANIFEST_NODES = 10_000
#: Characters of an integer literal: Kubernetes integers are 64-bit (19 digits and a sign).
MAX_INTEGER_CHARS = 20
#: One object as stored (JSON of apiVersion, kind, metadata, spec); DynamoDB items are limited
#: to 400 KB and the status needs room too.
MAX_OBJECT_BYTES = 256 * KIB

# -- Git repositories (ImageUpdateAutomation, tagpilot update) ---------------------------------
#: A YAML file carrying a marker; larger files are skipped with a reason.
MAX_REPO_FILE_BYTES = 8 * MIB
#: Nesting in such a file (Kubernetes objects, CRDs included, stay well below).
MAX_REPO_YAML_DEPTH = 200
#: Marked fields in one run; more fails the run before anything is written.
MAX_MARKERS_PER_RUN = 10_000
#: A rendered commit message (also caps Sprig's ``repeat`` and ``indent`` results).
MAX_TEMPLATE_OUTPUT_BYTES = 64 * KIB
#: Template nodes executed in one rendering (``{{range 1000000000}}`` stops here).
MAX_TEMPLATE_STEPS = 1_000_000

# -- registries --------------------------------------------------------------------------------
#: The OCI distribution tag grammar: other tags are skipped at scan and counted in the status.
TAG_GRAMMAR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", re.ASCII)

_INTEGER = re.compile(r"[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_:]*)")


class LimitError(TagpilotError):
    """Input over one of the limits above; the message names the limit."""


def valid_tag(tag: str) -> bool:
    """Whether ``tag`` follows the OCI distribution tag grammar.

    Examples
    --------
    >>> valid_tag("v1.2.3"), valid_tag("1.0.0\\n"), valid_tag("../../etc"), valid_tag("a" * 129)
    (True, False, False, False)
    """
    return TAG_GRAMMAR.fullmatch(tag) is not None


def _deep_flow(text: str, max_depth: int) -> bool:
    """A cheap pre-check: brackets nested far deeper than ``max_depth``, quotes ignored.

    ruamel's scanner looks up to 1,024 characters ahead for a possible key at every open flow
    level (seconds for ``"[" * 1000``); only an input that is certainly too deep is stopped here
    (the event check below applies the exact limit).
    """
    depth = 0
    for c in _NOT_BRACKETS.sub("", text):
        if c in "[{":
            depth += 1
            if depth > _FLOW_PRECHECK_FACTOR * max_depth:
                return True
        else:
            depth = max(depth - 1, 0)
    return False


_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_FLOW_PRECHECK_FACTOR = 2


def check_yaml(text: str, *, max_depth: int, max_nodes: int | None = None) -> None:
    """Refuse a YAML stream over the limits, from its events (nothing is composed or built).

    Parameters
    ----------
    text
        The whole stream.
    max_depth
        Deepest nesting of mappings and sequences.
    max_nodes
        Most nodes in one document, counting every alias as the nodes it stands for (None: no
        limit, for readers that never expand aliases). Integers longer than
        :data:`MAX_INTEGER_CHARS` are refused along with it.

    Raises
    ------
    LimitError
        Naming the limit and the line.
    ruamel.yaml.error.YAMLError
        The stream is not YAML (when that comes before any limit).
    """
    if _deep_flow(text, max_depth):
        raise LimitError(f"YAML nested deeper than {max_depth} levels (flow collections)")
    # Per document: nodes and scalar characters so far, aliases counted as what they repeat.
    sizes: dict[str, tuple[int, int]] = {}
    starts: list[tuple[str | None, int, int]] = []  # (anchor, nodes, chars) before each collection
    nodes = chars = 0
    for event in YAML(typ="safe", pure=True).parse(text):
        if isinstance(event, DocumentStartEvent):
            sizes, starts, nodes, chars = {}, [], 0, 0
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, CollectionEndEvent):
            anchor, nodes_before, chars_before = starts.pop()
            if anchor is not None:
                sizes[anchor] = (nodes - nodes_before, chars - chars_before)
            continue
        if not isinstance(event, NodeEvent):
            continue
        if isinstance(event, CollectionStartEvent):
            starts.append((event.anchor, nodes, chars))
            if len(starts) > max_depth:
                raise LimitError(f"YAML nested deeper than {max_depth} levels (line {line})")
            nodes += 1
        elif isinstance(event, AliasEvent):
            repeated = sizes.get(str(event.anchor), (1, 0))
            nodes, chars = nodes + repeated[0], chars + repeated[1]
        elif isinstance(event, ScalarEvent):
            nodes, chars = nodes + 1, chars + len(event.value)
            if isinstance(event.anchor, str):
                sizes[event.anchor] = (1, len(event.value))
            if max_nodes is not None:
                _check_integer(event, line)
        if max_nodes is not None and (nodes > max_nodes or chars > MAX_MANIFEST_BYTES):
            raise LimitError(
                f"YAML document expands to more than {max_nodes} nodes or "
                f"{MAX_MANIFEST_BYTES // MIB} MiB of text (line {line}; an alias counts as "
                "what it repeats)"
            )


def _check_integer(event: ScalarEvent, line: int) -> None:
    if event.style is not None or len(event.value) <= MAX_INTEGER_CHARS:
        return
    if _INTEGER.fullmatch(event.value):
        raise LimitError(
            f"integer of {len(event.value)} characters on line {line}: integers are limited "
            f"to {MAX_INTEGER_CHARS} characters (64-bit)"
        )


__all__ = [
    "MAX_INTEGER_CHARS",
    "MAX_MANIFEST_BYTES",
    "MAX_MANIFEST_DEPTH",
    "MAX_MANIFEST_NODES",
    "MAX_MARKERS_PER_RUN",
    "MAX_OBJECT_BYTES",
    "MAX_REPO_FILE_BYTES",
    "MAX_REPO_YAML_DEPTH",
    "MAX_TEMPLATE_OUTPUT_BYTES",
    "MAX_TEMPLATE_STEPS",
    "TAG_GRAMMAR",
    "LimitError",
    "YAMLError",
    "check_yaml",
    "valid_tag",
]
