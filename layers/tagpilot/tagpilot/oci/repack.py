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
import queue
import struct
import tarfile
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

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
            GzipThread(out, level) as gz,
            tarfile.open(fileobj=cast(IO[bytes], gz), mode="w|", format=tarfile.PAX_FORMAT) as tar,
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


class GzipThread:
    """A gzip writer whose deflate runs in its own thread, overlapping the tar work.

    The bytes are those of ``gzip.GzipFile(filename="", mtime=0, compresslevel=level)`` (no name,
    mtime 0, OS 255: Go's header too). zlib, crc32, hashing and file writes release the GIL, so
    on two cores compression runs beside the unpacking, as ``tar | gzip`` does; on one core it
    costs a thread hand-off per 10 kB record. A failure on either side stops both: the writer
    re-raises the worker's error, and leaving the ``with`` block on an error abandons the rest.
    """

    def __init__(self, out: IO[bytes], level: int) -> None:
        self._out = out
        self._level = level
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gzip", daemon=True)
        self._thread.start()

    def write(self, data: Any) -> int:
        if self._error is not None:
            raise self._error
        chunk = bytes(data)
        if chunk:
            self._queue.put(chunk)
        return len(chunk)

    def _run(self) -> None:
        out, crc, size, finished = self._out, 0, 0, False
        compressor = zlib.compressobj(
            self._level, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, 0
        )
        xfl = {9: b"\002", 1: b"\004"}.get(self._level, b"\000")
        try:
            out.write(b"\037\213\010\000" + struct.pack("<L", 0) + xfl + b"\377")
            while (chunk := self._queue.get()) is not None:
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
                out.write(compressor.compress(chunk))
            finished = True
            out.write(compressor.flush())
            out.write(struct.pack("<LL", crc, size & 0xFFFFFFFF))
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            self._error = exc
            while not finished and self._queue.get() is not None:
                pass  # unblock the writer until it stops

    def close(self) -> None:
        """Finish the stream; re-raises what failed in the worker."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop without finishing (the caller discards what was written)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> GzipThread:
        return self

    def __exit__(self, kind: object, _value: object, _tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()


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
