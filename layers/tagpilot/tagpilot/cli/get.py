"""``tagpilot get KIND [NAME]``, ``get images all``, ``get sources all``, ``get all``: flux get.

Columns, messages and table bytes are flux's (see :mod:`tagpilot.cli.kinds`); ``-o yaml|json``
is a tagpilot addition that prints the stored objects with their status.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    guarded,
    namespace_of,
    open_app,
    timeout_of,
)
from tagpilot.cli.kinds import BY_KIND, KINDS, CliKind, in_group
from tagpilot.cli.output import failure, render_table
from tagpilot.cli.verbs import add_kind_tree


def _flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-A", "--all-namespaces", action="store_true", help="list across all namespaces")
    p.add_argument("--no-header", action="store_true", help="skip the header when printing")
    p.add_argument(
        "-w", "--watch", action="store_true", help="after listing, watch for changes (--timeout)"
    )
    p.add_argument(
        "--status-selector",
        default="",
        metavar="TYPE=STATUS",
        help="filter by a condition: 'ready=true' or 'ready!=true'",
    )
    p.add_argument(
        "-l", "--label-selector", default="", metavar="SELECTOR", help="e.g. 'app=web,tier!=db'"
    )


def _leaf(p: argparse.ArgumentParser, _kind: CliKind) -> None:
    p.add_argument("name", nargs="?", metavar="NAME")
    _flags(p)
    p.add_argument("-o", "--output", choices=("table", "yaml", "json"), default="table")
    p.set_defaults(func=run)


def _all(p: argparse.ArgumentParser, *_: str) -> None:
    _flags(p)
    p.set_defaults(func=run, name=None, output="table")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "get",
        help="show objects and their status",
        description="Like flux get. Examples: tagpilot get images all; tagpilot get image policy "
        "-A; tagpilot get sources git podinfo; tagpilot get all --status-selector ready=false",
    )
    add_kind_tree(p, KINDS, _leaf, group_all=_all, everything=_all)


def _status_matches(obj: Any, selector: tuple[str, str, bool] | None) -> bool:
    if selector is None:
        return True
    ctype, status, equal = selector
    for cond in obj.status.get("conditions") or []:
        if str(cond.get("type", "")).lower() == ctype:
            same = str(cond.get("status", "")).lower() == status
            return same if equal else not same
    return False


def _list(app: Any, kind: CliKind, args: argparse.Namespace) -> list[Any]:
    from tagpilot.cli.selectors import parse_selector, parse_status_selector
    from tagpilot.reconcile.selectors import matches

    labels = parse_selector(args.label_selector) if args.label_selector else None
    status = parse_status_selector(args.status_selector) if args.status_selector else None
    ns = None if args.all_namespaces else namespace_of(args)
    if args.name and ns is not None:
        found = app.objects.get(kind.kind, ns, args.name)
        objs = [found] if found is not None else []
    else:
        objs = app.objects.list(kind.kind, ns)
        if args.name:
            objs = [o for o in objs if o.name == args.name]
    objs = [o for o in objs if matches(labels, o.labels) and _status_matches(o, status)]
    return sorted(objs, key=lambda o: (o.namespace, o.name))


def _rows(kind: CliKind, objs: list[Any], args: argparse.Namespace, prefix: str = "") -> Any:
    headers = ["NAME", *(c.header for c in kind.columns)]
    rows = [[prefix + o.name, *(c.value(o) for c in kind.columns)] for o in objs]
    if args.all_namespaces:
        headers = ["NAMESPACE", *headers]
        rows = [[o.namespace, *r] for o, r in zip(objs, rows, strict=True)]
    return headers, rows


def _not_found(kind: CliKind, args: argparse.Namespace) -> str:
    where = "any namespace" if args.all_namespaces else f'"{namespace_of(args)}" namespace'
    if args.name:
        return f"{kind.kind} object '{args.name}' not found in {where}"
    return f"no {kind.kind} objects found in {where}"


def _print_structured(objs: list[Any], args: argparse.Namespace) -> None:
    data = [o.to_manifest() for o in objs]
    doc = data[0] if args.name else {"apiVersion": "v1", "kind": "List", "items": data}
    if args.output == "json":
        print(json.dumps(doc, indent=2))
        return
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(doc, sys.stdout)


def _get_all(app: Any, args: argparse.Namespace) -> int:
    from tagpilot.errors import TagpilotError

    if args.watch:
        raise CliError("expected a single resource type, but found all")
    kinds = in_group(args.cli_group) if args.cli_group else KINDS
    for kind in kinds:
        try:
            objs = _list(app, kind, args)
        except TagpilotError as exc:
            failure(str(exc))
            continue
        if objs:
            headers, rows = _rows(kind, objs, args, prefix=f"{kind.kind.lower()}/")
            sys.stdout.write(render_table(headers, rows, header=not args.no_header) + "\n")
    sys.stdout.flush()
    return EXIT_OK


def _watch(app: Any, kind: CliKind, args: argparse.Namespace, first: list[Any]) -> int:
    """Print the header once, then a row each time an object's row changes, until --timeout."""
    deadline = time.monotonic() + timeout_of(args)
    headers, _ = _rows(kind, [], args)
    seen: dict[str, list[str]] = {}
    if not args.no_header:
        sys.stdout.write(render_table(headers, []))
    objs = first
    while True:
        for obj, row in zip(objs, _rows(kind, objs, args)[1], strict=True):
            if seen.get(obj.key) != row:
                seen[obj.key] = row
                sys.stdout.write(render_table(headers, [row], header=False))
        sys.stdout.flush()
        left = deadline - time.monotonic()
        if left <= 0:
            return EXIT_OK
        time.sleep(min(2.0, left))
        objs = _list(app, kind, args)


@guarded
def run(args: argparse.Namespace) -> int:
    app = open_app()
    if args.cli_kind is None:
        return _get_all(app, args)
    kind = BY_KIND[args.cli_kind]
    objs = _list(app, kind, args)
    if args.output != "table":
        if not objs and args.name:
            failure(_not_found(kind, args))
            return EXIT_FAILED
        _print_structured(objs, args)
        return EXIT_OK
    if args.watch:
        return _watch(app, kind, args, objs)
    if not objs:
        failure(_not_found(kind, args))
        return EXIT_FAILED
    headers, rows = _rows(kind, objs, args)
    sys.stdout.write(render_table(headers, rows, header=not args.no_header))
    sys.stdout.flush()
    return EXIT_OK
