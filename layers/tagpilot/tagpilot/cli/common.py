"""Helpers shared by the CLI commands (stdlib only at import time)."""

from __future__ import annotations

import argparse
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A usage or input problem: printed as ``error: ...`` with exit code 2."""


def namespace_of(args: argparse.Namespace) -> str:
    """``-n``, else ``$FLUX_SYSTEM_NAMESPACE`` when it is a DNS label, else ``flux-system``."""
    import os
    import re

    given = getattr(args, "namespace", None)
    if given:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", given):
            raise CliError(f'namespace must be a valid DNS label: "{given}"')
        return str(given)
    env = os.environ.get("FLUX_SYSTEM_NAMESPACE", "")
    if re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", env):
        return env
    return "flux-system"


DEFAULT_TIMEOUT = 300.0


def global_flags() -> argparse.ArgumentParser:
    """flux's persistent flags, accepted before or after the sub-command words."""
    from tagpilot.cli.timefmt import go_duration

    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-n",
        "--namespace",
        default=argparse.SUPPRESS,
        help="the namespace scope for this operation (default: $FLUX_SYSTEM_NAMESPACE "
        "or flux-system)",
    )
    parent.add_argument(
        "--timeout",
        type=go_duration,
        default=argparse.SUPPRESS,
        metavar="DURATION",
        help="timeout for this operation, a Go duration such as 30s, 5m, 1h30m (default 5m0s)",
    )
    parent.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS, help="print generated objects"
    )
    return parent


def timeout_of(args: argparse.Namespace) -> float:
    return float(getattr(args, "timeout", DEFAULT_TIMEOUT))


def error(message: str) -> None:
    from tagpilot.cli.output import failure

    failure(message)


def open_app() -> Any:
    """Build the adapters for this machine: the deployed stack or the local one."""
    from tagpilot.config import load_settings
    from tagpilot.runtime.app import build_app

    return build_app(load_settings())


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    for row in [headers, *rows]:
        print("\t".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def guarded(func: Any) -> Any:
    """Run a command body, mapping tagpilot's typed errors to messages and exit codes."""

    def run(args: argparse.Namespace) -> int:
        from tagpilot.api.errors import ManifestError
        from tagpilot.errors import TagpilotError

        try:
            return int(func(args))
        except CliError as exc:
            error(str(exc))
            return EXIT_USAGE
        except ManifestError as exc:
            error(str(exc))
            return EXIT_USAGE
        except TagpilotError as exc:
            error(str(exc))
            return EXIT_FAILED

    run.__name__ = getattr(func, "__name__", "run")
    return run
