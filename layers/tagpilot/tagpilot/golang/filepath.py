"""Go's ``filepath.Walk`` order over any tree, with tagpilot's one symlink rule.

One walker serves both places that look for files to update: ``tagpilot update`` on a local
directory (:mod:`tagpilot.update.walk`) and the automation on a fetched Git tree
(:mod:`tagpilot.source.checkout`). Like ``filepath.Walk`` it goes depth-first through the
entries of each directory in byte order of their names. The symlink rule is the same for both:
a symbolic link is never followed, whether it points at a file or a directory (Flux reads a
symlinked file through the link; tagpilot does not, so a repository can neither make it read
outside the checkout nor update one file under two names). Submodules and special files are
skipped too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

H = TypeVar("H")


class Kind(enum.Enum):
    """What a directory entry is, from ``lstat`` or a Git tree mode."""

    DIR = "dir"
    FILE = "file"
    SYMLINK = "symlink"
    OTHER = "other"  # submodule, socket, device, ...


def walk(
    list_dir: Callable[[H], Iterable[tuple[bytes, Kind, H]]],
    top: H,
    accept: Callable[[str], bool],
    prefix: str = "",
) -> Iterator[tuple[str, H]]:
    """Yield ``(relative path, handle)`` of the accepted regular files under ``top``.

    Parameters
    ----------
    list_dir
        Lists one directory: entry name (bytes, as stored), its :class:`Kind` and a handle to
        read or descend into it (a path, a Git object id).
    top
        The directory to walk.
    accept
        Called with each regular file's base name; only accepted files are yielded.
    prefix
        Prepended to every relative path (``/``-separated).

    Examples
    --------
    >>> tree = {"": [(b"b.yaml", Kind.FILE, "b"), (b"a", Kind.DIR, "a"),
    ...              (b"l.yaml", Kind.SYMLINK, "l")], "a": [(b"x.yaml", Kind.FILE, "x")]}
    >>> list(walk(lambda d: tree.get(d, []), "", lambda n: n.endswith(".yaml")))
    [('a/x.yaml', 'x'), ('b.yaml', 'b')]
    """
    for raw, kind, handle in sorted(list_dir(top), key=lambda entry: entry[0]):
        name = raw.decode("utf-8", "surrogateescape")
        if kind is Kind.DIR:
            yield from walk(list_dir, handle, accept, f"{prefix}{name}/")
        elif kind is Kind.FILE and accept(name):
            yield f"{prefix}{name}", handle
