"""Git commit-status types: github, gitlab, gitea, bitbucket (reference section 3.6).

Each reads the commit's existing statuses first and skips when the latest one with the same id
already has the same state and description, then posts the new status.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import quote, urlsplit

from tagpilot.notify.event import ERROR, INFO, Event, reason_description
from tagpilot.notify.providers.base import (
    BITBUCKET_API,
    GITHUB_API,
    USER_AGENT,
    PermanentError,
    ProviderConfig,
    Send,
    check_status,
    post_json,
)

TYPES = ("github", "gitlab", "gitea", "bitbucket")
_STATES = {
    "github": {INFO: "success", ERROR: "failure"},
    "gitlab": {INFO: "success", ERROR: "failed"},
    "gitea": {INFO: "success", ERROR: "failure"},
    "bitbucket": {INFO: "SUCCESSFUL", ERROR: "FAILED"},
}
_SCP = re.compile(r"^[\w.-]+@([\w.-]+):(.+)$")


def parse_git_address(address: str) -> tuple[str, str]:
    """``(https://host, owner/repo)`` from an https, ssh or scp-like Git address."""
    match = _SCP.fullmatch(address)
    if match:
        host, path = match.group(1), match.group(2)
        base = f"https://{host}"
    else:
        parts = urlsplit(address)
        if not parts.scheme or not parts.netloc:
            raise PermanentError(f"failed to parse repository address '{address}'")
        scheme = "https" if parts.scheme == "ssh" else parts.scheme
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port and parts.scheme != "ssh" else ""
        base, path = f"{scheme}://{host}{port}", parts.path
    repo_id = path.lstrip("/")
    if repo_id.endswith(".git"):
        repo_id = repo_id[: -len(".git")]
    return base, repo_id


def commit_sha(event: Event) -> str:
    """The SHA of ``commit``, ``originRevision`` or ``revision`` metadata (in that order)."""
    meta = event.metadata
    revision = meta.get("commit") or meta.get("originRevision") or meta.get("revision")
    if not revision:
        raise PermanentError("missing revision metadata")
    if ":" in revision:
        sha = revision.rsplit(":", 1)[-1]
    elif "/" in revision:
        sha = revision.rsplit("/", 1)[-1]
    else:
        sha = revision
    if len(sha) != 40:
        raise PermanentError(f"failed to extract commit hash from '{revision}' revision")
    return sha


def status_id(cfg: ProviderConfig, event: Event) -> str:
    """``<kind>/<name>/<first block of the Provider UID>``, lower case."""
    return f"{event.kind}/{event.name}/{cfg.uid.split('-', 1)[0]}".lower()


def _state(kind: str, event: Event) -> str:
    if kind == "gitea" and event.reason == "Progressing":
        return "pending"
    state = _STATES[kind].get(event.severity)
    if state is None:
        raise PermanentError(f"can't convert to {kind} state")
    return state


def _owner_repo(repo_id: str) -> tuple[str, str]:
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts):
        raise PermanentError(f"invalid repository id: '{repo_id}'")
    return parts[0], parts[1]


def _get(send: Send, url: str, headers: dict[str, str]) -> Any:
    response = send(
        "GET", url, {"Accept": "application/json", "User-Agent": USER_AGENT, **headers}, None
    )
    if response.status == 404:
        return None
    check_status(response)
    return response.json()


def github(cfg: ProviderConfig, event: Event, send: Send) -> None:
    base, repo_id = parse_git_address(cfg.address)
    owner, repo = _owner_repo(repo_id)
    if not cfg.token:
        raise PermanentError("github token cannot be empty")
    api = cfg.endpoint(GITHUB_API) if base == "https://github.com" else f"{base}/api/v3"
    sha, state = commit_sha(event), _state("github", event)
    context, description = status_id(cfg, event), reason_description(event.reason)
    auth = {"Authorization": f"Bearer {cfg.token}"}
    existing = _get(send, f"{api}/repos/{owner}/{repo}/commits/{sha}/statuses?per_page=50", auth)
    for status in existing or []:
        if status.get("context") == context:
            if status.get("state") == state and status.get("description") == description:
                return
            break
    body = {"state": state, "description": description, "context": context}
    post_json(send, f"{api}/repos/{owner}/{repo}/statuses/{sha}", body, auth)


def gitlab(cfg: ProviderConfig, event: Event, send: Send) -> None:
    base, repo_id = parse_git_address(cfg.address)
    if not cfg.token:
        raise PermanentError("gitlab token cannot be empty")
    project = quote(repo_id, safe="")
    sha, state = commit_sha(event), _state("gitlab", event)
    name, description = status_id(cfg, event), reason_description(event.reason)
    auth = {"PRIVATE-TOKEN": cfg.token}
    api = f"{base}/api/v4/projects/{project}"
    existing = _get(
        send, f"{api}/repository/commits/{sha}/statuses?name={quote(name, safe='')}", auth
    )
    for status in existing or []:
        if status.get("name") == name:
            if status.get("status") == state and status.get("description") == description:
                return
            break
    body = {"state": state, "name": name, "description": description}
    post_json(send, f"{api}/statuses/{sha}", body, auth)


def gitea(cfg: ProviderConfig, event: Event, send: Send) -> None:
    base, repo_id = parse_git_address(cfg.address)
    owner, repo = _owner_repo(repo_id)
    if not cfg.token:
        raise PermanentError("gitea token cannot be empty")
    sha, state = commit_sha(event), _state("gitea", event)
    context, description = status_id(cfg, event), reason_description(event.reason)
    auth = {"Authorization": f"token {cfg.token}"}
    api = f"{base}/api/v1/repos/{owner}/{repo}"
    existing = _get(send, f"{api}/commits/{sha}/statuses?page=1&limit=50", auth)
    for status in existing or []:
        if status.get("context") == context:
            if status.get("status") == state and status.get("description") == description:
                return
            break
    body = {"state": state, "target_url": "", "description": description, "context": context}
    post_json(send, f"{api}/statuses/{sha}", body, auth)


def bitbucket(cfg: ProviderConfig, event: Event, send: Send) -> None:
    _, repo_id = parse_git_address(cfg.address)
    owner, repo = _owner_repo(repo_id)
    user, sep, password = cfg.token.partition(":")
    if not sep or not user or not password:
        raise PermanentError("invalid token format, expected to be <user>:<password>")
    sha, state = commit_sha(event), _state("bitbucket", event)
    ident, description = status_id(cfg, event), reason_description(event.reason)
    key = hashlib.sha1(ident.encode()).hexdigest()  # noqa: S324 - Flux's status key
    name = f"{event.kind}/{event.name}".lower()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    api = f"{cfg.endpoint(BITBUCKET_API)}/2.0/repositories/{owner}/{repo}/commit/{sha}"
    existing = _get(send, f"{api}/statuses/build/{key}", auth)
    if (
        isinstance(existing, dict)
        and existing.get("state") == state
        and existing.get("description") == description
    ):
        return
    body = {
        "state": state,
        "key": key,
        "name": name,
        "description": description,
        "url": "https://bitbucket.org",
    }
    post_json(send, f"{api}/statuses/build", body, auth)
