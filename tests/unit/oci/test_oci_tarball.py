"""Packing like source-controller, unpacking with refusals (in memory and on tmp_path only)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest
from tagpilot.oci.tarball import TarballError, extract, pack

pytestmark = pytest.mark.unit


def _chunks(data: bytes, size: int = 7):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _tar(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for m in members:
            body = (data or {}).get(m.name)
            if body is not None:
                m.size = len(body)
            tar.addfile(m, io.BytesIO(body) if body is not None else None)
    return gzip.compress(buf.getvalue())


def test_pack_headers_like_flux(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "b").mkdir(parents=True)
    (root / "a.yaml").write_text("a")
    (root / "b" / "run.sh").write_text("#!/bin/sh")
    os.chmod(root / "b" / "run.sh", 0o700)  # an execute bit
    os.symlink("a.yaml", root / "link")
    out = io.BytesIO()
    packed = pack(root, out)
    raw = out.getvalue()
    # gzip: deflate, no flags (no file name), mtime 0, OS 255 - Go's header bytes
    assert raw[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00" and raw[9:10] == b"\xff"
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        members = [(m.name, m.type, oct(m.mode), m.uid, m.gid, m.uname, m.mtime) for m in tar]
    assert members == [
        (".", tarfile.DIRTYPE, "0o750", 0, 0, "", 0),
        ("a.yaml", tarfile.REGTYPE, "0o600", 0, 0, "", 0),
        ("b", tarfile.DIRTYPE, "0o750", 0, 0, "", 0),
        ("b/run.sh", tarfile.REGTYPE, "0o700", 0, 0, "", 0),
    ]
    assert packed.files == 2 and packed.size == len(raw)
    again = io.BytesIO()
    assert pack(root, again).digest == packed.digest  # reproducible


def test_extract_round_trip_and_modes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "x.yaml").write_bytes(b"x" * 3000)
    buf = io.BytesIO()
    pack(src, buf)
    dest = tmp_path / "dest"
    dest.mkdir()
    assert extract(_chunks(buf.getvalue()), dest) == 1
    assert (dest / "d" / "x.yaml").read_bytes() == b"x" * 3000
    assert oct((dest / "d").stat().st_mode & 0o777) == "0o750"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (tarfile.LNKTYPE, 'tar file entry "hl" contained unsupported file type hardlink'),
        (tarfile.FIFOTYPE, 'tar file entry "hl" contained unsupported file type fifo'),
        (tarfile.CHRTYPE, 'tar file entry "hl" contained unsupported file type character device'),
    ],
)
def test_special_files_are_refused(tmp_path: Path, kind: bytes, message: str) -> None:
    info = tarfile.TarInfo("hl")
    info.type = kind
    info.linkname = "a"
    with pytest.raises(TarballError) as err:
        extract(_chunks(_tar([info])), tmp_path)
    assert str(err.value) == message


def test_truncated_gzip_and_garbage(tmp_path: Path) -> None:
    good = _tar([tarfile.TarInfo("a")], {"a": b"x" * 100})
    with pytest.raises(TarballError, match="failed to read tar archive"):
        extract(_chunks(good[: len(good) // 2]), tmp_path / "t")
    with pytest.raises(TarballError, match="requires gzip-compressed body"):
        extract(_chunks(b"PK\x03\x04zip"), tmp_path)


def test_digest_check_at_end_of_stream_runs(tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    def chunks():
        yield from _chunks(_tar([tarfile.TarInfo("a")], {"a": b"1"}) + b"\0" * 4096)
        raise Boom

    with pytest.raises(Boom):
        extract(chunks(), tmp_path)


def test_symlinks_inside_dropped_outside_refused(tmp_path: Path) -> None:
    inside = tarfile.TarInfo("d/l")
    inside.type, inside.linkname = tarfile.SYMTYPE, "../a"
    extract(_chunks(_tar([tarfile.TarInfo("a"), inside], {"a": b"1"})), tmp_path / "ok")
    assert not (tmp_path / "ok/d/l").exists() and (tmp_path / "ok/a").exists()
    out = tarfile.TarInfo("d/l")
    out.type, out.linkname = tarfile.SYMTYPE, "../../x"
    with pytest.raises(TarballError, match="pointing outside the artifact"):
        extract(_chunks(_tar([out])), tmp_path / "bad")
