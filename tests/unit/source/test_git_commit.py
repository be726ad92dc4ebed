"""commit_files and tree walking on in-memory repositories (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import MemoryRepo
from tagpilot.source.checkout import Checkout
from tagpilot.source.commit import Signature, commit_files
from tagpilot.source.errors import CommitError, InvalidPathError, PathNotFoundError
from tagpilot.source.push import _is_ancestor

pytestmark = pytest.mark.unit

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
AUTHOR = Signature("Flux", "flux@example.com")


def _tree(repo: MemoryRepo, entries: dict[str, tuple[int, bytes] | dict]) -> bytes:
    tree = Tree()
    for name, value in entries.items():
        if isinstance(value, dict):
            tree.add(name.encode(), 0o040000, _tree(repo, value))
        else:
            mode, data = value
            blob = Blob.from_string(data)
            repo.object_store.add_object(blob)
            tree.add(name.encode(), mode, blob.id)
    repo.object_store.add_object(tree)
    return tree.id


def _checkout(
    entries: dict, parents: list[bytes] | None = None, repo: MemoryRepo | None = None
) -> Checkout:
    repo = repo or MemoryRepo()
    commit = Commit()
    commit.tree = _tree(repo, entries)
    commit.parents = parents or []
    commit.author = commit.committer = b"Fixture <f@example.com>"
    commit.author_time = commit.commit_time = 0
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = b"fixture"
    repo.object_store.add_object(commit)
    return Checkout(repo=repo, commit_id=commit.id, branch="main")


ENTRIES = {
    "apps": {
        "web.yaml": (0o100644, b"image: web:1\n"),
        "run.sh": (0o100755, b"#!/bin/sh\n"),
        "link.yaml": (0o120000, b"web.yaml"),
        "sub": (0o160000, b""),
    },
    "README": (0o100644, b"hi\n"),
}


def _files(checkout: Checkout, tree_id: bytes, prefix: str = "") -> dict[str, tuple[int, bytes]]:
    out: dict[str, tuple[int, bytes]] = {}
    tree = checkout.repo[tree_id]
    for entry in tree.iteritems():
        name = prefix + entry.path.decode()
        if entry.mode == 0o040000:
            out.update(_files(checkout, entry.sha, name + "/"))
        elif entry.mode == 0o160000:
            out[name] = (entry.mode, b"")
        else:
            out[name] = (entry.mode, checkout.repo[entry.sha].data)
    return out


def test_commit_files_rewrites_only_changed_paths_and_keeps_modes() -> None:
    checkout = _checkout(ENTRIES)
    changed = {
        "web.yaml": b"image: web:2\n",
        "run.sh": b"#!/bin/sh\necho\n",
        "new/deep/file.yaml": b"x: 1\n",
    }
    commit_id = commit_files(checkout, "/apps/", changed, AUTHOR, "msg\n", None, WHEN)
    commit = checkout.repo[commit_id]
    assert commit.parents == [checkout.commit_id]
    assert commit.author == commit.committer == b"Flux <flux@example.com>"
    assert commit.author_time == commit.commit_time == int(WHEN.timestamp())
    assert commit.author_timezone == commit.commit_timezone == 0
    assert commit.message == b"msg\n"
    files = _files(checkout, commit.tree)
    assert files["apps/web.yaml"] == (0o100644, b"image: web:2\n")
    assert files["apps/run.sh"] == (0o100755, b"#!/bin/sh\necho\n")
    assert files["apps/new/deep/file.yaml"] == (0o100644, b"x: 1\n")
    assert files["apps/link.yaml"] == (0o120000, b"web.yaml")
    assert files["README"] == (0o100644, b"hi\n")
    # The README subtree blob is shared, not rewritten.
    old_readme = checkout.repo[checkout.commit.tree][b"README"]
    assert checkout.repo[commit.tree][b"README"] == old_readme


def test_commit_time_is_written_in_utc() -> None:
    checkout = _checkout(ENTRIES)
    local = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    commit = checkout.repo[commit_files(checkout, "", {"README": b"x\n"}, AUTHOR, "m", None, local)]
    assert commit.commit_time == int(WHEN.timestamp()) and commit.commit_timezone == 0


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({}, CommitError),
        ({"web.yaml": b"image: web:1\n"}, CommitError),  # identical content
        ({"link.yaml": b"x"}, CommitError),  # symlink
        ({"web.yaml/inner": b"x"}, CommitError),  # through a file
        ({"../README": b"x"}, InvalidPathError),
        ({"/abs": b"x"}, InvalidPathError),
    ],
)
def test_commit_files_refuses(changed: dict[str, bytes], error: type[Exception]) -> None:
    checkout = _checkout(ENTRIES)
    with pytest.raises(error):
        commit_files(checkout, "apps", changed, AUTHOR, "m", None, WHEN)


@pytest.mark.parametrize(
    ("name", "email"), [("a<b", "e@x"), ("n", "e>@x"), ("n", ""), ("a\nb", "e")]
)
def test_signature_validation(name: str, email: str) -> None:
    with pytest.raises(CommitError):
        Signature(name, email)


def test_iter_files_reads_only_accepted_blobs() -> None:
    checkout = _checkout(ENTRIES)
    seen: list[str] = []

    def accept(name: str) -> bool:
        seen.append(name)
        return name.endswith(".yaml")

    assert list(checkout.iter_files("apps", accept)) == [("web.yaml", b"image: web:1\n")]
    assert seen == ["run.sh", "web.yaml"]  # symlink and gitlink are never offered


def test_iter_files_missing() -> None:
    with pytest.raises(PathNotFoundError):
        _checkout(ENTRIES).iter_files("nope", lambda n: True)


def test_is_ancestor_respects_shallow_boundary() -> None:
    repo = MemoryRepo()
    first = _checkout({"a": (0o100644, b"1")}, repo=repo)
    second = _checkout({"a": (0o100644, b"2")}, [first.commit_id], repo=repo)
    third = _checkout({"a": (0o100644, b"3")}, [second.commit_id], repo=repo)
    assert _is_ancestor(repo, first.commit_id, third.commit_id)
    assert not _is_ancestor(repo, third.commit_id, first.commit_id)
    assert not _is_ancestor(repo, b"f" * 40, third.commit_id)
    repo.update_shallow({second.commit_id}, None)
    assert not _is_ancestor(repo, first.commit_id, third.commit_id)
    assert _is_ancestor(repo, second.commit_id, third.commit_id)
