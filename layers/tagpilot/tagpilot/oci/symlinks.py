"""``--resolve-symlinks`` of ``flux push|build artifact`` (flux2 ``cmd/flux/build_artifact.go``).

flux copies the path into a temporary directory, replacing every symbolic link by what it points
to (files by their content, directories by a recursive copy), then archives the copy; so trees of
links whose targets live elsewhere (Nix store outputs, for instance) can be pushed. A link back to
a directory being copied (a cycle) leaves an empty directory, as in flux; a dangling link is an
error. Modes are the targets' (the process umask applies, as for Go's ``os.OpenFile``); the copy's
root directory is the temporary directory itself (mode 0700), as in flux.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from tagpilot.errors import TagpilotError


class SymlinkError(TagpilotError):
    """A link that cannot be resolved (dangling, unreadable)."""


def resolve_symlinks(path: Path) -> tuple[Path, Path]:
    """A dereferenced copy of ``path``: ``(path to archive, temporary directory to remove)``."""
    source = Path(os.path.abspath(path))
    tmp = Path(tempfile.mkdtemp(prefix="flux-artifact-"))
    try:
        if not source.is_dir():
            dest = tmp / source.name
            _copy_file(_real(source), dest)
            return dest, tmp
        _copy_dir(source, tmp, set())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp, tmp


def _real(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        raise SymlinkError(f"resolving symlink {path}: {exc.strerror or exc}") from None


def _copy_dir(source: Path, dest: Path, visiting: set[Path]) -> None:
    real = _real(source)
    if real in visiting:
        return  # a cycle: flux leaves the directory empty
    visiting.add(real)
    try:
        for name in sorted(os.listdir(source)):
            child, target = source / name, dest / name
            resolved = _real(child)
            mode = resolved.stat().st_mode
            if stat.S_ISDIR(mode):
                os.makedirs(target, mode=stat.S_IMODE(mode), exist_ok=True)
                _copy_dir(resolved, target, visiting)
            elif stat.S_ISREG(mode):
                _copy_file(resolved, target)
    finally:
        visiting.discard(real)


def _copy_file(source: Path, dest: Path) -> None:
    mode = stat.S_IMODE(source.stat().st_mode)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out)
