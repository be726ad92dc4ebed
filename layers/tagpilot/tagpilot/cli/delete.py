"""``tagpilot delete KIND NAME [-s]`` as ``flux delete`` (asks first), or ``delete -f FILE``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    global_flags,
    guarded,
    namespace_of,
    open_app,
)
from tagpilot.cli.kinds import BY_KIND, KINDS, CliKind
from tagpilot.cli.output import action, failure, success, use_colour
from tagpilot.cli.verbs import add_kind_tree


def _leaf(p: argparse.ArgumentParser, _kind: CliKind) -> None:
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("-s", "--silent", action="store_true", help="delete without asking")
    p.set_defaults(func=run)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "delete",
        help="delete objects (and their stored tags)",
        description="Like flux delete: asks for confirmation unless -s/--silent. "
        "'tagpilot delete -f FILE' deletes every object (and Secret) of the manifests.",
        parents=[global_flags()],
    )
    p.add_argument(
        "-f", "--filename", action="append", metavar="FILE|DIR|-", help="delete these manifests"
    )
    p.set_defaults(func=run_files)
    add_kind_tree(p, KINDS, _leaf, required=False)


def confirm(question: str) -> bool:
    """flux's prompt on stdout: only ``y``/``Y`` confirms; anything else or EOF declines."""
    prompt = f"? {question} [y/N] "
    if use_colour(sys.stdout):
        prompt = f"\033[32m?\033[0m \033[1m{question}\033[0m [y/N] "
    sys.stdout.write(prompt)
    sys.stdout.flush()
    answer = sys.stdin.readline()
    return answer.strip() in ("y", "Y")


def _delete(app: Any, kind: str, namespace: str, name: str) -> bool:
    if kind == "Secret":
        return bool(app.secrets.delete(namespace, name))
    found = bool(app.objects.delete(kind, namespace, name))
    if found and kind == "ImageRepository":
        app.tags.delete(f"{namespace}/{name}")
    if found and kind == "OCIRepository":
        from tagpilot.reconcile.ocirepository import delete_artifacts

        delete_artifacts(app, namespace, name)
    return found


@guarded
def run(args: argparse.Namespace) -> int:
    kind = BY_KIND[args.cli_kind]
    if not args.name:
        failure(f"{kind.human} name is required")
        return EXIT_FAILED
    app = open_app()
    ns = namespace_of(args)
    if app.objects.get(kind.kind, ns, args.name) is None:
        failure(f'{kind.plural} "{args.name}" not found')
        return EXIT_FAILED
    if not args.silent and not confirm(f"Are you sure you want to delete this {kind.human}?"):
        failure("aborting")
        return EXIT_FAILED
    action(f"deleting {kind.human} {args.name} in {ns} namespace")
    _delete(app, kind.kind, ns, args.name)
    success(f"{kind.human} deleted")
    return EXIT_OK


@guarded
def run_files(args: argparse.Namespace) -> int:
    from tagpilot.api.loader import load

    if not args.filename:
        raise CliError("give KIND NAME or -f FILE")
    docs = load(args.filename, default_namespace=getattr(args, "namespace", None) or "default")
    targets = [d for d in docs if d.kind and d.name and d.skipped is None]
    if not targets:
        raise CliError("no objects found in " + ", ".join(args.filename))
    app = open_app()
    missing = 0
    for d in targets:
        where = f"{d.namespace}/{d.name}" if d.kind != "Namespace" else d.name
        if _delete(app, d.kind, "" if d.kind == "Namespace" else d.namespace, d.name):
            print(f"{d.kind}/{where} deleted")
        else:
            missing += 1
            print(f"{d.kind}/{where} not found")
    return EXIT_FAILED if missing else EXIT_OK
