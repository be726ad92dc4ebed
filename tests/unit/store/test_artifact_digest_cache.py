"""The local artifact storage hashes a stored file again only when its ``stat`` changed."""

from __future__ import annotations

import builtins
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tagpilot.store import artifacts
from tagpilot.store.artifacts import LocalArtifactStorage

PATH = "ocirepository/apps/app/sha256:abc.tar.gz"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files the storage module opens (each ``verify`` that hashes opens the artifact)."""
    seen: list[str] = []

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(artifacts, "open", counting_open, raising=False)
    return seen


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks happen 10 s after the writes (as a reconcile an interval later would)."""
    real = time.time_ns
    monkeypatch.setattr(artifacts.time, "time_ns", lambda: real() + 10_000_000_000)


def _store(storage: LocalArtifactStorage, data: bytes) -> str:
    return storage.store(PATH, lambda out: out.write(data)).digest


def test_an_unchanged_file_is_hashed_once(tmp_path: Path, opened: list[str], later: None) -> None:
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"x" * 1000)
    assert digest == "sha256:" + hashlib.sha256(b"x" * 1000).hexdigest()
    assert storage.verify(PATH, digest) and len(opened) == 1
    assert storage.verify(PATH, digest) and storage.verify(PATH, digest)
    assert len(opened) == 1  # remembered
    assert not storage.verify(PATH, "sha256:" + "0" * 64)  # another digest: hashed, deleted
    assert len(opened) == 2 and not (tmp_path / PATH).exists()


def test_a_file_changed_in_place_is_hashed_again_and_deleted(
    tmp_path: Path, opened: list[str], later: None
) -> None:
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"a" * 100)
    target = tmp_path / PATH
    assert storage.verify(PATH, digest)
    original = target.stat()
    time.sleep(0.05)  # past the file system's timestamp tick, even a coarse one
    with builtins.open(target, "r+b") as f:  # same size, and the old mtime put back below
        f.write(b"b")
    os.utime(target, ns=(original.st_atime_ns, original.st_mtime_ns))
    assert target.stat().st_mtime_ns == original.st_mtime_ns
    assert not storage.verify(PATH, digest)  # only the change time moved: hashed, refused
    assert len(opened) == 2 and not target.exists()


def test_a_replaced_file_is_hashed_again(tmp_path: Path, opened: list[str], later: None) -> None:
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"a" * 100)
    target = tmp_path / PATH
    assert storage.verify(PATH, digest)
    replacement = tmp_path / "other"
    replacement.write_bytes(b"a" * 100)  # same bytes: still valid after a new hash
    os.replace(replacement, target)
    assert storage.verify(PATH, digest) and len(opened) == 2
    assert storage.verify(PATH, digest) and len(opened) == 2  # remembered again


def test_a_freshly_changed_file_is_not_trusted(tmp_path: Path, opened: list[str]) -> None:
    """Changed within 2 s of its hash: hashed at every check (Git's racily-clean rule)."""
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"z" * 10)
    assert storage.verify(PATH, digest) and storage.verify(PATH, digest)
    assert len(opened) == 2


def test_a_file_changed_while_hashed_is_not_trusted(
    tmp_path: Path, opened: list[str], later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"q" * 10)
    calls: list[int] = []
    real = os.fstat

    def moving_fstat(fd: int) -> os.stat_result:
        calls.append(fd)
        st = real(fd)
        if len(calls) % 2 == 0:  # the second look, after reading: as if written meanwhile
            fields = list(st)
            fields[8] += 1  # st_mtime (seconds)
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(artifacts.os, "fstat", moving_fstat)
    assert storage.verify(PATH, digest)
    monkeypatch.setattr(artifacts.os, "fstat", real)
    assert storage.verify(PATH, digest) and len(opened) == 2  # hashed again


def test_missing_and_non_regular_files_are_not_verified(tmp_path: Path) -> None:
    storage = LocalArtifactStorage(tmp_path)
    assert not storage.verify(PATH, "sha256:" + "0" * 64)
    (tmp_path / PATH).parent.mkdir(parents=True)
    (tmp_path / "elsewhere").write_bytes(b"q")
    (tmp_path / PATH).symlink_to(tmp_path / "elsewhere")
    digest = "sha256:" + hashlib.sha256(b"q").hexdigest()
    assert not storage.verify(PATH, digest)  # a symlink is not a stored artifact
    assert (tmp_path / "elsewhere").exists()
