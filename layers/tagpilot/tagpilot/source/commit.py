"""Build a commit from changed file contents: new blobs and trees bottom-up, no working tree."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from dulwich.objects import Blob, Commit, ObjectID, Tree

from tagpilot.source.checkout import Checkout
from tagpilot.source.errors import CommitError
from tagpilot.source.paths import join

_REGULAR_FILE = 0o100644


class Signer(Protocol):
    """Anything that returns an ASCII-armored detached signature of ``payload``."""

    def sign(self, payload: bytes) -> bytes: ...


@dataclass(frozen=True)
class Signature:
    """Author (and committer) identity. Flux makes the committer equal to the author."""

    name: str
    email: str

    def __post_init__(self) -> None:
        for label, value in (("name", self.name), ("email", self.email)):
            if any(c in value for c in "<>\n\x00"):
                raise CommitError(f"author {label} must not contain '<', '>', NUL or newlines")
        if not self.email:
            raise CommitError("author email is required")

    @property
    def identity(self) -> bytes:
        return f"{self.name} <{self.email}>".encode()


def commit_files(
    checkout: Checkout,
    base_path: str,
    changed: Mapping[str, bytes],
    author: Signature,
    message: str,
    signer: Signer | None,
    when: datetime,
) -> bytes:
    """Commit new contents for some files on top of the checked-out commit.

    Parameters
    ----------
    checkout:
        The fetched commit; new objects are added to its object store.
    base_path:
        The update path the changed paths are relative to (cleaned like ``update.path``).
    changed:
        Relative path -> new content. Existing files keep their mode; new files get 100644.
    author:
        Author and committer.
    message:
        Commit message, written as given.
    signer:
        Optional OpenPGP signer (:class:`tagpilot.source.signing.OpenPGPSigner`); its armored
        signature goes into the ``gpgsig`` header.
    when:
        Author and commit time; written in UTC.

    Returns
    -------
    bytes
        The new commit's hex id. The commit is not referenced by any ref yet.

    Raises
    ------
    CommitError
        No content actually changed, or a path runs into a non-file entry.
    InvalidPathError
        A changed path is not a clean relative path.

    Examples
    --------
    >>> author = Signature("fluxbot", "flux@example.com")
    >>> commit_files(checkout, "apps", {"web.yaml": b"..."}, author,  # doctest: +SKIP
    ...              "Update image", None, datetime.now(UTC))
    """
    if not changed:
        raise CommitError("nothing to commit: no changed files")
    store = checkout.repo.object_store
    nested: dict[str, object] = {}
    for rel, content in changed.items():
        parts = join(base_path, rel).split("/")
        node = nested
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise CommitError(f"changed path {rel!r} runs through a changed file")
            node = child
        node[parts[-1]] = content
    old_tree = checkout.commit.tree
    new_tree = _rewrite(store, bytes(old_tree), nested, "")
    if new_tree == old_tree:
        raise CommitError("nothing to commit: contents are identical to the checked-out tree")

    commit = Commit()
    commit.tree = new_tree
    commit.parents = [ObjectID(checkout.commit_id)]
    commit.author = commit.committer = author.identity
    timestamp = int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())
    commit.author_time = commit.commit_time = timestamp
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = message.encode("utf-8", "surrogateescape")  # file names may not be UTF-8
    if signer is not None:
        # The signature covers the commit exactly as serialised without the gpgsig header.
        commit.gpgsig = signer.sign(commit.as_raw_string())
    store.add_object(commit)
    return bytes(commit.id)


def _rewrite(store: object, tree_id: bytes | None, changes: dict[str, object], where: str) -> bytes:
    tree = Tree()
    if tree_id is not None:
        existing = store[tree_id]  # type: ignore[index]
        assert isinstance(existing, Tree)
        for entry in existing.iteritems():
            tree.add(entry.path, entry.mode, entry.sha)
    for name, change in changes.items():
        key = name.encode("utf-8", "surrogateescape")
        current = tree[key] if key in tree else None  # noqa: SIM401 (Tree has no get)
        path = f"{where}{name}"
        if isinstance(change, dict):
            if current is not None and not stat.S_ISDIR(current[0]):
                raise CommitError(f"cannot write under {path!r}: it is not a directory")
            sub = _rewrite(store, bytes(current[1]) if current else None, change, path + "/")
            tree.add(key, stat.S_IFDIR, ObjectID(sub))
            continue
        assert isinstance(change, bytes)
        mode = _REGULAR_FILE
        if current is not None:
            mode = current[0]
            if not stat.S_ISREG(mode):
                raise CommitError(
                    f"cannot write {path!r}: it is not a regular file (mode {mode:o})"
                )
        blob = Blob.from_string(change)
        store.add_object(blob)  # type: ignore[attr-defined]
        tree.add(key, mode, blob.id)
    store.add_object(tree)  # type: ignore[attr-defined]
    return bytes(tree.id)
