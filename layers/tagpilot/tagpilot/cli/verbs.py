"""Sub-command trees built from the kind table: ``VERB image repository``, ``VERB source git``,
``VERB receiver``, with flux's aliases (``images``, ``sources``, ``receivers``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

from tagpilot.cli.common import global_flags
from tagpilot.cli.kinds import GROUPS, CliKind

Leaf = Callable[[argparse.ArgumentParser, CliKind], None]


def add_kind_tree(
    parser: argparse.ArgumentParser,
    kinds: Iterable[CliKind],
    leaf: Leaf,
    *,
    group_all: Callable[[argparse.ArgumentParser, str], None] | None = None,
    everything: Callable[[argparse.ArgumentParser], None] | None = None,
    required: bool = True,
) -> None:
    """Add one sub-parser per kind under ``parser``; ``leaf`` adds the verb's own arguments.

    ``group_all`` adds ``VERB image all`` / ``VERB source all``; ``everything`` adds ``VERB all``.
    Each leaf gets the global flags (``-n``, ``--timeout``) and ``cli_kind`` set to the kind.
    """
    common = global_flags()
    sub = parser.add_subparsers(dest="kind_word", metavar="KIND", required=required)
    groups: dict[str, argparse._SubParsersAction] = {}  # type: ignore[type-arg]
    for kind in kinds:
        if kind.group:
            if kind.group not in groups:
                gp = sub.add_parser(
                    kind.group, aliases=list(GROUPS.get(kind.group, ())), help=f"{kind.group} kinds"
                )
                groups[kind.group] = gp.add_subparsers(
                    dest="kind_word2", metavar="KIND", required=True
                )
                if group_all is not None:
                    ap = groups[kind.group].add_parser(
                        "all", help=f"every {kind.group} kind", parents=[common]
                    )
                    ap.set_defaults(cli_kind=None, cli_group=kind.group)
                    group_all(ap, kind.group)
            target = groups[kind.group]
        else:
            target = sub
        p = target.add_parser(
            kind.word, aliases=list(kind.aliases), help=kind.kind, parents=[common]
        )
        p.set_defaults(cli_kind=kind.kind, cli_group=kind.group)
        leaf(p, kind)
    if everything is not None:
        ap = sub.add_parser("all", help="every kind", parents=[common])
        ap.set_defaults(cli_kind=None, cli_group=None)
        everything(ap)
