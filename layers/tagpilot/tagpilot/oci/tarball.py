"""Gzip tarballs: unpack a layer safely, pack a directory the way source-controller does.

Unpacking (``fluxcd/pkg tar/untar.go``, reference §4.1) streams: the layer is never held in
memory. Refused, with nothing left behind (the caller extracts into a fresh temporary directory
and deletes it on error):

- a body that is not gzip: ``requires gzip-compressed body: gzip: invalid header``;
- names that are empty, absolute, contain ``\\`` or a ``..`` component:
  ``tar contained invalid name error "<name>"``;
- symbolic links whose target leaves the tree (deliberate difference: Flux drops every symlink
  silently; tagpilot drops those staying inside and refuses the others):
  ``tar contained symlink "<name>" pointing outside the artifact: "<target>"``;
- hard links, devices, FIFOs: ``tar file entry "<name>" contained unsupported file type <t>``;
- more than ``max_size`` bytes of file content (Flux's message; tagpilot keeps a cap because a
  Lambda function has bounded ephemeral storage): ``tar "<name>" is bigger than max archive size
  of <max> bytes``.

Packing (``fluxcd/pkg artifact/storage/archive.go``): lexical depth-first walk, root entry ``.``,
regular files and directories only, uid/gid 0, no user/group names, mtime 0, modes 0750 for
directories, 0700 for executable files, else 0600; gzip at the default level with a zero mtime
and no file name. The digest is of the compressed bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import posixpath
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tagpilot.errors import TagpilotError

#: Default cap on the unpacked content of one layer (see the README: Lambda ephemeral storage).
DEFAULT_MAX_SIZE = 512 * 1024 * 1024
GZIP_LEVEL = 6  # Go's compress/gzip DefaultCompression
_CHUNK = 1 << 20


class TarballError(TagpilotError):
    """A layer that cannot be unpacked safely, or a directory that cannot be packed."""


class IterReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (a streamed HTTP body)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def drain(self) -> None:
        """Read what is left (so a digest check at the end of the stream runs)."""
        self._buffer = b""
        for _ in self._chunks:
            pass


def check_gzip(stream: Any) -> None:
    if stream.peek(2)[:2] != b"\x1f\x8b":
        raise TarballError("requires gzip-compressed body: gzip: invalid header")


def _bad_name(name: str) -> bool:
    if not name or "\\" in name or name.startswith("/"):
        return True
    return ".." in name.split("/")


def extract(chunks: Iterator[bytes], dest: Path, *, max_size: int = DEFAULT_MAX_SIZE) -> int:
    """Unpack a gzip tar stream into the empty directory ``dest``; returns the file count.

    The whole stream is read, also past the end-of-archive marker, so a digest check done by
    ``chunks`` at its end always runs before this returns.
    """
    raw = IterReader(chunks)
    stream = io.BufferedReader(raw, _CHUNK)
    check_gzip(stream)
    total = files = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|gz") as archive:
            for member in archive:
                name, kind = check_member(member)
                if kind in ("root", "symlink"):
                    continue
                target = dest / name
                if kind == "dir":
                    target.mkdir(parents=True, exist_ok=True)
                    os.chmod(target, (member.mode & 0o777) | 0o700)
                    continue
                total += member.size
                if total > max_size:
                    raise TarballError(
                        f'tar "{member.name}" is bigger than max archive size of {max_size} bytes'
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                with open(target, "wb") as out:
                    _copy(source, out, member.size, member.name)
                os.chmod(target, member.mode & 0o777)
                files += 1
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise TarballError(f"failed to read tar archive: {exc}") from None
    raw.drain()
    return files


def check_member(member: tarfile.TarInfo) -> tuple[str, str]:
    """``(name, kind)`` of a layer entry: kind ``root``, ``symlink``, ``dir`` or ``file``.

    The name is normalised (no ``./`` prefix, no trailing ``/``). Symlinks leaving the tree,
    bad names and other entry types raise :class:`TarballError` (the refusals above).
    """
    name = member.name.removeprefix("./") if member.name != "./" else "."
    name = name.rstrip("/") if name not in ("", "/") else name
    if _bad_name(member.name) or _bad_name(name):
        raise TarballError(f'tar contained invalid name error "{member.name}"')
    if name == ".":
        return name, "root"
    if member.issym():
        _check_symlink(name, member.linkname)
        return name, "symlink"
    if member.isdir():
        return name, "dir"
    if not member.isreg():
        raise TarballError(
            f'tar file entry "{member.name}" contained unsupported file type {_type_name(member)}'
        )
    return name, "file"


def _copy(source: IO[bytes], out: IO[bytes], size: int, name: str) -> None:
    left = size
    while left > 0:
        chunk = source.read(min(_CHUNK, left))
        if not chunk:
            raise TarballError(f'tar entry "{name}" is truncated')
        out.write(chunk)
        left -= len(chunk)


def _check_symlink(name: str, target: str) -> None:
    joined = target if target.startswith("/") else posixpath.join(posixpath.dirname(name), target)
    normal = posixpath.normpath(joined)
    if target.startswith("/") or normal == ".." or normal.startswith("../"):
        raise TarballError(
            f'tar contained symlink "{name}" pointing outside the artifact: "{target}"'
        )


def _type_name(member: tarfile.TarInfo) -> str:
    kinds = {
        tarfile.LNKTYPE: "hardlink",
        tarfile.CHRTYPE: "character device",
        tarfile.BLKTYPE: "block device",
        tarfile.FIFOTYPE: "fifo",
    }
    return kinds.get(member.type, repr(member.type.decode(errors="replace")))


class _HashingWriter(io.RawIOBase):
    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.hash.update(data)
        self.size += len(data)
        self._out.write(data)
        return len(data)


@dataclass(frozen=True)
class Packed:
    """A written tarball: ``sha256:<hex>`` of the compressed bytes and their count."""

    digest: str
    size: int
    files: int


def walk(root: Path, keep: Callable[[str, bool], bool]) -> Iterator[tuple[str, Path, bool]]:
    """``(relpath, path, is_dir)`` of regular files and directories, lexical depth-first."""
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        yield from _walk_entry(root, entry.name, Path(entry.path), keep)


def _walk_entry(
    root: Path, rel: str, path: Path, keep: Callable[[str, bool], bool]
) -> Iterator[tuple[str, Path, bool]]:
    mode = path.lstat().st_mode
    if stat.S_ISDIR(mode):
        if keep(rel, True):
            yield rel, path, True
        with os.scandir(path) as it:
            names = sorted(e.name for e in it)
        for name in names:
            yield from _walk_entry(root, f"{rel}/{name}", path / name, keep)
    elif stat.S_ISREG(mode) and keep(rel, False):
        yield rel, path, False


def pack(
    root: Path, out: IO[bytes], keep: Callable[[str, bool], bool] = lambda _p, _d: True
) -> Packed:
    """Write ``root`` as source-controller's artifact tarball to ``out``."""
    writer = _HashingWriter(out)
    files = 0
    buffered = io.BufferedWriter(writer, _CHUNK)
    with (
        gzip.GzipFile(
            filename="", mode="wb", fileobj=buffered, compresslevel=GZIP_LEVEL, mtime=0
        ) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_info(".", tarfile.DIRTYPE, 0o750, 0))
        for rel, path, is_dir in walk(root, keep):
            if is_dir:
                tar.addfile(_info(rel, tarfile.DIRTYPE, 0o750, 0))
                continue
            st = path.stat()
            mode = 0o700 if st.st_mode & 0o111 else 0o600
            with open(path, "rb") as source:
                tar.addfile(_info(rel, tarfile.REGTYPE, mode, st.st_size), source)
            files += 1
    buffered.flush()
    return Packed("sha256:" + writer.hash.hexdigest(), writer.size, files)


def header(name: str, is_dir: bool, exec_bits: int = 0, size: int = 0) -> tarfile.TarInfo:
    """The controller's header for a directory (0750) or a file (0700 if executable, else 0600)."""
    if is_dir:
        return _info(name, tarfile.DIRTYPE, 0o750, 0)
    return _info(name, tarfile.REGTYPE, 0o700 if exec_bits & 0o111 else 0o600, size)


def _info(name: str, kind: bytes, mode: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
