"""``tagpilot reconcile KIND NAME``: request a reconcile now and wait for its outcome, as flux does.

It records ``reconcile.fluxcd.io/requestedAt`` and waits until the object reports the request
handled (``status.lastHandledReconcileAt``), then prints the outcome. A suspended object fails at
once (``resource is suspended``). The wait always ends within ``--timeout`` (``context deadline
exceeded``): the work runs in a background thread that the command never waits for past its
deadline.

Who does the work: in local mode the command runs this object and what it chains to (its
policies, their automations), no other due object, while it waits; in AWS mode
the deployed functions do, through the table's stream. GitRepository and Receiver are reconciled by
the command itself in both modes (one ``ls-remote``, or one secret read), since no function
schedules them.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime
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

#: Kinds the CLI reconciles in-process in every mode (no function schedules them).
IN_PROCESS_KINDS = ("GitRepository", "Receiver")


def _leaf(p: argparse.ArgumentParser, kind: CliKind) -> None:
    p.add_argument("name", nargs="?", metavar="NAME")
    if kind.source_ref is not None:
        p.add_argument(
            "--with-source",
            action="store_true",
            help="reconcile the referenced source first (tagpilot addition for this kind)",
        )
    p.set_defaults(func=run)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "reconcile",
        help="reconcile an object now and wait for the result",
        description="Like flux reconcile. Example: tagpilot reconcile image repository podinfo "
        "--timeout 2m",
    )
    add_kind_tree(p, [k for k in KINDS if k.reconcilable], _leaf)


def new_token() -> str:
    """``reconcile.fluxcd.io/requestedAt``: the current time, RFC 3339 with nanoseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


class _Driver:
    """Does the reconcile work in the background while the command polls (local or in-process)."""

    def __init__(self, app: Any, kind: str, namespace: str, name: str) -> None:
        self.app, self.kind, self.namespace, self.name = app, kind, namespace, name
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="reconcile")

    def start(self) -> _Driver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        try:
            if self.kind in IN_PROCESS_KINDS:
                from tagpilot.reconcile import runner
                from tagpilot.store.queues import WorkItem

                runner.run(self.app, WorkItem(self.kind, self.namespace, self.name, "cli"))
                return
            from tagpilot.reconcile.dispatch import dispatch_keys
            from tagpilot.runtime.local_worker import LocalWorker

            # Run this object (and what it chains to: its policies, their automations) and no
            # other due object. If a running `serve` claimed it first, wait for that one instead.
            worker = LocalWorker(self.app)
            key = f"{self.namespace}/{self.name}"
            dispatch_keys(self.app, self.kind, [key], now=self.app.clock(), reason="requested")
            while not self._stop.is_set():
                worker.drain()
                self._stop.wait(0.2)
        except Exception as exc:  # noqa: BLE001 - reported by the waiting command, never lost
            self.error = exc


def wait_handled(
    app: Any, kind: str, namespace: str, name: str, token: str, deadline: float
) -> Any | None:
    """Poll until the object handled ``token``; the object, or ``None`` at the deadline."""
    driver = None
    if kind in IN_PROCESS_KINDS or app.settings.mode == "local":
        driver = _Driver(app, kind, namespace, name).start()
    period = 0.2 if driver is not None else 2.0
    try:
        while True:
            obj = app.objects.get(kind, namespace, name)
            if obj is None:
                return None
            if obj.status.get("lastHandledReconcileAt") == token:
                return obj
            if driver is not None and driver.error is not None:
                raise driver.error
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(period, left))
    finally:
        if driver is not None:
            driver.stop()


def outcome(kind: CliKind, obj: Any) -> tuple[bool, str]:
    """``(ok, line)`` from the Ready condition, with flux's messages."""
    ready = next((c for c in obj.status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None:
        return False, "status can't be determined"
    if ready.get("status") == "True":
        return True, kind.ready_line(obj) if kind.ready_line else "ready"
    return False, str(ready.get("message", ""))


def reconcile_one(app: Any, kind: CliKind, namespace: str, name: str, deadline: float) -> int:
    """flux's ``reconcile`` steps and messages for one object."""
    obj = app.objects.get(kind.kind, namespace, name)
    if obj is None:
        failure(f'{kind.plural} "{name}" not found')
        return EXIT_FAILED
    if obj.spec.get("suspend") is True:
        failure("resource is suspended")
        return EXIT_FAILED
    action(f"annotating {kind.kind} {name} in {namespace} namespace")
    token = new_token()
    app.objects.request_reconcile(kind.kind, namespace, name, token)
    success(f"{kind.kind} annotated")
    waiting(f"waiting for {kind.kind} reconciliation")
    done = wait_handled(app, kind.kind, namespace, name, token, deadline)
    if done is None:
        failure("context deadline exceeded")
        return EXIT_FAILED
    ok, text = outcome(kind, done)
    if ok:
        success(text)
        return EXIT_OK
    failure(f"{kind.kind} reconciliation failed: '{text}'")
    return EXIT_FAILED


@guarded
def run(args: argparse.Namespace) -> int:
    kind = BY_KIND[args.cli_kind]
    if not args.name:
        failure(f"{kind.kind} name is required")
        return EXIT_FAILED
    app = open_app()
    ns = namespace_of(args)
    deadline = time.monotonic() + timeout_of(args)
    if getattr(args, "with_source", False) and kind.source_ref is not None:
        obj = app.objects.get(kind.kind, ns, args.name)
        ref = kind.source_ref(obj) if obj is not None else None
        if ref is not None and ref[0] in BY_KIND:
            code = reconcile_one(app, BY_KIND[ref[0]], ref[1], ref[2], deadline)
            if code != EXIT_OK:
                return code
    return reconcile_one(app, kind, ns, args.name, deadline)


def request_and_wait(app: Any, kind: str, namespace: str, name: str, timeout: float) -> int:
    """Reconcile ``kind``/``name`` with flux's messages (kept for callers outside the CLI)."""
    return reconcile_one(app, BY_KIND[kind], namespace, name, time.monotonic() + timeout)
