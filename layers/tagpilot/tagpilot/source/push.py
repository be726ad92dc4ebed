"""Push a commit made with :func:`~tagpilot.source.commit.commit_files`.

Git servers accept non-fast-forward updates unless ``receive.denyNonFastForwards`` is set, so,
like ``git push``, the fast-forward check is done here: an update whose current remote value is
not an ancestor of the new commit in the local (shallow) history is rejected with
:class:`PushRejectedError` unless forced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dulwich.errors import SendPackError
from dulwich.objects import ZERO_SHA, Commit

from tagpilot.source.checkout import Checkout
from tagpilot.source.errors import (
    GitPushError,
    InvalidRefError,
    PushOptionsUnsupportedError,
    PushRejectedError,
)
from tagpilot.source.refspec import parse_refspec, resolve_dst
from tagpilot.source.remote import Remote, translate_errors

#: Server reasons (``ng <ref> <reason>``) that mean "the remote moved: refetch and retry".
#: ``failed to update ref`` and ``failed to lock`` are git receive-pack's answers when another
#: push updated (or held) the ref between our advertisement and our update: a ref-update race.
_RETRYABLE_REASONS = (
    "non-fast-forward",
    "fetch first",
    "stale info",
    "cannot lock ref",
    "incorrect old value",
    "failed to update ref",
    "failed to lock",
)


def push(
    remote: Remote,
    checkout: Checkout,
    commit_id: bytes,
    branch: str,
    *,
    force: bool = False,
    options: Mapping[str, str] | None = None,
    refspec: str | None = None,
) -> list[bytes]:
    """Push ``commit_id`` to ``refs/heads/<branch>``, then the optional extra refspec.

    Parameters
    ----------
    remote:
        The open remote.
    checkout:
        The checkout the commit was made in (holds its objects and shallow boundary).
    commit_id:
        Hex id of the commit to push.
    branch:
        Destination branch name.
    force:
        Allow a non-fast-forward update of ``branch``. Refused for the checkout branch.
    options:
        Push options (``git push -o key=value``), sent with every push. The server must
        advertise ``push-options`` (``git push`` refuses otherwise, and so does this).
    refspec:
        Extra ``[+]src:dst`` push done after the branch push, as Flux's ``git.push.refspec``.
        ``src`` is resolved locally: ``HEAD`` and ``refs/heads/<branch>`` are the new commit.

    Returns
    -------
    list[bytes]
        The remote refs that were updated.

    Raises
    ------
    PushRejectedError
        A non-fast-forward update or a lost ref-update race (the remote moved): refetch and
        retry.
    PushOptionsUnsupportedError
        Options were given but the server does not support them.
    GitPushError
        Any other refusal, with the server's reason.

    Examples
    --------
    >>> push(remote, checkout, commit_id, "main", options={"ci.skip": ""})  # doctest: +SKIP
    [b'refs/heads/main']
    """
    if force and branch == checkout.branch:
        raise GitPushError(f"refusing to force-push the checkout branch {branch!r}")
    target = b"refs/heads/" + branch.encode()
    opts = [f"{k}={v}".encode() for k, v in (options or {}).items()]
    _send(remote, checkout, {target: commit_id}, force=force, options=opts)
    checkout.set_ref(target, commit_id)
    pushed = [target]
    if refspec:
        spec = parse_refspec(refspec)
        src = _resolve_src(checkout, spec.src, commit_id)
        sha = checkout.get_ref(src) if src != b"HEAD" else commit_id
        assert sha is not None  # _resolve_src only returns existing refs
        remote_refs = _remote_ref_names(remote)
        dst = resolve_dst(spec.dst, remote_refs, src.decode())
        if spec.force and checkout.branch and dst == b"refs/heads/" + checkout.branch.encode():
            raise GitPushError(f"refusing to force-push the checkout branch {checkout.branch!r}")
        _send(remote, checkout, {dst: sha}, force=spec.force, options=opts)
        pushed.append(dst)
    return pushed


def _resolve_src(checkout: Checkout, src: str, commit_id: bytes) -> bytes:
    if src == "HEAD":
        return b"HEAD"
    candidates = (
        [src]
        if src.startswith("refs/")
        else [f"refs/{src}", f"refs/tags/{src}", f"refs/heads/{src}"]
    )
    for name in candidates:
        if checkout.get_ref(name.encode()) is not None:
            return name.encode()
    raise InvalidRefError(f"push refspec source {src!r} does not match any local ref")


def _remote_ref_names(remote: Remote) -> set[bytes]:
    with translate_errors(remote, "ls-remote"):
        result = remote.client.get_refs(remote.path_bytes)
    return {bytes(name) for name in result.refs}


def _send(
    remote: Remote,
    checkout: Checkout,
    updates: dict[bytes, bytes],
    *,
    force: bool,
    options: list[bytes],
) -> None:
    repo = checkout.repo

    def update_refs(old: dict[bytes, bytes]) -> dict[bytes, bytes]:
        if options and not remote.supports_push_options():
            raise PushOptionsUnsupportedError(
                f"{remote.url}: the server does not support push options"
            )
        new = dict(old)
        for ref, sha in updates.items():
            current = old.get(ref)
            if current and current != sha and not force and not _is_ancestor(repo, current, sha):
                raise PushRejectedError(
                    f"{remote.url}: updating {ref.decode()} is not a fast-forward "
                    "(the remote branch moved)"
                )
            new[ref] = sha
        return new

    def generate_pack_data(
        have: Any, want: Any, *, ofs_delta: bool = False, progress: Any = None
    ) -> Any:
        # Haves the shallow clone never saw cannot be walked; the repo's shallow set bounds the
        # object walk so commits below the shallow boundary are not required.
        known = {sha for sha in have if sha in repo.object_store}
        return repo.generate_pack_data(known, set(want), progress=progress, ofs_delta=ofs_delta)

    try:
        with translate_errors(remote, "push to"):
            result = remote.client.send_pack(
                remote.path_bytes,
                update_refs,  # type: ignore[arg-type]
                generate_pack_data=generate_pack_data,
                push_options=options or None,
            )
    except SendPackError as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise GitPushError(f"{remote.url}: push failed: {reason}") from None
    for ref, error in (result.ref_status or {}).items():
        if error is None:
            continue
        message = f"{remote.url}: {ref.decode()} rejected: {error}"
        if any(reason in error for reason in _RETRYABLE_REASONS):
            raise PushRejectedError(message)
        raise GitPushError(message)


def _is_ancestor(repo: Any, ancestor: bytes, descendant: bytes) -> bool:
    """Whether ``ancestor`` is reachable from ``descendant`` in the local objects.

    Unknown commits (the remote moved past what was fetched) and the shallow boundary make the
    answer "no", which is the safe answer: the caller refetches and retries.
    """
    if ancestor == ZERO_SHA:
        return True
    if ancestor not in repo.object_store:
        return False
    shallow = repo.get_shallow()
    seen: set[bytes] = set()
    stack = [descendant]
    while stack:
        sha = stack.pop()
        if sha == ancestor:
            return True
        if sha in seen or sha not in repo.object_store:
            continue
        seen.add(sha)
        obj = repo.object_store[sha]
        if isinstance(obj, Commit) and sha not in shallow:
            stack.extend(obj.parents)
    return False
