"""Which files of a local checkout the setters look at (IAC ``ScreeningLocalReader``).

``filepath.Walk`` semantics: depth-first, entries of each directory in byte order of their
names, symlinked directories not followed, dot-directories walked, symlinked files read
through the link, dangling links skipped. tagpilot additionally skips a symlink whose target
lies outside the checkout, so a repository cannot make the automation read host files.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from pathlib import Path

from tagpilot.update.errors import UpdatePathError

_MAX_SYMLINKS = 255  # filepath-securejoin's maxSymlinkLimit


def is_candidate_name(name: str) -> bool:
    """``.yaml``/``.yml`` (case-sensitive) or exactly ``Kustomization``.

    Examples
    --------
    >>> [is_candidate_name(n) for n in ("a.yml", "a.YAML", "Kustomization", "kustomization")]
    [True, False, True, False]
    """
    return name.endswith((".yaml", ".yml")) or name == "Kustomization"


def secure_join(root: Path, unsafe_path: str, *, must_exist: bool = True) -> Path:
    """Join ``unsafe_path`` to ``root`` like Go's ``securejoin.SecureJoin``.

    ``..`` never climbs above ``root``, a leading ``/`` means the root, and symlinks met on
    the way are expanded as if ``root`` were ``/``.

    Parameters
    ----------
    root : Path
        The checkout.
    unsafe_path : str
        ``spec.update.path`` (``""`` means the root).
    must_exist : bool
        Raise when the joined path does not exist (Flux: ``UpdateFailed``).

    Raises
    ------
    UpdatePathError
        Missing path, or a symlink loop.

    Examples
    --------
    >>> str(secure_join(Path("/repo"), "../../etc", must_exist=False))
    '/repo/etc'
    """
    current = ""
    remaining = unsafe_path
    links = 0
    while remaining:
        part, _, remaining = remaining.partition("/")
        next_path = posixpath.normpath(posixpath.join("/", current, part))
        if next_path == "/":
            current = ""
            continue
        full = str(root) + next_path
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
        except FileNotFoundError:
            is_link = False
        except NotADirectoryError:
            is_link = False
        if not is_link:
            current = next_path
            continue
        links += 1
        if links > _MAX_SYMLINKS:
            raise UpdatePathError(f"update path {unsafe_path!r}: too many levels of symlinks")
        dest = os.readlink(full)
        remaining = dest + "/" + remaining
        if dest.startswith("/"):
            current = ""
    joined = Path(os.path.join(root, posixpath.normpath(posixpath.join("/", current)).lstrip("/")))
    if must_exist and not joined.exists():
        raise UpdatePathError(f"update path {unsafe_path!r} does not exist in the checkout")
    return joined


def _inside(path: str, root_real: str) -> bool:
    return path == root_real or path.startswith(root_real.rstrip(os.sep) + os.sep)


def iter_local_files(root: Path, update_path: str) -> Iterator[tuple[str, Path]]:
    """Candidate files under ``update_path`` in walk order.

    Parameters
    ----------
    root : Path
        The checkout.
    update_path : str
        ``spec.update.path``; a directory or a single file.

    Yields
    ------
    tuple[str, Path]
        Path relative to ``update_path`` (``/``-separated; the base name when
        ``update_path`` is a file) and the absolute path to read.

    Raises
    ------
    UpdatePathError
        When ``update_path`` does not exist.
    """
    base = secure_join(root, update_path)
    root_real = os.path.realpath(root)
    if base.is_dir():
        yield from _walk_dir(base, "", root_real)
    else:
        yield from _candidate(base, base.name, root_real)


def _walk_dir(directory: Path, rel: str, root_real: str) -> Iterator[tuple[str, Path]]:
    for name in sorted(os.listdir(directory), key=os.fsencode):
        path = directory / name
        rel_path = f"{rel}{name}"
        if stat.S_ISDIR(os.lstat(path).st_mode):
            yield from _walk_dir(path, rel_path + "/", root_real)
        else:
            yield from _candidate(path, rel_path, root_real)


def _candidate(path: Path, rel: str, root_real: str) -> Iterator[tuple[str, Path]]:
    if not is_candidate_name(path.name):
        return
    if path.is_symlink():
        target = os.path.realpath(path)
        if not (os.path.isfile(target) and _inside(target, root_real)):
            return  # dangling, a directory, or outside the checkout
    yield rel, path
