"""The local artifact storage hashes a stored file again only when its ``stat`` changed."""

from __future__ import annotations

import builtins
import hashlib
import os
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


def _store(storage: LocalArtifactStorage, data: bytes) -> str:
    return storage.store(PATH, lambda out: out.write(data)).digest


def test_an_unchanged_file_is_hashed_once(
    tmp_path: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "_RACY_NS", 0)
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"x" * 1000)
    assert digest == "sha256:" + hashlib.sha256(b"x" * 1000).hexdigest()
    assert storage.verify(PATH, digest) and storage.verify(PATH, digest)
    assert opened == []  # remembered when written
    assert not storage.verify(PATH, "sha256:" + "0" * 64)  # another digest: hashed, deleted
    assert len(opened) == 1 and not (tmp_path / PATH).exists()


def test_a_file_changed_in_place_is_hashed_again_and_deleted(
    tmp_path: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "_RACY_NS", 0)
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"a" * 100)
    target = tmp_path / PATH
    with builtins.open(target, "r+b") as f:  # same size, same mtime: only ctime moves
        f.write(b"b")
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not storage.verify(PATH, digest)
    assert opened == [str(target.absolute())] and not target.exists()


def test_a_replaced_file_is_hashed_again(
    tmp_path: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "_RACY_NS", 0)
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"a" * 100)
    target = tmp_path / PATH
    replacement = tmp_path / "other"
    replacement.write_bytes(b"a" * 100)  # same bytes: still valid after a new hash
    os.replace(replacement, target)
    assert storage.verify(PATH, digest) and len(opened) == 1
    assert storage.verify(PATH, digest) and len(opened) == 1  # remembered now


def test_a_freshly_written_file_is_not_trusted_until_hashed(
    tmp_path: Path, opened: list[str]
) -> None:
    """Written within the racy window: the next check hashes it (Git's racily-clean rule)."""
    storage = LocalArtifactStorage(tmp_path)
    digest = _store(storage, b"z" * 10)
    assert storage.verify(PATH, digest) and len(opened) == 1


def test_missing_and_non_regular_files_are_not_verified(tmp_path: Path) -> None:
    storage = LocalArtifactStorage(tmp_path)
    assert not storage.verify(PATH, "sha256:" + "0" * 64)
    (tmp_path / PATH).parent.mkdir(parents=True)
    (tmp_path / "elsewhere").write_bytes(b"q")
    (tmp_path / PATH).symlink_to(tmp_path / "elsewhere")
    digest = "sha256:" + hashlib.sha256(b"q").hexdigest()
    assert not storage.verify(PATH, digest)  # a symlink is not a stored artifact
    assert (tmp_path / "elsewhere").exists()
