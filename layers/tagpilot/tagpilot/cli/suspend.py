"""``tagpilot suspend|resume KIND NAME... [--all] [--wait]``, as ``flux suspend``/``flux resume``.

Messages, exit codes and quirks are flux's: names not found are reported and skipped (exit 0);
``resume`` waits for the objects' reconciliation with ``--wait``, or by default when exactly one
NAME is given; waits of several objects run in parallel and are reported sorted by name.
"""

from __future__ import annotations

import argparse
import functools
import threading
import time
from typing import Any

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    guarded,
    namespace_of,
    open_app,
    timeout_of,
)
from tagpilot.cli.kinds import BY_KIND, KINDS, CliKind
from tagpilot.cli.output import action, failure, success, waiting
from tagpilot.cli.verbs import add_kind_tree

_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


class _WaitFlag(argparse.Action):
    """``--wait``, ``--wait=false`` (Go's bool literals); ``--wait NAME`` keeps NAME a name."""

    def __call__(self, parser: Any, namespace: Any, value: Any, option: Any = None) -> None:
        if value is None or value in _TRUE:
            namespace.wait = True
        elif value in _FALSE:
            namespace.wait = False
        else:
            namespace.wait = True
            namespace.extra_names = [*getattr(namespace, "extra_names", []), value]


def _leaf(p: argparse.ArgumentParser, kind: CliKind, *, resume: bool) -> None:
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help=f"{'resume' if resume else 'suspend'} all")
    if resume:
        p.add_argument(
            "--wait",
            nargs="?",
            default=None,
            action=_WaitFlag,
            help="wait for the objects to become ready (default with exactly one NAME); "
            "--wait=false never waits",
        )
    p.set_defaults(func=run, suspend=not resume)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for verb, resume in (("suspend", False), ("resume", True)):
        p = subparsers.add_parser(
            verb,
            help=f"{verb} reconciliation of objects",
            description=f"Like flux {verb}. Example: tagpilot {verb} image repository app web; "
            f"tagpilot {verb} image update --all",
        )
        kinds = [k for k in KINDS if k.suspendable]
        add_kind_tree(p, kinds, functools.partial(_leaf, resume=resume))


def _targets(app: Any, kind: CliKind, ns: str, args: argparse.Namespace) -> list[str] | None:
    if args.all:
        return sorted(o.name for o in app.objects.list(kind.kind, ns))
    return list(dict.fromkeys(args.names))  # duplicates ignored, order kept


def _wait_all(app: Any, kind: CliKind, ns: str, names: list[str], deadline: float) -> int:
    from tagpilot.cli.reconcile import new_token, outcome, wait_handled

    results: dict[str, tuple[bool, list[str]]] = {}

    def one(name: str, token: str) -> None:
        try:
            obj = wait_handled(app, kind.kind, ns, name, token, deadline)
        except Exception as exc:  # noqa: BLE001 - reported per object below
            results[name] = (False, [f"{kind.kind} {name} reconciliation failed: {exc}"])
            return
        if obj is None:
            results[name] = (
                False,
                [f"{kind.kind} {name} reconciliation failed: context deadline exceeded"],
            )
            return
        ok, text = outcome(kind, obj)
        if ok:
            results[name] = (True, [f"{kind.kind} {name} reconciliation completed", text])
        else:
            results[name] = (False, [f"{kind.kind} {name} reconciliation failed: {text}"])

    threads = []
    for name in names:
        token = new_token()
        app.objects.request_reconcile(kind.kind, ns, name, token)
        waiting(f"waiting for {kind.kind} reconciliation")
        t = threading.Thread(target=one, args=(name, token), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1.0)
    failed = 0
    for name in sorted(names):
        ok, lines = results.get(
            name, (False, [f"{kind.kind} {name} reconciliation failed: context deadline exceeded"])
        )
        for text in lines:
            (success if ok else failure)(text)
        failed += not ok
    if failed:
        failure(f"reconciliation failed for {failed} {kind.kind}(s)")
        return EXIT_FAILED
    return EXIT_OK


@guarded
def run(args: argparse.Namespace) -> int:
    kind = BY_KIND[args.cli_kind]
    args.names = [*args.names, *getattr(args, "extra_names", [])]
    if not args.names and not args.all:
        failure(f"{kind.human} name is required")
        return EXIT_FAILED
    app = open_app()
    ns = namespace_of(args)
    deadline = time.monotonic() + timeout_of(args)
    names = _targets(app, kind, ns, args) or []
    if args.all and not names:
        failure(
            "no objects found"
            if args.suspend
            else f"no {kind.kind} objects found in {ns} namespace"
        )
        return EXIT_FAILED if args.suspend else EXIT_OK
    verb = "suspend" if args.suspend else "resum"
    done: list[str] = []
    for name in names:
        if app.objects.get(kind.kind, ns, name) is None:
            if args.suspend:
                failure(f"{kind.kind} {name} not found in {ns} namespace")
            else:
                failure(
                    f"{kind.kind} object '{args.names[0] if args.names else name}' "
                    f"not found in {ns} namespace"
                )
            continue
        action(f"{verb}ing {kind.human} {name} in {ns} namespace")
        try:
            app.objects.set_suspend(kind.kind, ns, name, args.suspend)
        except Exception as exc:  # noqa: BLE001 - flux reports and goes on
            failure(f"failed {verb}ing {kind.kind} {name} in {ns} namespace: {exc}")
            continue
        success(f"{kind.human} {verb}ed")
        done.append(name)
    if args.suspend or not done:
        return EXIT_OK
    wait = getattr(args, "wait", None)
    if wait is None:
        wait = len(args.names) == 1 and not args.all
    if not wait:
        return EXIT_OK
    if not kind.reconcilable:
        return _static_ready(kind, done)
    return _wait_all(app, kind, ns, done, deadline)


def _static_ready(kind: CliKind, names: list[str]) -> int:
    """Alerts and Providers have no reconciler: flux's wait ends at once, with its lines."""
    for _name in names:
        waiting(f"waiting for {kind.kind} reconciliation")
    for name in sorted(names):
        success(f"{kind.kind} {name} reconciliation completed")
        success(f"{kind.kind} reconciliation completed")
    return EXIT_OK
