"""``tagpilot completion bash|zsh|fish``: the shell's completion script, from argcomplete.

Load it with ``. <(tagpilot completion bash)`` (zsh: ``source <(tagpilot completion zsh)``; fish:
``tagpilot completion fish | source``). Completion then runs ``tagpilot`` itself, which answers
from its argument parser (every verb, kind and flag) and exits before doing any work.
"""

from __future__ import annotations

import argparse
import sys

from tagpilot.cli.common import EXIT_OK, guarded


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("completion", help="print the shell completion script")
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from argcomplete import shell_integration

    sys.stdout.write(shell_integration.shellcode(["tagpilot"], shell=args.shell))
    return EXIT_OK
