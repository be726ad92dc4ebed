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
from typing import Any

from tagpilot.errors import TagpilotError

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "apply",
    "create",
    "delete",
    "export",
    "get",
    "suspend",
    "reconcile",
    "tree",
    "validate",
    "policy_test",
    "update",
    "migrate",
    "serve",
    "local",
    "artifact",
    "artifact_build",
    "events",
    "version",
    "completion",
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _Sink:
    """Swallows the parser-building calls of commands that were not invoked."""

    def __getattr__(self, _name: str) -> Any:
        return lambda *_a, **_k: self


class _Stubs:
    """Sub-parsers that keep only a command's name, aliases and help (for ``--help``)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        keep = {k: v for k, v in kwargs.items() if k in ("help", "aliases", "description")}
        self._real.add_parser(name, add_help=False, **keep)
        return _Sink()


_GLOBAL_WITH_VALUE = ("-n", "--namespace", "--timeout")


def invoked_command(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (``get`` in ``-n x get images all``), if any."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``argv`` only the invoked command's full sub-tree.

    Building every verb's kind tree costs more than the rest of ``--help``; the others get a
    stub that still lists them in the help.
    """
    from tagpilot.cli.common import global_flags

    parser = _Parser(
        prog="tagpilot",
        description="Flux-compatible image update automation, serverless on AWS.",
        parents=[global_flags()],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = invoked_command(argv) if argv is not None else None
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"tagpilot.cli.{name}")
        before = set(subparsers.choices)
        if argv is None:
            module.add_parser(subparsers)
            continue
        module.add_parser(_Stubs(subparsers))
        added = set(subparsers.choices) - before
        if wanted in added:
            for word in added:  # rebuild this module's commands in full
                del subparsers.choices[word]
            subparsers._choices_actions = [
                a for a in subparsers._choices_actions if a.dest not in added
            ]
            module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import os

    complete = "_ARGCOMPLETE" in os.environ
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(None if complete else argv)
    if complete:  # a shell asking for completions (see `tagpilot completion`)
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(func(args))
    except KeyboardInterrupt:
        return 130
    except TagpilotError as exc:  # typed: its message is the whole story
        print(f"✗ {' '.join(str(exc).split())[:500]}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a one-line error, never a traceback
        detail = " ".join(str(exc).split())[:500]
        print(f"✗ internal error: {type(exc).__name__}: {detail}".rstrip(": "), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
