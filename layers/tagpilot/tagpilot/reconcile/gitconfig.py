"""The Git side of an automation run: GitRepository, credentials, branches, the run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.resource import Resource
from tagpilot.errors import TagpilotError
from tagpilot.golang.duration import parse_duration
from tagpilot.reconcile.app import App
from tagpilot.store.errors import SecretNotFoundError

DEFAULT_TIMEOUT = 60.0


class GitConfigError(TagpilotError):
    """GitRepository, secret or branch configuration problem (Flux: ``SourceManagerFailed``)."""


class StalledError(TagpilotError):
    """A configuration error only a spec change can fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class RunResult:
    commit_id: str | None
    source_revision: str
    summary: str
    metrics: dict[str, float] = field(default_factory=dict)


def _secret_bytes(app: App, namespace: str, name: str, what: str) -> dict[str, bytes]:
    try:
        data = app.secrets.get(namespace, name).data
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

    def run(
        self,
        app: App,
        automation: Resource,
        policies: dict[str, dict[str, str]],
        status: dict[str, Any],
    ) -> RunResult:
        from tagpilot.source.auth import GitAuth
        from tagpilot.source.commit import Signature
        from tagpilot.source.fetch import ls_remote
        from tagpilot.source.remote import open_remote
        from tagpilot.source.workflow import run_update
        from tagpilot.update.apply import apply_setters
        from tagpilot.update.imageref import ImageRef
        from tagpilot.update.setters import setters_for_policies
        from tagpilot.update.template import render_commit_message
        from tagpilot.update.walk import is_candidate_name

        spec = automation.spec
        git = spec.get("git") or {}
        commit = git.get("commit") or {}
        push = git.get("push") or {}
        secret = (
            _secret_bytes(app, self.secret_ns, self.secret_name, "GitRepository secretRef")
            if self.secret_name
            else {}
        )
        remote = open_remote(
            self.url, GitAuth.from_secret(secret) if secret else None, self.timeout
        )
        sync_needed = (
            policies != (status.get("observedPolicies") or {})
            or self.push_branch != self.checkout_branch
            or bool(push.get("refspec"))
        )
        observed = status.get("observedSourceRevision")
        if not sync_needed and observed:
            head = ls_remote(remote).get(f"refs/heads/{self.checkout_branch}".encode())
            if head is not None and f"{self.checkout_branch}@sha1:{head.decode()}" == observed:
                return RunResult(
                    None, observed, "no change since last reconciliation", {"clones_skipped": 1}
                )
        refs = {
            name: ImageRef(ref["name"], ref["tag"], ref.get("digest", ""))
            for name, ref in policies.items()
        }
        setters = setters_for_policies(automation.namespace, refs)
        signer = self._signer(app, automation)
        author = commit.get("author") or {}
        started = time.perf_counter()

        def edit(files: Any) -> Any:
            return _Edit(apply_setters(files, setters))

        def message_for(edited: Any) -> str:
            return render_commit_message(
                commit.get("messageTemplate"),
                namespace=automation.namespace,
                name=automation.name,
                result=edited.outcome.result,
                values=commit.get("messageTemplateValues"),
                api_version=automation.api_version,
                policies=refs,
            )

        result = run_update(
            remote,
            self.checkout_branch,
            self.push_branch if self.push_branch != self.checkout_branch else None,
            (spec.get("update") or {}).get("path") or "",
            edit,
            Signature(author.get("name", ""), author["email"]),
            message_for,
            signer=signer,
            refspec=push.get("refspec"),
            options=push.get("options"),
            accept=is_candidate_name,
        )
        seconds = time.perf_counter() - started
        if result.commit_id is None:
            return RunResult(
                None, result.source_revision, "repository up-to-date", {"run_seconds": seconds}
            )
        sha = result.commit_id.decode()
        summary = f"pushed commit '{sha[:7]}' to branch '{result.pushed_branch}'"
        if push.get("refspec"):
            summary += f" and refspecs '{push['refspec']}'"
        return RunResult(
            sha,
            result.source_revision,
            summary,
            {"run_seconds": seconds, "push_attempts": result.attempts},
        )

    def _signer(self, app: App, automation: Resource) -> Any:
        signing = ((automation.spec.get("git") or {}).get("commit") or {}).get("signingKey") or {}
        name = (signing.get("secretRef") or {}).get("name")
        if not name:
            return None
        from tagpilot.source.signing import OpenPGPSigner

        data = _secret_bytes(app, automation.namespace, name, "signingKey")
        if "git.asc" not in data:
            raise GitConfigError(
                f"signingKey: secret '{automation.namespace}/{name}' has no 'git.asc' key"
            )
        return OpenPGPSigner.from_armored(data["git.asc"], data.get("passphrase"))


@dataclass
class _Edit:
    outcome: Any

    @property
    def files(self) -> Any:
        return self.outcome.changed


def git_config(app: App, automation: Resource) -> GitConfig:
    """Resolve the GitRepository, checkout and push branches (Flux's rules, section 4.1)."""
    source = automation.spec.get("sourceRef") or {}
    if source.get("kind", "GitRepository") != "GitRepository":
        raise StalledError(
            "InvalidSourceConfiguration", f"source kind '{source.get('kind')}' not supported"
        )
    ns = source.get("namespace") or automation.namespace
    repo = app.objects.get("GitRepository", ns, source.get("name", ""))
    if repo is None:
        raise GitConfigError(f"failed to get GitRepository '{ns}/{source.get('name')}': not found")
    git = automation.spec.get("git") or {}
    ref = ((git.get("checkout") or {}).get("ref")) or repo.spec.get("ref") or {"branch": "master"}
    checkout = ref.get("branch")
    push_branch = (git.get("push") or {}).get("branch") or checkout
    if not push_branch:
        raise GitConfigError(
            "push spec not provided, and cannot be inferred from "
            ".spec.git.checkout.ref or GitRepository .spec.ref"
        )
    if not checkout:
        raise GitConfigError("tagpilot checks out branches only: set spec.git.checkout.ref.branch")
    timeout = (
        parse_duration(repo.spec["timeout"], allow_hours=False)
        if repo.spec.get("timeout")
        else DEFAULT_TIMEOUT
    )
    return GitConfig(
        url=repo.spec["url"],
        checkout_branch=checkout,
        push_branch=push_branch,
        secret_ns=ns,
        secret_name=(repo.spec.get("secretRef") or {}).get("name"),
        timeout=timeout,
    )
