"""A fetched commit held in memory, read straight from Git tree objects (no working tree)."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dulwich.objects import Blob, Commit, ObjectID, Tree
from dulwich.refs import Ref
from dulwich.repo import MemoryRepo, Repo

from tagpilot.golang.filepath import Kind, walk
from tagpilot.source.errors import PathNotFoundError
from tagpilot.source.paths import clean_path

#: Git tree entry modes that are not regular files.
SYMLINK_MODE = 0o120000
GITLINK_MODE = 0o160000


@dataclass
class Checkout:
    """The result of a fetch.

    Attributes
    ----------
    repo:
        In-memory dulwich repository holding the fetched objects.
    commit_id:
        Hex id of the checked-out commit (bytes).
    branch:
        The branch checked out, or ``None`` for a tag/reference/commit without a branch.
    ref:
        The full remote reference that was fetched.
    """

    repo: MemoryRepo | Repo
    commit_id: bytes
    branch: str | None
    ref: bytes = b""
    _closed: bool = field(default=False, repr=False)

    @property
    def shallow(self) -> set[bytes]:
        """Commits whose parents were not fetched (the shallow boundary)."""
        return {bytes(sha) for sha in self.repo.get_shallow()}

    @property
    def commit(self) -> Commit:
        obj = self.repo[self.commit_id]
        assert isinstance(obj, Commit)
        return obj

    @property
    def revision(self) -> str:
        """Flux's revision string ``<branch>@sha1:<hash>`` (``sha1:<hash>`` without a branch)."""
        sha = self.commit_id.decode()
        return f"{self.branch}@sha1:{sha}" if self.branch else f"sha1:{sha}"

    def tree(self) -> Tree:
        obj = self.repo[self.commit.tree]
        assert isinstance(obj, Tree)
        return obj

    def iter_files(self, path: str, accept: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
        """Walk the files under ``path`` in lexical order, like Go's ``filepath.Walk``.

        Parameters
        ----------
        path:
            Directory or single file, relative to the repository root; cleaned so ``..`` cannot
            escape and a leading ``/`` means the root
            (see :func:`~tagpilot.source.paths.clean_path`).
        accept:
            Called with each file's base name; only accepted blobs are read.

        Yields
        ------
        tuple[str, bytes]
            The path relative to ``path`` (the base name when ``path`` is a file) and the blob
            content, walked by :func:`tagpilot.golang.filepath.walk` (the walker and symlink
            rule ``tagpilot update`` uses too): symbolic links (mode 120000) and submodules
            (160000) are skipped.

        Raises
        ------
        PathNotFoundError
            ``path`` does not exist (or goes through a file, symlink or submodule).

        Examples
        --------
        >>> files = checkout.iter_files("apps/", lambda n: n.endswith(".yaml"))  # doctest: +SKIP
        >>> next(files)  # doctest: +SKIP
        ('web/deployment.yaml', b'apiVersion: apps/v1...')
        """
        cleaned = clean_path(path)
        # Resolve eagerly so a missing path fails at the call, not at the first iteration.
        mode, sha = self._lookup(cleaned)
        if stat.S_ISDIR(mode):
            return self._walk(sha, "", accept)
        if mode in (SYMLINK_MODE, GITLINK_MODE):
            return iter(())
        return self._single(cleaned.rsplit("/", 1)[-1], sha, accept)

    def _single(
        self, name: str, sha: bytes, accept: Callable[[str], bool]
    ) -> Iterator[tuple[str, bytes]]:
        if accept(name):
            yield name, self._blob(sha)

    def set_ref(self, name: bytes, sha: bytes) -> None:
        """Point a local ref (e.g. ``refs/heads/main``) at ``sha``."""
        self.repo.refs[Ref(name)] = ObjectID(sha)

    def get_ref(self, name: bytes) -> bytes | None:
        """The local ref's target, or ``None``."""
        refs = self.repo.refs
        return bytes(refs[Ref(name)]) if Ref(name) in refs else None

    def has_object(self, sha: bytes) -> bool:
        return ObjectID(sha) in self.repo.object_store

    def lookup(self, path: str) -> tuple[int, bytes] | None:
        """Mode and object id at a cleaned path, or ``None`` when it does not exist."""
        try:
            return self._lookup(clean_path(path))
        except PathNotFoundError:
            return None

    def _lookup(self, cleaned: str) -> tuple[int, bytes]:
        mode, sha = stat.S_IFDIR, bytes(self.commit.tree)
        if not cleaned:
            return mode, sha
        for part in cleaned.split("/"):
            if not stat.S_ISDIR(mode):
                raise PathNotFoundError(f"path {cleaned!r} does not exist in {self.revision}")
            tree = self.repo[sha]
            assert isinstance(tree, Tree)
            try:
                mode, sha = tree[part.encode("utf-8", "surrogateescape")]
            except KeyError:
                raise PathNotFoundError(
                    f"path {cleaned!r} does not exist in {self.revision}"
                ) from None
        return mode, bytes(sha)

    def _walk(
        self, tree_id: bytes, prefix: str, accept: Callable[[str], bool]
    ) -> Iterator[tuple[str, bytes]]:
        for rel, sha in walk(self._list_tree, tree_id, accept, prefix):
            yield rel, self._blob(sha)

    def _list_tree(self, tree_id: bytes) -> Iterator[tuple[bytes, Kind, bytes]]:
        tree = self.repo[tree_id]
        assert isinstance(tree, Tree)
        for entry in tree.iteritems():
            if stat.S_ISDIR(entry.mode):
                kind = Kind.DIR
            elif entry.mode == SYMLINK_MODE:
                kind = Kind.SYMLINK
            elif entry.mode == GITLINK_MODE:
                kind = Kind.OTHER
            else:
                kind = Kind.FILE
            yield entry.path, kind, bytes(entry.sha)

    def _blob(self, sha: bytes) -> bytes:
        blob = self.repo[sha]
        assert isinstance(blob, Blob)
        return bytes(blob.data)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.repo.close()

    def __enter__(self) -> Checkout:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
