"""``tagpilot apply -f FILE|DIR|-``: validate every document, then store them all."""

from __future__ import annotations

import argparse

from tagpilot.cli.common import EXIT_OK, EXIT_USAGE, error, guarded, open_app


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "apply",
        help="create or update objects from Flux manifests",
        description="Validate every document first; if any is invalid nothing is stored. "
        "Secrets go to Secrets Manager and are never printed back.",
    )
    p.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="FILE|DIR|-",
        help="manifest file, directory (walked for .yaml/.yml/.json) or - for stdin",
    )
    p.add_argument(
        "-n",
        "--namespace",
        default=None,
        help="namespace for documents that do not name one (default: 'default')",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse documents of kinds tagpilot does not handle instead of skipping them",
    )
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.api.loader import load, skip_summary
    from tagpilot.reconcile.apply import apply_documents

    docs = load(args.filename, default_namespace=args.namespace or "default", strict=args.strict)
    invalid = [line for d in docs for line in d.error_lines()]
    if invalid:
        for line in invalid:
            error(line)
        error(f"{len([d for d in docs if not d.valid])} invalid document(s); nothing was applied")
        return EXIT_USAGE
    skipped = skip_summary(docs)
    handled = [d for d in docs if d.skipped is None]
    if not handled and not skipped:
        error("no objects found in " + ", ".join(args.filename))
        return EXIT_USAGE
    if handled:
        app = open_app()
        for line in apply_documents(app, handled):
            print(line)
    for line in skipped:
        print(line)
    return EXIT_OK
