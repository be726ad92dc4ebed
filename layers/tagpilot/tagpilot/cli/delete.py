"""``tagpilot delete KIND NAME`` or ``tagpilot delete -f FILE``."""

from __future__ import annotations

import argparse

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    guarded,
    namespace_of,
    open_app,
    resolve_kind,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("delete", help="delete objects (and their stored tags or secrets)")
    p.add_argument("words", nargs="*", metavar="KIND NAME")
    p.add_argument("-f", "--filename", action="append", metavar="FILE|DIR|-")
    p.add_argument("-n", "--namespace", default=None)
    p.set_defaults(func=run)


def _delete(app: object, kind: str, namespace: str, name: str) -> str:
    if kind == "Secret":
        found = app.secrets.delete(namespace, name)  # type: ignore[attr-defined]
    else:
        found = app.objects.delete(kind, namespace, name)  # type: ignore[attr-defined]
        if found and kind == "ImageRepository":
            app.tags.delete(f"{namespace}/{name}")  # type: ignore[attr-defined]
        if found and kind == "OCIRepository":
            from tagpilot.reconcile.ocirepository import delete_artifacts

            delete_artifacts(app, namespace, name)
    where = f"{namespace}/{name}" if namespace else name
    return f"{kind}/{where} {'deleted' if found else 'not found'}"


@guarded
def run(args: argparse.Namespace) -> int:
    if bool(args.words) == bool(args.filename):
        raise CliError("give either KIND NAME or -f FILE")
    app = open_app()
    if args.filename:
        from tagpilot.api.loader import load

        docs = load(args.filename, default_namespace=args.namespace or "default")
        lines = [_delete(app, d.kind, d.namespace, d.name) for d in docs if d.kind and d.name]
    else:
        kind, name = resolve_kind(args.words, name_required=True)
        assert name is not None
        ns = "" if kind == "Namespace" else namespace_of(args)
        lines = [_delete(app, kind, ns, name)]
    for line in lines:
        print(line)
    return EXIT_OK if all(line.endswith("deleted") for line in lines) else EXIT_FAILED
