"""``tagpilot version [--client] [-o yaml|json]``, shaped like ``flux version``."""

from __future__ import annotations

import argparse
import json

from tagpilot.cli.common import EXIT_OK, CliError, guarded

#: The flux CLI release whose commands, flags and output tagpilot's CLI follows.
FLUX_COMPATIBLE = "v2.9.0"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("version", help="print the tagpilot version")
    p.add_argument("--client", action="store_true", help="print only the CLI version")
    p.add_argument("-o", "--output", default="yaml", help="yaml or json")
    p.set_defaults(func=run)


def client_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "v" + version("tagpilot")
    except PackageNotFoundError:
        return "v0.0.0-dev"


@guarded
def run(args: argparse.Namespace) -> int:
    if args.output not in ("yaml", "json"):
        raise CliError(f"--output must be json or yaml, not {args.output}")
    info = {"tagpilot": client_version(), "flux-cli-compatible": FLUX_COMPATIBLE}
    if not args.client:
        from tagpilot.config import load_settings

        settings = load_settings()
        info["mode"] = settings.mode
        if settings.mode == "aws":
            info["stage"] = settings.stage
    if args.output == "json":
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return EXIT_OK
