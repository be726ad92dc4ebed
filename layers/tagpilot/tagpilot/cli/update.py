"""``tagpilot update``: apply image policy setters to a local directory, as an automation would.

Example::

    tagpilot update --path ./clusters/prod --set flux-system:app=ghcr.io/org/app:1.2.3 --dry-run

Only the standard library is imported at module level; :mod:`tagpilot.update` (and with it
ruamel.yaml) is imported inside :func:`run`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tagpilot.update.apply import UpdateOutcome
    from tagpilot.update.imageref import ImageRef

DEFAULT_NAMESPACE = "flux-system"  # the Flux CLI's default namespace
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    """Register ``tagpilot update``."""
    parser = subparsers.add_parser(
        "update",
        help="apply image policy setters ($imagepolicy markers) to local YAML files",
        description=(
            'Replace the values marked with {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"} '
            "comments, exactly as an ImageUpdateAutomation in --namespace would. Only the "
            "bytes of changed values are rewritten."
        ),
    )
    parser.add_argument("--path", required=True, help="directory (or single file) to update")
    parser.add_argument(
        "--set",
        dest="setters",
        action="append",
        default=[],
        metavar="NS:NAME=REF",
        help="latest image of policy NS/NAME; REF is name:tag or name:tag@digest (repeatable)",
    )
    parser.add_argument(
        "--namespace",
        "-n",
        default=DEFAULT_NAMESPACE,
        help=f"namespace of the automation (default {DEFAULT_NAMESPACE})",
    )
    parser.add_argument("--dry-run", action="store_true", help="print a diff, write nothing")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def parse_set(text: str) -> tuple[str, str, ImageRef]:
    """``NS:NAME=REF`` -> ``(namespace, policy, ref)``; raises ``InvalidSetterError``."""
    from tagpilot.update.errors import InvalidImageRefError, InvalidSetterError
    from tagpilot.update.imageref import parse_image_ref

    target, eq, ref = text.partition("=")
    namespace, colon, policy = target.partition(":")
    if not eq or not colon or not namespace or not policy or ":" in policy:
        raise InvalidSetterError(f"--set {text!r}: expected NS:NAME=name:tag[@digest]")
    try:
        return namespace, policy, parse_image_ref(ref)
    except InvalidImageRefError as exc:
        raise InvalidSetterError(f"--set {text!r}: {exc}") from exc


def _policies(args: argparse.Namespace) -> dict[str, ImageRef]:
    policies: dict[str, ImageRef] = {}
    for item in args.setters:
        namespace, policy, ref = parse_set(item)
        if namespace != args.namespace:
            # Flux ignores markers naming another namespace's policies; so do we.
            print(
                f"warning: --set {item!r} ignored: namespace {namespace!r} is not the "
                f"automation namespace {args.namespace!r}",
                file=sys.stderr,
            )
            continue
        policies[policy] = ref
    return policies


def _read_files(path: Path) -> tuple[list[tuple[str, bytes]], dict[str, Path]]:
    from tagpilot.update.walk import iter_local_files

    files: list[tuple[str, bytes]] = []
    where: dict[str, Path] = {}
    for rel, abs_path in iter_local_files(path, ""):
        files.append((rel, abs_path.read_bytes()))
        where[rel] = abs_path
    return files, where


def _write_atomic(path: Path, data: bytes) -> None:
    # Write through a symlink to its target (inside the tree, checked by the walk) and
    # keep the file mode; rename makes the update atomic.
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unified_diff(rel: str, old: bytes, new: bytes) -> str:
    """``git diff``-style unified diff of one file (``--- a/<rel>`` / ``+++ b/<rel>``)."""
    lines = difflib.unified_diff(
        old.decode("utf-8").splitlines(keepends=True),
        new.decode("utf-8").splitlines(keepends=True),
        fromfile=f"a/{rel}",
        tofile=f"b/{rel}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _report(args: argparse.Namespace, outcome: UpdateOutcome, originals: dict[str, bytes]) -> None:
    if args.output == "json":
        print(json.dumps(outcome.result.records(), indent=2, ensure_ascii=False))
    elif args.dry_run:
        for rel in sorted(outcome.changed):
            sys.stdout.write(unified_diff(rel, originals[rel], outcome.changed[rel]))
    else:
        for record in outcome.result.records():
            print(f"{record['file']}: {record['setter']}: {record['old']} -> {record['new']}")


def run(args: argparse.Namespace) -> int:
    """Apply the setters; 0 on success (whether or not anything changed), 2 on bad input."""
    from tagpilot.update.apply import apply_setters
    from tagpilot.update.errors import UpdateError
    from tagpilot.update.setters import setters_for_policies

    try:
        setters = setters_for_policies(args.namespace, _policies(args))
        files, where = _read_files(Path(args.path))
    except UpdateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: reading {exc.filename or args.path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        outcome = apply_setters(files, setters)
    except UpdateError as exc:  # a limit: nothing was written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for rel, reason in outcome.skipped.items():
        print(f"warning: skipped {rel}: {reason}", file=sys.stderr)
    if not args.dry_run:
        try:
            for rel, data in outcome.changed.items():
                _write_atomic(where[rel], data)
        except OSError as exc:
            print(f"error: writing {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILED
    _report(args, outcome, dict(files))
    return EXIT_OK
