"""Single-branch shallow fetches into memory, and ``ls-remote``.

No working tree is written: :class:`Checkout` reads files straight from Git tree objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dulwich.object_store import peel_sha
from dulwich.objects import ObjectID
from dulwich.repo import MemoryRepo

from tagpilot.source.checkout import Checkout
from tagpilot.source.errors import (
    InvalidRefError,
    RefNotFoundError,
    UnsupportedRefError,
)
from tagpilot.source.remote import Remote, translate_errors

__all__ = ["Checkout", "CheckoutRef", "fetch_branch", "fetch_ref", "ls_remote"]

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class CheckoutRef:
    """Flux's ``GitRepositoryRef``: the first set field of commit, name, semver, tag, branch wins.

    A ``commit`` combined with ``branch`` checks out that commit of the branch.
    """

    branch: str | None = None
    tag: str | None = None
    semver: str | None = None
    name: str | None = None
    commit: str | None = None


def ls_remote(remote: Remote) -> dict[bytes, bytes]:
    """List the remote's references (``git ls-remote``), peeled tags included as ``^{}``.

    Cheap: one round trip, no objects. The automation compares the push branch head with the
    last observed revision to skip the fetch.

    Raises
    ------
    SourceError subclasses (authentication, transport, not found).
    """
    with translate_errors(remote, "ls-remote"):
        result = remote.client.get_refs(remote.path_bytes)
    # dulwich already lists peeled tags as "<tag>^{}" entries.
    return {bytes(k): bytes(v) for k, v in result.refs.items() if v is not None}


def fetch_branch(remote: Remote, branch: str, depth: int | None = 1) -> Checkout:
    """Fetch one branch into memory.

    Parameters
    ----------
    remote:
        An open remote (:func:`tagpilot.source.remote.open_remote`).
    branch:
        Branch name without ``refs/heads/``.
    depth:
        Shallow depth (1 = only the head commit); ``None`` for the full history.

    Returns
    -------
    Checkout

    Raises
    ------
    RefNotFoundError
        The branch does not exist on the remote.

    Examples
    --------
    >>> checkout = fetch_branch(remote, "main")  # doctest: +SKIP
    >>> checkout.revision  # doctest: +SKIP
    'main@sha1:6f1c...'
    """
    _check_ref_name(branch)
    return _fetch(remote, b"refs/heads/" + branch.encode(), depth, branch=branch)


def fetch_ref(remote: Remote, ref: CheckoutRef, depth: int | None = 1) -> Checkout:
    """Fetch what a Flux ``GitRepository.spec.ref`` designates (``master`` branch when empty).

    Raises
    ------
    UnsupportedRefError
        ``semver`` references (not implemented).
    RefNotFoundError, InvalidRefError
    """
    if ref.commit:
        return _fetch_commit(remote, ref.commit.lower(), ref.branch, depth)
    if ref.name:
        name = ref.name
        if not name.startswith("refs/"):
            raise InvalidRefError(f"reference name {name!r} must start with 'refs/'")
        _check_ref_name(name)
        branch = name.removeprefix("refs/heads/") if name.startswith("refs/heads/") else None
        return _fetch(remote, name.encode(), depth, branch=branch)
    if ref.semver:
        raise UnsupportedRefError("checkout by semver range is not supported; use a branch or tag")
    if ref.tag:
        _check_ref_name(ref.tag)
        return _fetch(remote, b"refs/tags/" + ref.tag.encode(), depth, branch=None)
    return fetch_branch(remote, ref.branch or "master", depth)


def _fetch(remote: Remote, refname: bytes, depth: int | None, branch: str | None) -> Checkout:
    repo = MemoryRepo()
    found: dict[str, bytes] = {}

    def determine_wants(refs: Mapping[bytes, bytes], depth: int | None = None) -> list[bytes]:
        sha = refs.get(refname)
        if sha is None:
            raise RefNotFoundError(f"{remote.url}: reference {refname.decode()!r} not found")
        found["sha"] = sha
        return [sha]

    with translate_errors(remote, "fetch"):
        remote.client.fetch(
            remote.path_bytes,
            repo,
            determine_wants=determine_wants,  # type: ignore[arg-type]
            depth=depth,
            ref_prefix=[refname],
        )
    sha = found["sha"]
    # A tag ref may point at an annotated tag object: check out the commit it peels to.
    commit_id = bytes(peel_sha(repo.object_store, ObjectID(sha))[1].id)
    checkout = Checkout(repo=repo, commit_id=commit_id, branch=branch, ref=refname)
    if branch is not None:
        checkout.set_ref(b"refs/heads/" + branch.encode(), commit_id)
    return checkout


def _fetch_commit(remote: Remote, commit: str, branch: str | None, depth: int | None) -> Checkout:
    if len(commit) != 40 or not set(commit) <= _HEX:
        raise InvalidRefError(f"commit {commit!r} is not a full SHA-1 hex id")
    if branch is None:
        raise UnsupportedRefError("checkout by commit needs a branch that contains the commit")
    # Fetch the branch with enough history to contain the commit: try shallow first, then deepen.
    for attempt_depth in (depth, None) if depth is not None else (None,):
        checkout = fetch_branch(remote, branch, attempt_depth)
        if checkout.has_object(commit.encode()):
            return Checkout(
                repo=checkout.repo,
                commit_id=commit.encode(),
                branch=branch,
                ref=checkout.ref,
            )
        checkout.close()
    raise RefNotFoundError(f"{remote.url}: commit {commit} is not on branch {branch!r}")


def _check_ref_name(name: str) -> None:
    # The rules of git-check-ref-format that matter for safety and clear errors.
    bad = (
        not name
        or name.startswith(("/", "-"))
        or name.endswith(("/", ".", ".lock"))
        or ".." in name
        or "//" in name
        or "@{" in name
        or any(c in name for c in " ~^:?*[\\\x7f")
        or any(ord(c) < 0x20 for c in name)
    )
    if bad:
        raise InvalidRefError(f"invalid Git reference name {name!r}")
