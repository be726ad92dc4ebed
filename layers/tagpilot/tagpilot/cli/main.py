"""The ``tagpilot`` console script.

Every command lives in its own module under :mod:`tagpilot.cli` and exposes two functions:

``add_parser(subparsers)``
    Adds the command's parser and sets ``func`` to its ``run``. Command modules import only the
    standard library at module level, so ``tagpilot --help`` stays fast.
``run(args) -> int``
    Does the work, importing what it needs lazily. Exit codes: 0 success, 1 a reconcile or
    object failed, 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "apply",
    "delete",
    "get",
    "suspend",
    "reconcile",
    "validate",
    "policy_test",
    "update",
    "serve",
    "local",
    "artifact",
    "events",
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tagpilot",
        description="Flux-compatible image update automation, serverless on AWS.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"tagpilot.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a one-line error, never a traceback
        detail = " ".join(str(exc).split())[:500]
        print(f"✗ internal error: {type(exc).__name__}: {detail}".rstrip(": "), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
