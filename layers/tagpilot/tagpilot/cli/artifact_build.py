"""``tagpilot build artifact`` and ``tagpilot diff artifact``: flux's local artifact verbs
(flux2 ``cmd/flux/build_artifact.go``, ``diff_artifact.go``; reference flux-oci §8.4, §8.8).

``build artifact`` writes the tarball ``push artifact`` would upload. ``diff artifact`` compares a
local path with layer 0 of a remote artifact. flux compares the SHA-256 and size of the gzip
bytes, which a Python build can never reproduce for a Go-built artifact (another deflate), so
tagpilot compares what the tarballs hold: entry names, types, permission bits and file contents.
Same messages and exit status as flux: ``✔ no changes detected``, or the error
``the remote artifact contents differs from the local one``.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tagpilot.cli.artifact import _client_and_auth, _common, _csv, _failures, _say, _url, _word
from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, CliError, guarded


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    build = subparsers.add_parser("build", help="build a Flux OCI artifact tarball locally")
    _word(build, "artifact")
    build.add_argument("-p", "--path", default="", help="directory or file to build from, or -")
    build.add_argument("-o", "--output", default="artifact.tgz", help="the tgz file to write")
    build.add_argument("--ignore-paths", default=None, help="comma-separated gitignore patterns")
    build.add_argument(
        "--resolve-symlinks", action="store_true", help="copy the targets of symlinks"
    )
    build.set_defaults(func=run_build)

    diff = subparsers.add_parser("diff", help="compare a local path with a remote OCI artifact")
    _word(diff, "artifact")
    diff.add_argument("--path", default="", help="directory or file to compare")
    diff.add_argument("--ignore-paths", default=None, help="comma-separated gitignore patterns")
    _common(diff)
    diff.set_defaults(func=run_diff)


@contextlib.contextmanager
def source_path(text: str, resolve: bool) -> Iterator[Path]:
    """The path to archive: ``-`` is stdin saved to a file, ``resolve`` dereferences links."""
    import tempfile

    from tagpilot.oci.symlinks import SymlinkError, resolve_symlinks

    cleanup: list[Path] = []
    try:
        path = Path(text)
        if text == "-":
            folder = Path(tempfile.mkdtemp())
            cleanup.append(folder)
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".yaml", delete=False) as f:
                f.write(sys.stdin.buffer.read().rstrip(b"\r\n"))
            path = Path(f.name)
        if not path.exists():
            raise CliError(f"invalid path '{text}', must point to an existing directory or file")
        if resolve:
            try:
                path, tmp = resolve_symlinks(path)
            except (SymlinkError, OSError) as exc:
                raise CliError(f"resolving symlinks failed: {exc}") from None
            cleanup.append(tmp)
        yield path
    finally:
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


def _rules(ignore_paths: str | None) -> Any:
    from tagpilot.oci.layout import ignore_rules

    return ignore_rules(None if ignore_paths is None else _csv(ignore_paths), [])


@guarded
def run_build(args: argparse.Namespace) -> int:
    from tagpilot.oci.layout import build_tarball

    if not args.path:
        raise CliError('invalid path ""')
    with source_path(args.path, args.resolve_symlinks) as path:
        _say("►", f"building artifact from {path}")
        try:
            with open(args.output, "wb") as out:
                build_tarball(path, _rules(args.ignore_paths), out)
        except OSError as exc:
            _say("✗", f"building artifact failed, error: {exc}")
            return EXIT_FAILED
    _say("✔", f"artifact created at {args.output}")
    return EXIT_OK


@guarded
def run_diff(args: argparse.Namespace) -> int:
    from tagpilot.artifact.operations import same_content

    target = _url(args, "artifact URL is required")
    if not args.path:
        raise CliError('invalid path ""')
    with source_path(args.path, False) as path:
        client, auth = _client_and_auth(args, target.name.registry)
        try:
            same = same_content(
                client,
                target,
                path,
                rules=_rules(args.ignore_paths),
                auth=auth,
                timeout=args.timeout,
            )
        except _failures() as exc:
            _say("✗", str(exc))
            return EXIT_FAILED
    if not same:
        _say("✗", "the remote artifact contents differs from the local one")
        return EXIT_FAILED
    _say("✔", "no changes detected")
    return EXIT_OK
