"""``tagpilot suspend|resume KIND NAME``, like ``flux suspend`` and ``flux resume``."""

from __future__ import annotations

import argparse

from tagpilot.cli.common import (
    EXIT_OK,
    add_kind,
    add_namespace,
    guarded,
    namespace_of,
    open_app,
    resolve_kind,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for verb, suspend in (("suspend", True), ("resume", False)):
        p = subparsers.add_parser(verb, help=f"{verb} reconciliation of an object")
        add_kind(p, name_required=True)
        add_namespace(p)
        p.set_defaults(func=run, suspend=suspend)


@guarded
def run(args: argparse.Namespace) -> int:
    kind, name = resolve_kind(args.words, name_required=True)
    assert name is not None
    app = open_app()
    app.objects.set_suspend(kind, namespace_of(args), name, args.suspend)
    verb = "suspended" if args.suspend else "resumed"
    print(f"✔ {kind} {namespace_of(args)}/{name} {verb}")
    if not args.suspend and kind not in ("Alert", "Provider"):  # static objects: nothing to wait
        from tagpilot.cli.reconcile import request_and_wait

        return request_and_wait(app, kind, namespace_of(args), name, timeout=60.0)
    return EXIT_OK
