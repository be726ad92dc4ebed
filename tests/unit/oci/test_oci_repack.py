"""One-pass repacking gives the bytes of extract-then-pack, or asks for the disk path."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tagpilot.oci.ignore import IgnoreRules, load_rules
from tagpilot.oci.repack import GzipThread, NeedsDisk, repack
from tagpilot.oci.tarball import TarballError, extract, pack

pytestmark = pytest.mark.unit


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _member(name: str, kind: bytes = tarfile.REGTYPE, mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode = kind, mode
    return info


def _layer(entries: list[tuple[str, bytes | None, int]]) -> bytes:
    """``(name, data or None for a directory, mode)`` in the given order, gzip tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            if data is None:
                tar.addfile(_member(name, tarfile.DIRTYPE, mode))
            else:
                info = _member(name, mode=mode)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue())


def _keep(rules: IgnoreRules):  # type: ignore[no-untyped-def]
    return lambda rel, is_dir: not rules.excluded(rel, is_dir)


def _two_step(layer: bytes, tmp: Path, ignore: str | None) -> bytes:
    tree = tmp / "tree"
    tree.mkdir()
    extract(_chunks(layer), tree)
    out = io.BytesIO()
    pack(tree, out, _keep(load_rules(tree, ignore)))
    return out.getvalue()


def _one_pass(layer: bytes, ignore: str | None) -> tuple[bytes, int]:
    rules = IgnoreRules.from_patterns(ignore.splitlines() if ignore else [])
    out = io.BytesIO()
    files = repack(_chunks(layer), out, _keep(rules))
    return out.getvalue(), files


CASES = {
    # what `flux push artifact` writes: root, dirs and files in walk order
    "flux layout": (
        [
            (".", None, 0o755),
            ("a.yaml", b"a" * 5000, 0o644),
            ("b", None, 0o755),
            ("b/run.sh", b"#!/bin/sh\n", 0o755),
            ("b/x.png", b"png", 0o644),
            ("c-d.yaml", b"cd", 0o600),
        ],
        None,
    ),
    # ORAS and `tar` of a sorted tree: no root entry, "./" prefixes, implied parents
    "implied parents": (
        [
            ("./deploy/base/app.yaml", b"app", 0o644),
            ("./deploy/base/z.md", b"doc", 0o644),
            ("./deploy/prod/k.yaml", b"k", 0o640),
            ("./top.yaml", b"t", 0o644),
        ],
        None,
    ),
    # spec.ignore: excluded directories whose children come back, and the defaults dropped
    "ignore rules": (
        [
            ("docs", None, 0o755),
            ("docs/keep.yaml", b"k", 0o644),
            ("docs/readme.md", b"r", 0o644),
            ("img.png", b"png", 0o644),
            (".git", None, 0o755),
            (".git/HEAD", b"ref", 0o644),
        ],
        "*.md\n/docs/\n!/docs/keep.yaml\n",
    ),
    "empty directory and empty file": (
        [("e", None, 0o700), ("e/nothing", b"", 0o644)],
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_pass_is_byte_for_byte_extract_then_pack(tmp_path: Path, case: str) -> None:
    entries, ignore = CASES[case]
    if case == "ignore rules":  # walk order: '.git' sorts before 'docs'
        entries = [e for e in entries if e[0].startswith(".git")] + [
            e for e in entries if not e[0].startswith(".git")
        ]
    layer = _layer(entries)
    expected = _two_step(layer, tmp_path, ignore)
    got, files = _one_pass(layer, ignore)
    assert got == expected
    with tarfile.open(fileobj=io.BytesIO(got), mode="r:gz") as tar:
        assert files == sum(1 for m in tar if m.isreg())


def test_ignore_case_really_filters(tmp_path: Path) -> None:
    entries, ignore = CASES["ignore rules"]
    layer = _layer(sorted(entries, key=lambda e: tuple(e[0].split("/"))))
    got, _files = _one_pass(layer, ignore)
    with tarfile.open(fileobj=io.BytesIO(got), mode="r:gz") as tar:
        names = [m.name for m in tar]
    # the excluded directory's entry is gone, its re-included child stays; defaults dropped
    assert names == [".", "docs/keep.yaml", "img.png"]


@pytest.mark.parametrize(
    "entries",
    [
        [("b.yaml", b"b", 0o644), ("a.yaml", b"a", 0o644)],  # not in walk order
        [("a.yaml", b"1", 0o644), ("a.yaml", b"2", 0o644)],  # repeated
        [("d/x", b"1", 0o644), ("d", None, 0o755)],  # directory after its child
        [("a", b"1", 0o644), ("a/b", b"2", 0o644)],  # a file used as a directory
        [("a//b", b"1", 0o644)],  # not a normal name
        [(".sourceignore", b"*.md\n", 0o644), ("x.md", b"x", 0o644)],  # ignore file
        [("sub", None, 0o755), ("sub/.sourceignore", b"x\n", 0o644)],
    ],
)
def test_needs_disk_when_one_pass_would_differ(entries: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(NeedsDisk):
        _one_pass(_layer(entries), None)


def test_refusals_are_those_of_extract() -> None:
    link = _member("d/l", tarfile.SYMTYPE)
    link.linkname = "../../etc/passwd"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.addfile(link)
    with pytest.raises(TarballError, match='symlink "d/l" pointing outside the artifact'):
        _one_pass(gzip.compress(buf.getvalue()), None)
    with pytest.raises(TarballError, match='tar contained invalid name error "../x"'):
        _one_pass(_layer([("../x", b"1", 0o644)]), None)
    with pytest.raises(TarballError, match="requires gzip-compressed body"):
        _one_pass(b"PK\x03\x04 not gzip", None)
    big = _layer([("a", b"1" * 600, 0o644), ("b", b"2" * 600, 0o644)])
    with pytest.raises(TarballError, match='tar "b" is bigger than max archive size of 1000'):
        repack(_chunks(big), io.BytesIO(), lambda _r, _d: True, max_size=1000)
    layer = _layer([("a", b"x" * 50_000, 0o644)])
    raw = gzip.decompress(layer)[:20_000]  # the data of "a" stops short
    with pytest.raises(TarballError):
        _one_pass(gzip.compress(raw), None)


def test_whole_stream_read_so_digest_check_runs() -> None:
    class Boom(Exception):
        pass

    def chunks() -> Iterator[bytes]:
        yield from _chunks(_layer([("a", b"1", 0o644)]) + b"\0" * 4096)
        raise Boom

    with pytest.raises(Boom):
        repack(chunks(), io.BytesIO(), lambda _r, _d: True)


@pytest.mark.parametrize("level", [1, 6, 9])
def test_gzip_thread_writes_gzipfile_bytes(level: int) -> None:
    data = b"".join(bytes([i % 251]) * (i % 7000) for i in range(300))
    expected = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=expected, compresslevel=level, mtime=0) as g:
        g.write(data)
    got = io.BytesIO()
    with GzipThread(got, level) as threaded:
        for i in range(0, len(data), 10240):
            threaded.write(data[i : i + 10240])
    assert got.getvalue() == expected.getvalue()


def test_a_failing_output_fails_the_repack() -> None:
    class Full(io.BytesIO):
        def write(self, b: Any) -> int:
            if self.tell() > 2000:
                raise OSError(28, "No space left on device")
            return super().write(b)

    layer = _layer([(f"f{i:02d}", bytes(range(256)) * 40, 0o644) for i in range(50)])
    with pytest.raises(OSError, match="No space left on device"):
        repack(_chunks(layer), Full(), lambda _r, _d: True)


def test_a_failure_at_the_end_of_the_stream_does_not_hang() -> None:
    class FailsOnTrailer(io.BytesIO):
        def write(self, b: Any) -> int:
            if len(b) == 8:  # the crc32 + size trailer, written after the last chunk
                raise OSError(5, "Input/output error")
            return super().write(b)

    layer = _layer([("a", b"x" * 5000, 0o644)])
    out = FailsOnTrailer()
    with pytest.raises(OSError, match="Input/output error"):
        repack(_chunks(layer), out, lambda _r, _d: True)
    # everything but the trailer was written: the deflate stream is complete
    tar = zlib.decompressobj(-zlib.MAX_WBITS).decompress(out.getvalue()[10:])
    assert tar[:1] == b"." and len(tar) % 10240 == 0 and b"x" * 5000 in tar
