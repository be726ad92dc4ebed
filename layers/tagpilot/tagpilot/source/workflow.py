"""The fetch -> edit -> commit -> push loop of an image update automation, with retries.

Flux clones, applies the setters, commits and pushes once; a rejected push fails the reconcile
until the next interval. Here a push rejected because the remote moved is retried on a fresh
fetch with a fresh ``edit`` call, so concurrent pushers cost seconds, not an interval.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from tagpilot.source.checkout import Checkout
from tagpilot.source.commit import Signature, Signer, commit_files
from tagpilot.source.errors import GitPushError, PushRejectedError, RefNotFoundError
from tagpilot.source.fetch import fetch_branch
from tagpilot.source.paths import clean_path
from tagpilot.source.push import push
from tagpilot.source.remote import Remote

logger = logging.getLogger(__name__)


@runtime_checkable
class EditResult(Protocol):
    """What ``edit`` may return instead of a bare mapping: anything with ``files``."""

    @property
    def files(self) -> Mapping[str, bytes]: ...


@dataclass(frozen=True)
class FileChanges:
    """The :class:`EditResult` used when ``edit`` returns a plain mapping."""

    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkflowResult:
    """Outcome of :func:`run_update`.

    Attributes
    ----------
    commit_id:
        Hex id of the pushed commit, or ``None`` when nothing changed.
    pushed_branch:
        The branch pushed to (``None`` when nothing was pushed).
    source_revision:
        Flux's ``observedSourceRevision`` (``<branch>@sha1:<hash>``): the pushed commit when
        the push branch is the checkout branch, otherwise the checked-out commit.
    edit_result:
        The last ``edit`` result (for the commit message and events).
    attempts:
        Number of fetch/edit/push rounds used.
    pushed_refs:
        Remote refs updated (branch, then the refspec destination).
    """

    commit_id: bytes | None
    pushed_branch: str | None
    source_revision: str
    edit_result: EditResult | None = None
    attempts: int = 1
    pushed_refs: tuple[bytes, ...] = ()


EditFn = Callable[[Iterable[tuple[str, bytes]]], "Mapping[str, bytes] | EditResult"]


def accept_all(_name: str) -> bool:
    """Default file filter for :func:`run_update`: every regular file."""
    return True


def run_update(
    remote: Remote,
    checkout_branch: str,
    push_branch: str | None,
    path: str,
    edit: EditFn,
    author: Signature,
    message_for: Callable[[EditResult], str],
    signer: Signer | None = None,
    refspec: str | None = None,
    options: Mapping[str, str] | None = None,
    max_attempts: int = 3,
    *,
    accept: Callable[[str], bool] = accept_all,
    depth: int | None = 1,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WorkflowResult:
    """Fetch, edit, commit and push, retrying when the remote moves under us.

    Parameters
    ----------
    remote:
        The open remote.
    checkout_branch:
        Branch to check out (``git.checkout.ref.branch``).
    push_branch:
        ``git.push.branch``; ``None`` means the checkout branch. A different push branch
        starts from its remote head when it exists, else from the checkout head.
    path:
        ``update.path`` (directory or file; cleaned, cannot escape the repository).
    edit:
        Called with ``(path relative to update path, content)`` pairs, lazily read; returns the
        changed files (relative path -> new content) or an :class:`EditResult`. Called again
        after each rejected push, on the newly fetched tree.
    author:
        Author and committer.
    message_for:
        Renders the commit message from the edit result.
    signer:
        Optional OpenPGP signer.
    refspec:
        Extra push refspec (``git.push.refspec``).
    options:
        Push options (``git.push.options``).
    max_attempts:
        Rounds before a :class:`PushRejectedError` is re-raised.
    accept:
        Base-name filter for the files handed to ``edit``; filtering here avoids reading blobs.
    depth:
        Fetch depth.
    now:
        Clock for the commit time.

    Returns
    -------
    WorkflowResult

    Raises
    ------
    PushRejectedError
        Still rejected after ``max_attempts`` rounds.
    SourceError subclasses
        Any other Git failure (not retried here).

    Examples
    --------
    >>> result = run_update(remote, "main", None, "./clusters", setters,  # doctest: +SKIP
    ...                     Signature("fluxbot", "flux@example.com"), lambda r: "Update images")
    >>> result.source_revision  # doctest: +SKIP
    'main@sha1:3f1c...'
    """
    push_to = push_branch or checkout_branch
    base_path = clean_path(path)
    attempts = 0
    while True:
        attempts += 1
        checkout, source = _prepare(remote, checkout_branch, push_to, depth)
        try:
            raw = edit(checkout.iter_files(base_path, accept))
            result: EditResult = raw if isinstance(raw, EditResult) else FileChanges(dict(raw))
            # For a single-file update path, edit names the file by its base name.
            commit_base = (
                base_path if _is_dir(checkout, base_path) else posixpath.dirname(base_path)
            )
            changed = _effective_changes(checkout, commit_base, result.files)
            if not changed:
                return WorkflowResult(None, None, source.revision, result, attempts)
            commit_id = commit_files(
                checkout, commit_base, changed, author, message_for(result), signer, now()
            )
            try:
                refs = push(remote, checkout, commit_id, push_to, options=options, refspec=refspec)
            except PushRejectedError:
                if attempts >= max_attempts:
                    raise
                logger.info("push to %s rejected, refetching (attempt %d)", push_to, attempts)
                continue
            if push_to == checkout_branch:
                revision = f"{push_to}@sha1:{commit_id.decode()}"
            else:
                revision = source.revision
            return WorkflowResult(commit_id, push_to, revision, result, attempts, tuple(refs))
        finally:
            checkout.close()
            if source is not checkout:
                source.close()


def _prepare(
    remote: Remote, checkout_branch: str, push_to: str, depth: int | None
) -> tuple[Checkout, Checkout]:
    """Return (the checkout to edit and commit on, the checkout of the checkout branch)."""
    source = fetch_branch(remote, checkout_branch, depth)
    if push_to == checkout_branch:
        return source, source
    try:
        work = fetch_branch(remote, push_to, depth)
    except RefNotFoundError:
        # A new push branch starts from the checkout head, as in Flux.
        source.set_ref(b"refs/heads/" + push_to.encode(), source.commit_id)
        work_from_source = Checkout(repo=source.repo, commit_id=source.commit_id, branch=push_to)
        return work_from_source, source
    return work, source


def _effective_changes(
    checkout: Checkout, base_path: str, files: Mapping[str, bytes]
) -> dict[str, bytes]:
    """Drop files whose new content equals the committed content (a no-op run makes no commit)."""
    changed: dict[str, bytes] = {}
    for rel, content in files.items():
        found = checkout.lookup(f"{base_path}/{rel}" if base_path else rel)
        if found is not None:
            blob: Any = checkout.repo[found[1]]
            if getattr(blob, "data", None) == content:
                continue
        changed[rel] = content
    return changed


def _is_dir(checkout: Checkout, path: str) -> bool:
    if not path:
        return True
    found = checkout.lookup(path)
    return found is not None and (found[0] & 0o170000) == 0o040000


__all__ = [
    "EditResult",
    "FileChanges",
    "GitPushError",
    "WorkflowResult",
    "accept_all",
    "run_update",
]
