"""``tagpilot validate -f PATH [-o json]``: check manifests without storing anything."""

from __future__ import annotations

import argparse
import json

from tagpilot.cli.common import EXIT_OK, EXIT_USAGE, guarded


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "validate",
        help="check manifests without storing them",
        description="Exit 0 when every document is valid, 2 otherwise.",
    )
    p.add_argument("-f", "--filename", action="append", required=True, metavar="FILE|DIR|-")
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse documents of kinds tagpilot does not handle instead of skipping them",
    )
    p.set_defaults(func=run)


def _canonical(doc: object) -> str | None:
    from tagpilot.registry.errors import ImageURLInvalidError
    from tagpilot.registry.names import parse_image_reference

    spec = getattr(doc, "raw_spec", None)
    if getattr(doc, "kind", "") != "ImageRepository" or not isinstance(spec, dict):
        return None
    try:
        return parse_image_reference(str(spec.get("image", ""))).canonical
    except ImageURLInvalidError:
        return None


@guarded
def run(args: argparse.Namespace) -> int:
    from tagpilot.api.loader import load, skip_summary

    docs = load(args.filename, default_namespace=args.namespace or "default", strict=args.strict)
    if args.output == "json":
        report = [
            {
                "kind": d.kind,
                "namespace": d.namespace,
                "name": d.name,
                "valid": d.valid,
                "skipped": d.skipped,
                "errors": [str(e) for e in d.errors],
                "canonicalImageName": _canonical(d),
            }
            for d in docs
        ]
        print(json.dumps(report, indent=2))
    else:
        for d in docs:
            if d.valid and d.skipped is None:
                print(f"✔ {d.describe()}")
            for line in d.error_lines():
                print(f"✗ {line}")
        for line in skip_summary(docs):
            print(line)
    return EXIT_OK if all(d.valid for d in docs) else EXIT_USAGE
