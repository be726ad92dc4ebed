"""``tagpilot export KIND [NAME] [--all]``: the stored objects as flux export prints them."""

from __future__ import annotations

import argparse
import sys

from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, guarded, namespace_of, open_app
from tagpilot.cli.kinds import BY_KIND, KINDS, CliKind
from tagpilot.cli.output import failure
from tagpilot.cli.verbs import add_kind_tree


def _leaf(p: argparse.ArgumentParser, _kind: CliKind) -> None:
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--all", action="store_true", help="select all objects of the kind")
    p.set_defaults(func=run)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "export",
        help="print objects as YAML, ready to commit",
        description="Like flux export. Example: tagpilot export image policy --all > policies.yaml",
    )
    add_kind_tree(p, KINDS, _leaf)


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.cli.yamlout import dump, export_shape

    kind = BY_KIND[args.cli_kind]
    if not args.name and not args.all:
        failure("name is required")
        return EXIT_FAILED
    app = open_app()
    ns = namespace_of(args)
    if args.all:
        objs = sorted(app.objects.list(kind.kind, ns), key=lambda o: o.name)
        if not objs:
            failure(f"no objects found in {ns} namespace")
            return EXIT_FAILED
    else:
        found = app.objects.get(kind.kind, ns, args.name)
        if found is None:
            failure(f'{kind.plural} "{args.name}" not found')
            return EXIT_FAILED
        objs = [found]
    for obj in objs:
        sys.stdout.write(dump(export_shape(obj.to_manifest())))
    sys.stdout.flush()
    return EXIT_OK
