"""``tagpilot local up|down|status``: DynamoDB Local and the Secrets Manager endpoint."""

from __future__ import annotations

import argparse

from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, guarded


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "local",
        help="start, stop or inspect the local stack",
        description="The local stack keeps running, and its data persists on disk under "
        "$TAGPILOT_HOME (default ~/.tagpilot), until 'tagpilot local down'. "
        "Commands start it when they need it.",
    )
    p.add_argument("action", choices=("up", "down", "status"))
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.config import load_settings
    from tagpilot.local import stack

    settings = load_settings()
    if args.action == "up":
        s = stack.ensure_running(settings.home)
        from tagpilot.runtime.app import build_app

        build_app(settings)  # creates the tables
        print(
            f"✔ local stack running (pid {s.pid}): DynamoDB Local {s.dynamodb_endpoint}, "
            f"Secrets Manager {s.secrets_endpoint}; data in {settings.home}"
        )
        return EXIT_OK
    if args.action == "down":
        stopped = stack.stop(settings.home)
        print("✔ local stack stopped" if stopped else "local stack was not running")
        return EXIT_OK
    state = stack.read_state(settings.home)
    if state is None:
        print("local stack is not running")
        return EXIT_FAILED
    print(
        f"local stack running (pid {state.pid}): DynamoDB Local {state.dynamodb_endpoint}, "
        f"Secrets Manager {state.secrets_endpoint}; data in {settings.home}"
    )
    return EXIT_OK
