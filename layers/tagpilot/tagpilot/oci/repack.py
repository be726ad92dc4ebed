"""Repack a layer into the artifact tarball in one streaming pass: no unpacked tree on disk.

source-controller unpacks the layer into a temporary directory, walks it lexically and archives
what the ignore rules keep (reference §2.4.10, §2.5, §4.1). When the layer's entries already come
in that walk's order (``flux push artifact``, ORAS and ``tar`` of a sorted tree all write them so),
the same tarball can be produced while the layer streams in: each entry is checked with the same
refusals as :func:`tagpilot.oci.tarball.extract`, filtered, and written with the controller's
header straight into the gzip output. Parent directories that the layer only implies (a file
``a/b/c`` without entries for ``a`` and ``a/b``) get the entries the walk would have produced.

The result is byte for byte the tarball of extract-then-:func:`~tagpilot.oci.tarball.pack`
(the tests compare them). :class:`NeedsDisk` is raised, and the caller falls back to that two-step
path, when one pass cannot give the same result: entries out of walk order or repeated, a file
where a directory is needed, odd names (``a//b``, ``a/./b``), or a ``.sourceignore`` file (its
rules can apply to entries already written and it changes the defaults for the whole tree).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from tagpilot.oci.ignore import IGNORE_FILE
from tagpilot.oci.tarball import (
    DEFAULT_MAX_SIZE,
    GZIP_LEVEL,
    IterReader,
    TarballError,
    check_gzip,
    check_member,
    header,
)

_CHUNK = 1 << 20


class NeedsDisk(Exception):  # noqa: N818 - a signal to the caller, not a failure
    """The layer cannot be repacked in one pass with the same result; unpack it to disk."""


class _Exact(io.RawIOBase):
    """A member's data; a short read is the layer's fault, not the output's (``tarfile`` would
    raise a plain ``OSError``, which the caller reads as a storage failure)."""

    def __init__(self, source: IO[bytes], size: int, name: str) -> None:
        self._source, self._left, self._name = source, size, name

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = self._left if n < 0 else min(n, self._left)
        data = self._source.read(want)
        if len(data) < want:
            raise TarballError(f'tar entry "{self._name}" is truncated')
        self._left -= len(data)
        return data


def repack(
    chunks: Iterator[bytes],
    out: IO[bytes],
    keep: Callable[[str, bool], bool],
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    level: int = GZIP_LEVEL,
) -> int:
    """Write the artifact tarball of the gzip tar stream ``chunks`` to ``out``; returns the
    number of files archived.

    ``keep(relpath, is_dir)`` is the ignore decision. The whole input is read (also past the
    end-of-archive marker) so a digest check done by ``chunks`` at its end runs before this
    returns.

    Raises
    ------
    TarballError
        The layer is refused (not gzip, bad names, links out of the tree, special files, over
        ``max_size``, truncated).
    NeedsDisk
        One pass cannot reproduce the walk's result (see the module docstring).
    """
    raw = IterReader(chunks)
    stream = io.BufferedReader(raw, _CHUNK)
    check_gzip(stream)
    state = _State(keep)
    total = 0
    try:
        with (
            # gzip's own buffered reader: tarfile's "r|gz" re-slices its whole buffer on every
            # read (quadratic in the buffer size); its default 10 kB buffers are kept.
            gzip.GzipFile(fileobj=stream, mode="rb") as unzipped,
            tarfile.open(fileobj=unzipped, mode="r|") as archive,
            gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=level, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            state.tar = tar
            tar.addfile(header(".", True))
            for member in archive:
                name, kind = check_member(member)
                if kind in ("root", "symlink"):
                    continue  # extract() creates nothing for these, not even parents
                parts = state.place(name, kind)
                if kind == "dir":
                    state.directory(parts)
                    continue
                total += member.size
                if total > max_size:
                    raise TarballError(
                        f'tar "{member.name}" is bigger than max archive size of {max_size} bytes'
                    )
                if keep(name, False):
                    source = archive.extractfile(member)
                    assert source is not None
                    data = _Exact(source, member.size, member.name)
                    tar.addfile(header(name, False, member.mode, member.size), data)
                    state.files += 1
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise TarballError(f"failed to read tar archive: {exc}") from None
    raw.drain()
    return state.files


class _State:
    """Walk order, directories written or implied, and files seen so far."""

    def __init__(self, keep: Callable[[str, bool], bool]) -> None:
        self.keep = keep
        self.tar: Any = None
        self.last: tuple[str, ...] = ()
        self.dirs: set[tuple[str, ...]] = set()
        self.seen_files: set[tuple[str, ...]] = set()
        self.files = 0

    def place(self, name: str, kind: str) -> tuple[str, ...]:
        """Check ``name`` comes next in walk order and write its implied parents."""
        parts = tuple(name.split("/"))
        if "" in parts or "." in parts:
            raise NeedsDisk(f"entry name {name!r} is not normal")
        if parts <= self.last:
            raise NeedsDisk(f"entry {name!r} is out of walk order")
        if kind == "file" and parts[-1] == IGNORE_FILE:
            raise NeedsDisk(f"{name!r} holds ignore rules")
        self.last = parts
        for depth in range(1, len(parts)):
            parent = parts[:depth]
            if parent in self.seen_files:
                raise NeedsDisk(f"{'/'.join(parent)!r} is a file and a directory")
            if parent not in self.dirs:
                self.directory(parent)
        if kind == "file":
            self.seen_files.add(parts)
        return parts

    def directory(self, parts: tuple[str, ...]) -> None:
        self.dirs.add(parts)
        rel = "/".join(parts)
        if self.keep(rel, True):
            self.tar.addfile(header(rel, True))
