"""The Git side of an automation: its GitRepository, credentials and branches (Flux 4.1)."""

from __future__ import annotations

from dataclasses import dataclass

from tagpilot.api.gitrepository import GitRepositorySpec
from tagpilot.api.imageupdateautomation import ImageUpdateAutomationSpec
from tagpilot.api.resource import Resource
from tagpilot.errors import TagpilotError
from tagpilot.reconcile.app import App
from tagpilot.store.errors import SecretNotFoundError


class GitConfigError(TagpilotError):
    """GitRepository, secret or branch configuration problem (Flux: ``SourceManagerFailed``)."""


class StalledError(TagpilotError):
    """A configuration error only a spec change can fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def secret_bytes(app: App, namespace: str, name: str, what: str) -> dict[str, bytes]:
    try:
        data = app.secrets.get(namespace, name, use="git").data
    except SecretNotFoundError as exc:
        raise GitConfigError(f"{what}: secret '{namespace}/{name}' not found") from exc
    return {k: v.encode() for k, v in data.items()}


@dataclass
class GitConfig:
    url: str
    checkout_branch: str
    push_branch: str
    secret_ns: str
    secret_name: str | None
    timeout: float


def git_config(app: App, automation: Resource, spec: ImageUpdateAutomationSpec) -> GitConfig:
    """Resolve the GitRepository, checkout and push branches (Flux's rules, section 4.1)."""
    if spec.source_kind != "GitRepository":
        raise StalledError(
            "InvalidSourceConfiguration", f"source kind '{spec.source_kind}' not supported"
        )
    ns = spec.source_namespace or automation.namespace
    repo = app.objects.get("GitRepository", ns, spec.source_name)
    if repo is None:
        raise GitConfigError(f"failed to get GitRepository '{ns}/{spec.source_name}': not found")
    source = GitRepositorySpec.from_dict(repo.spec)
    ref = spec.checkout_ref or source.ref or {"branch": "master"}
    checkout = ref.get("branch")
    push_branch = spec.push_branch or checkout
    if not push_branch:
        raise GitConfigError(
            "push spec not provided, and cannot be inferred from "
            ".spec.git.checkout.ref or GitRepository .spec.ref"
        )
    if not checkout:
        raise GitConfigError("tagpilot checks out branches only: set spec.git.checkout.ref.branch")
    return GitConfig(
        url=source.url,
        checkout_branch=checkout,
        push_branch=push_branch,
        secret_ns=ns,
        secret_name=source.secret_ref,
        timeout=source.timeout,
    )
