"""``tagpilot reconcile KIND NAME``: request a reconcile now and wait for its outcome.

Like ``flux reconcile``, it records ``reconcile.fluxcd.io/requestedAt`` and waits until the object
reports it handled. In local mode the command runs the pipeline itself while it waits.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_kind,
    add_namespace,
    guarded,
    namespace_of,
    open_app,
    resolve_kind,
)

if TYPE_CHECKING:  # the CLI imports only the standard library at start-up
    from tagpilot.reconcile.app import App


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("reconcile", help="reconcile an object now and wait for the result")
    add_kind(p, name_required=True)
    add_namespace(p)
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (default 300)")
    p.set_defaults(func=run)


def request_and_wait(app: App, kind: str, namespace: str, name: str, timeout: float) -> int:
    from tagpilot.api.conditions import READY, get

    token = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    app.objects.request_reconcile(kind, namespace, name, token)
    print(f"► annotating {kind} {namespace}/{name}")
    worker = None
    if app.settings.mode == "local":
        # Run this object (and what it chains to: its policies, their automations) and no other
        # due object. If a running `serve` claimed it first, wait for that one instead.
        from tagpilot.reconcile.dispatch import dispatch_keys
        from tagpilot.runtime.local_worker import LocalWorker

        worker = LocalWorker(app)
        dispatch_keys(app, kind, [f"{namespace}/{name}"], now=app.clock(), reason="requested")
    print(f"◎ waiting for {kind} reconciliation")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker is not None:
            worker.drain()
        obj = app.objects.require(kind, namespace, name)
        if obj.status.get("lastHandledReconcileAt") == token:
            cond = get(obj.status, READY) or {}
            if cond.get("status") == "True":
                print(f"✔ {cond.get('message', 'reconciled')}")
                return EXIT_OK
            print(f"✗ {cond.get('reason', 'Failed')}: {cond.get('message', '')}", file=sys.stderr)
            return EXIT_FAILED
        time.sleep(0.2 if worker is not None else 1.0)
    print(
        f"✗ timed out after {timeout:.0f}s waiting for {kind} {namespace}/{name}", file=sys.stderr
    )
    return EXIT_FAILED


@guarded
def run(args: argparse.Namespace) -> int:
    kind, name = resolve_kind(args.words, name_required=True)
    assert name is not None
    return request_and_wait(open_app(), kind, namespace_of(args), name, args.timeout)
