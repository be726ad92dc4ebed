"""Which files of a local checkout the setters look at (IAC ``ScreeningLocalReader``).

The walk is :func:`tagpilot.golang.filepath.walk`, the one the automation uses on Git trees:
depth-first, entries of each directory in byte order of their names, dot-directories walked,
symbolic links never followed (to files or directories). ``spec.update.path`` itself is joined
like Go's ``securejoin`` (:func:`secure_join`).
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from pathlib import Path

from tagpilot.golang.filepath import Kind, walk
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
    if base.is_dir():
        yield from walk(_list_dir, base, is_candidate_name)
    elif is_candidate_name(base.name):
        yield base.name, base


def _list_dir(directory: Path) -> Iterator[tuple[bytes, Kind, Path]]:
    for name in os.listdir(directory):
        path = directory / name
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            kind = Kind.DIR
        elif stat.S_ISREG(mode):
            kind = Kind.FILE
        elif stat.S_ISLNK(mode):
            kind = Kind.SYMLINK
        else:
            kind = Kind.OTHER
        yield os.fsencode(name), kind, path
