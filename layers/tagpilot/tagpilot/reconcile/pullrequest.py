"""Pull request mode of an ImageUpdateAutomation (``tagpilot.dev/pull-request: <forge>``).

The run pushes to a branch rendered from ``tagpilot.dev/pull-request-branch`` (Go template; default
``tagpilot/{{ .AutomationObject }}``) instead of ``spec.git.push.branch``, then opens or updates the
automation's one pull request into the checkout branch (title and body templates, labels,
reviewers, optional auto-merge), and closes it when the checkout branch already has the change.
Template data: ``.AutomationObject`` (``namespace/name``), ``.Images`` (the policies' latest
``name:tag``, sorted), ``.Hash`` (12 hex digits of their SHA-256), ``.Branch`` and ``.Base``.

The forge token is read from a Secret by reference (``tagpilot.dev/pull-request-secret``, key
``token``). The result goes to a ``tagpilot.dev/PullRequest`` condition and
``status.extensions.pullRequest``; a forge failure never undoes the push.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tagpilot.api import conditions
from tagpilot.api import extensions as ext
from tagpilot.api.extensions import ExtensionError
from tagpilot.api.imageupdateautomation import ImageUpdateAutomationSpec
from tagpilot.api.resource import Resource
from tagpilot.forge.base import ForgeError, Proposal
from tagpilot.forge.sync import close_landed, sync
from tagpilot.golang.template import TemplateExecError, TemplateParseError, render
from tagpilot.reconcile.app import App
from tagpilot.reconcile.gitconfig import GitConfig, StalledError, secret_bytes
from tagpilot.source.auth import GitAuth
from tagpilot.source.fetch import fetch_branch
from tagpilot.source.paths import clean_path
from tagpilot.source.remote import open_remote
from tagpilot.update.apply import apply_setters
from tagpilot.update.imageref import ImageRef
from tagpilot.update.setters import setters_for_policies
from tagpilot.update.walk import is_candidate_name

CONDITION = ext.PREFIX + "PullRequest"
DEFAULT_BRANCH = "tagpilot/{{ .AutomationObject }}"
DEFAULT_TITLE = "Update images of {{ .AutomationObject }}"
DEFAULT_BODY = "Automated image update by tagpilot.\n\n{{ range .Images }}- `{{ . }}`\n{{ end }}"


@dataclass
class Mode:
    """A pull request run: the forge settings and the rendered branch."""

    kind: str
    api: str | None
    repository: str
    secret: str
    branch: str
    data: dict[str, Any]
    annotations: Mapping[str, str]


def _render(annotations: Mapping[str, str], key: str, default: str, data: Any) -> str:
    text = annotations.get(key, default)
    try:
        return render(key, text, data).strip()
    except (TemplateParseError, TemplateExecError) as exc:
        raise ExtensionError(key, str(exc)) from None


def repository_of(url: str) -> str:
    """``owner/repo`` (GitLab: the full project path) of a Git URL."""
    scp_like = "://" not in url and ":" in url  # git@host:owner/repo.git
    path = (url.split(":", 1)[1] if scp_like else urlsplit(url).path).strip("/")
    return path[:-4] if path.endswith(".git") else path


def prepare(
    automation: Resource, url: str, base: str, policies: Mapping[str, Mapping[str, str]]
) -> Mode | None:
    """The pull request mode of ``automation``, or ``None`` when it pushes like Flux."""
    annotations = automation.annotations
    kind = annotations.get(ext.PULL_REQUEST)
    if kind is None:
        return None
    secret = annotations.get(ext.PULL_REQUEST_SECRET)
    if not secret:
        raise ExtensionError(ext.PULL_REQUEST_SECRET, "names the Secret with the forge token")
    images = sorted(f"{ref['name']}:{ref['tag']}" for ref in policies.values())
    data: dict[str, Any] = {
        "AutomationObject": automation.key,
        "Images": images,
        "Hash": hashlib.sha256("\n".join(images).encode()).hexdigest()[:12],
        "Base": base,
    }
    branch = _render(annotations, ext.PULL_REQUEST_BRANCH, DEFAULT_BRANCH, data)
    if not branch or branch == base or " " in branch:
        raise ExtensionError(ext.PULL_REQUEST_BRANCH, f"invalid branch name {branch!r}")
    data["Branch"] = branch
    return Mode(
        kind,
        annotations.get(ext.PULL_REQUEST_API),
        annotations.get(ext.PULL_REQUEST_REPOSITORY) or repository_of(url),
        secret,
        branch,
        data,
        annotations,
    )


def _list(annotations: Mapping[str, str], key: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in annotations.get(key, "").split(",") if part.strip())


def publish(
    app: App, automation: Resource, mode: Mode, landed: bool, status: dict[str, Any]
) -> str:
    """Open/update (or close, when ``landed``) the pull request; record it in ``status``."""
    gen = automation.generation
    try:
        token = app.secrets.get(automation.namespace, mode.secret, use="git").data.get("token")
        if not token:
            raise ForgeError(f"Secret '{automation.namespace}/{mode.secret}' has no 'token'")
        if app.forges is None:
            raise ForgeError("no forge client is configured in this process")
        forge = app.forges(mode.kind, mode.repository, token, mode.api)
        if landed:
            closed = close_landed(forge, automation.key, mode.data["Base"])
            message = f"change already on {mode.data['Base']}" + (
                f": closed #{closed[0].number}" if closed else ""
            )
            conditions.set_condition(status, CONDITION, "True", "Landed", message, generation=gen)
            status.setdefault("extensions", {}).pop("pullRequest", None)
            return message
        proposal = Proposal(
            head=mode.branch,
            base=mode.data["Base"],
            title=_render(mode.annotations, ext.PULL_REQUEST_TITLE, DEFAULT_TITLE, mode.data),
            body=_render(mode.annotations, ext.PULL_REQUEST_BODY, DEFAULT_BODY, mode.data),
            labels=_list(mode.annotations, ext.PULL_REQUEST_LABELS),
            reviewers=_list(mode.annotations, ext.PULL_REQUEST_REVIEWERS),
            auto_merge=mode.annotations.get(ext.PULL_REQUEST_AUTO_MERGE) == "true",
        )
        action, pr = sync(forge, automation.key, proposal)
    except (ForgeError, ExtensionError, KeyError) as exc:
        message = f"pull request: {exc}"
        conditions.set_condition(
            status, CONDITION, "False", "PullRequestFailed", message, generation=gen
        )
        return message
    message = f"{action} pull request #{pr.number} from {mode.branch}" + (
        f" ({pr.url})" if pr.url else ""
    )
    conditions.set_condition(
        status, CONDITION, "True", action.capitalize(), message, generation=gen
    )
    status.setdefault("extensions", {})["pullRequest"] = {
        "number": pr.number,
        "branch": mode.branch,
        "url": pr.url,
    }
    return message


def mode_for(
    automation: Resource, config: GitConfig, policies: Mapping[str, Mapping[str, str]]
) -> Mode | None:
    """:func:`prepare`, pointing ``config`` at the pull request branch; bad annotations stall."""
    try:
        mode = prepare(automation, config.url, config.checkout_branch, policies)
    except ExtensionError as exc:
        raise StalledError("InvalidExtension", str(exc)) from exc
    if mode is not None:
        config.push_branch = mode.branch
    return mode


def base_has_change(
    app: App, automation: Resource, config: Any, policies: Mapping[str, Any]
) -> bool:
    """Does the checkout branch already carry every image the policies want (nothing to do)?"""
    refs = {
        name: ImageRef(ref["name"], ref["tag"], ref.get("digest", ""))
        for name, ref in policies.items()
    }
    setters = setters_for_policies(automation.namespace, refs)
    path = clean_path(ImageUpdateAutomationSpec.from_dict(automation.spec).update_path)
    secret = (
        secret_bytes(app, config.secret_ns, config.secret_name, "GitRepository secretRef")
        if config.secret_name
        else {}
    )
    remote = open_remote(
        config.url, GitAuth.from_secret(secret) if secret else None, config.timeout
    )
    checkout = fetch_branch(remote, config.checkout_branch)
    try:
        outcome = apply_setters(checkout.iter_files(path, is_candidate_name), setters)
    finally:
        checkout.close()
    return not outcome.changed


def finish(
    app: App,
    automation: Resource,
    mode: Mode,
    config: GitConfig,
    policies: Mapping[str, Any],
    status: dict[str, Any],
) -> str:
    """After the push: publish the pull request (or close it if the change landed)."""
    landed = base_has_change(app, automation, config, policies)
    return publish(app, automation, mode, landed, status)
