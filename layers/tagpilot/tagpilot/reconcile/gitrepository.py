"""Reconcile a GitRepository: resolve its ref on the remote and record it as Flux does.

tagpilot does not build source artifacts (no cluster consumes them); it records what Flux's
source-controller reports about one: ``status.artifact.revision`` (``main@sha1:<sha>``,
``v1.0.0@sha1:<sha>``, ``sha1:<sha>`` for a bare commit), ``Ready`` with Flux's message
``stored artifact for revision '<revision>'``, and the handled reconcile request. One
``ls-remote``: no objects are fetched. Events as source-controller emits them
(:func:`tagpilot.reconcile.events.notify_git_source`).
"""

from __future__ import annotations

from typing import Any

from tagpilot.api import conditions
from tagpilot.api.conditions import now_rfc3339
from tagpilot.api.gitrepository import GitRepositorySpec
from tagpilot.errors import TagpilotError
from tagpilot.policy.errors import PolicyError
from tagpilot.policy.semver_range import parse_range
from tagpilot.policy.version import coerce
from tagpilot.reconcile import events
from tagpilot.reconcile.common import Outcome, handled_request
from tagpilot.source.auth import GitAuth
from tagpilot.source.errors import AuthenticationError, InvalidAuthError
from tagpilot.source.fetch import ls_remote
from tagpilot.source.remote import open_remote
from tagpilot.store.errors import SecretNotFoundError

KIND = "GitRepository"
GIT_OPERATION_FAILED = "GitOperationFailed"
AUTHENTICATION_FAILED = "AuthenticationFailed"


class _RefError(Exception):
    pass


def resolve(refs: dict[bytes, bytes], ref: dict[str, Any]) -> str:
    """The Flux revision string of ``ref`` among ``refs`` (``ls-remote`` output)."""
    if ref.get("commit"):
        commit = str(ref["commit"])
        return f"{ref['branch']}@sha1:{commit}" if ref.get("branch") else f"sha1:{commit}"
    if ref.get("name"):
        name = str(ref["name"])
        sha = refs.get(f"{name}^{{}}".encode()) or refs.get(name.encode())
        if sha is None:
            raise _RefError(f"unable to resolve ref '{name}'")
        return f"{name}@sha1:{sha.decode()}"
    if ref.get("semver"):
        return _semver(refs, str(ref["semver"]))
    if ref.get("tag"):
        tag = str(ref["tag"])
        sha = refs.get(f"refs/tags/{tag}^{{}}".encode()) or refs.get(f"refs/tags/{tag}".encode())
        if sha is None:
            raise _RefError(f"unable to resolve tag '{tag}'")
        return f"{tag}@sha1:{sha.decode()}"
    branch = str(ref.get("branch") or "master")
    sha = refs.get(f"refs/heads/{branch}".encode())
    if sha is None:
        raise _RefError(f'unable to clone: couldn\'t find remote ref "refs/heads/{branch}"')
    return f"{branch}@sha1:{sha.decode()}"


def _semver(refs: dict[bytes, bytes], constraint: str) -> str:
    try:
        wanted = parse_range(constraint)
    except PolicyError as exc:
        raise _RefError(f"semver parse error: {exc}") from exc
    best: tuple[Any, str] | None = None
    for raw in refs:
        name = raw.decode(errors="replace")
        if not name.startswith("refs/tags/") or name.endswith("^{}"):
            continue
        tag = name[len("refs/tags/") :]
        version = coerce(tag)
        if version is None or not wanted.check(version):
            continue
        if best is None or version > best[0]:
            best = (version, tag)
    if best is None:
        raise _RefError(f"no match found for semver: {constraint}")
    tag = best[1]
    sha = refs.get(f"refs/tags/{tag}^{{}}".encode()) or refs[f"refs/tags/{tag}".encode()]
    return f"{tag}@sha1:{sha.decode()}"


def reconcile(app: Any, namespace: str, name: str) -> Outcome:
    """Resolve the ref and write the status; never raises for Git problems."""
    out = Outcome(KIND, namespace, name)
    repo = app.objects.get(KIND, namespace, name)
    if repo is None:
        out.skipped = "not found"
        return out
    if repo.suspended:
        out.skipped = "suspended"
        return out
    status = dict(repo.status)
    handled_request(repo, status)
    spec = GitRepositorySpec.from_dict(repo.spec)
    secret_name = spec.secret_ref
    try:
        auth = None
        if secret_name:
            data = app.secrets.get(namespace, secret_name).data
            auth = GitAuth.from_secret({k: str(v).encode() for k, v in data.items()})
        with open_remote(spec.url, auth, spec.timeout) as remote:
            refs = ls_remote(remote)
        revision = resolve(refs, spec.ref or {})
    except SecretNotFoundError:
        message = f"failed to get secret '{namespace}/{secret_name}': not found"
        conditions.mark_failed(status, AUTHENTICATION_FAILED, message, generation=repo.generation)
    except (AuthenticationError, InvalidAuthError) as exc:
        conditions.mark_failed(status, AUTHENTICATION_FAILED, str(exc), generation=repo.generation)
    except (TagpilotError, _RefError) as exc:
        message = f"failed to checkout and determine revision: {exc}"
        conditions.mark_failed(status, GIT_OPERATION_FAILED, message, generation=repo.generation)
    else:
        previous = (status.get("artifact") or {}).get("revision")
        artifact = dict(status.get("artifact") or {})
        artifact["revision"] = revision
        if previous != revision or "lastUpdateTime" not in artifact:
            artifact["lastUpdateTime"] = now_rfc3339()
        status["artifact"] = artifact
        message = f"stored artifact for revision '{revision}'"
        conditions.mark_ready(status, conditions.SUCCEEDED, message, generation=repo.generation)
    cond = conditions.get(status, conditions.READY) or {}
    out.ready, out.reason, out.message = (
        str(cond.get("status", "Unknown")),
        str(cond.get("reason", "")),
        str(cond.get("message", "")),
    )
    app.objects.write_status(repo, status, next_due_at=None)
    events.notify_git_source(app, repo, repo.status, status)
    return out
