"""Reconcile an ImageUpdateAutomation: rewrite marked YAML in Git and push one commit.

Follows image-automation-controller (reference section 4.3): policies of the automation's
namespace with a ``latestRef``, the GitRepository's URL and credentials, the short-circuit when
neither the policies nor the remote head changed, setters over the files under ``update.path``,
the templated commit message, optional OpenPGP signature, push (and the extra refspec). One run
at a time per Git repository and branch: the FIFO queue groups runs, and a DynamoDB lease guards
against any overlap that remains.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.conditions import now_rfc3339
from tagpilot.api.imageupdateautomation import ImageUpdateAutomationSpec
from tagpilot.api.resource import Resource
from tagpilot.api.selector import LabelSelector
from tagpilot.reconcile import events, pullrequest, windows
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, backoff, bounded_timeout, handled_request
from tagpilot.reconcile.gitconfig import (
    GitConfig,
    GitConfigError,
    StalledError,
    git_config,
    secret_bytes,
)
from tagpilot.source.auth import GitAuth
from tagpilot.source.commit import Signature
from tagpilot.source.errors import SigningKeyError, SourceError
from tagpilot.source.fetch import ls_remote
from tagpilot.source.remote import open_remote
from tagpilot.source.signing import OpenPGPSigner
from tagpilot.source.workflow import run_update
from tagpilot.update.apply import apply_setters
from tagpilot.update.errors import UpdateError
from tagpilot.update.imageref import ImageRef
from tagpilot.update.setters import setters_for_policies
from tagpilot.update.template import (
    RemovedTemplateFieldError,
    render_commit_message,
    validate_template,
)
from tagpilot.update.template.errors import CommitTemplateExecError, CommitTemplateParseError
from tagpilot.update.walk import is_candidate_name

KIND = "ImageUpdateAutomation"
UP_TO_DATE = "repository up-to-date"
LEASE_SECONDS = 900.0
LEASE_RETRY_SECONDS = 15.0


def observed_policies(
    app: App, automation: Resource, selector: LabelSelector | None
) -> dict[str, dict[str, str]]:
    """Ready policies of the namespace matching ``policySelector``: name -> latestRef."""
    out: dict[str, dict[str, str]] = {}
    for policy in app.objects.list("ImagePolicy", automation.namespace):
        ref = policy.status.get("latestRef")
        if ref and (selector is None or selector.matches(policy.labels)):
            out[policy.name] = dict(ref)
    return out


def reconcile(app: App, namespace: str, name: str) -> Outcome:
    out = Outcome(KIND, namespace, name)
    automation = app.objects.get(KIND, namespace, name)
    if automation is None or automation.suspended:
        out.skipped = "not found" if automation is None else "suspended"
        return out
    # Parsed first: a spec the run cannot schedule stalls before anything is pushed.
    spec = ImageUpdateAutomationSpec.from_dict(automation.spec)
    interval = spec.interval
    status = dict(automation.status)
    handled_request(automation, status)
    deferred = windows.defer(app, automation, status, out)
    if deferred is not None:
        return deferred
    status["lastAutomationRunTime"] = now_rfc3339()
    owner = uuid.uuid4().hex
    lease = None
    try:
        _check_spec(automation, spec)
        policies = observed_policies(app, automation, spec.policy_selector)
        config = git_config(app, automation, spec)
        pr_mode = pullrequest.mode_for(automation, config, policies)
        lease = f"git:{config.url}#{config.push_branch}"
        if not app.leases.acquire(lease, owner, LEASE_SECONDS):
            lease = None
            out.skipped = "another run holds the branch"
            app.objects.write_status(
                automation, automation.status, next_due_at=app.clock() + LEASE_RETRY_SECONDS
            )
            return out
        result = run_automation(app, config, automation, spec, policies, status)
        if pr_mode is not None:
            result.summary += "; " + pullrequest.finish(
                app, automation, pr_mode, config, policies, status
            )
    except StalledError as exc:
        conditions.mark_stalled(status, exc.reason, str(exc), generation=automation.generation)
        return _finish(app, automation, status, out, next_due=None, failures=0)
    except (GitConfigError, SourceError, UpdateError) as exc:
        reason = _reason(exc)
        conditions.mark_failed(status, reason, str(exc), generation=automation.generation)
        failures = automation.failures + 1
        return _finish(
            app,
            automation,
            status,
            out,
            next_due=app.clock() + backoff(failures),
            failures=failures,
        )
    finally:
        if lease is not None:
            app.leases.release(lease, owner)
    status["observedPolicies"] = policies
    status["observedSourceRevision"] = result.source_revision
    if result.commit_id:
        status["lastPushCommit"] = result.commit_id
        status["lastPushTime"] = now_rfc3339()
        out.metrics["commits"] = 1
    out.metrics.update(result.metrics)
    conditions.mark_ready(
        status, conditions.SUCCEEDED, UP_TO_DATE, generation=automation.generation
    )
    done = _finish(app, automation, status, out, next_due=app.clock() + interval, failures=0)
    done.message = result.summary
    if result.commit_id:
        events.notify(
            app,
            automation,
            automation.status,
            status,
            push_message=f"{result.summary}\n{result.commit_message}",
            metadata=push_metadata(status, result),
        )
    else:
        events.notify(app, automation, automation.status, status, trace_message=result.summary)
    return done


def push_metadata(status: dict[str, Any], result: RunResult) -> dict[str, str]:
    """tagpilot's additions to IAC's push event: the commit and the changes (old -> new)."""
    branch = str(status.get("observedSourceRevision", "")).split("@", 1)[0]
    lines = []
    for c in result.changes:
        where = f"{c['namespace']}/{c['name']}" if c["namespace"] else c["name"]
        lines.append(f"{c['file']}: {c['kind']} {where}: {c['old']} -> {c['new']}")
    meta = {"revision": f"{branch}@sha1:{result.commit_id}"}
    if lines:
        meta["changes"] = "\n".join(lines)
    return meta


def change_list(result: Any) -> list[dict[str, str]]:
    """``[{file, kind, namespace, name, old, new}]`` from a setters result, in its order."""
    if result is None:
        return []
    return [
        {
            "file": file,
            "kind": obj.kind,
            "namespace": obj.namespace,
            "name": obj.name,
            "old": change.old_value,
            "new": change.new_value,
        }
        for file, obj, changes in result._sorted()
        for change in changes
    ]


@dataclass
class RunResult:
    commit_id: str | None
    source_revision: str
    summary: str
    metrics: dict[str, float] = field(default_factory=dict)
    #: The pushed commit's message and what it changed (for the push event).
    commit_message: str = ""
    changes: list[dict[str, str]] = field(default_factory=list)


def run_automation(
    app: App,
    config: GitConfig,
    automation: Resource,
    spec: ImageUpdateAutomationSpec,
    policies: dict[str, dict[str, str]],
    status: dict[str, Any],
) -> RunResult:
    """Clone, apply the setters under ``update.path``, commit and push (Flux 4.3)."""
    secret = (
        secret_bytes(app, config.secret_ns, config.secret_name, "GitRepository secretRef")
        if config.secret_name
        else {}
    )
    remote = open_remote(
        config.url,
        GitAuth.from_secret(secret) if secret else None,
        bounded_timeout(app, config.timeout),
    )
    sync_needed = (
        policies != (status.get("observedPolicies") or {})
        or config.push_branch != config.checkout_branch
        or bool(spec.push_refspec)
    )
    observed = status.get("observedSourceRevision")
    if not sync_needed and observed:
        head = ls_remote(remote).get(f"refs/heads/{config.checkout_branch}".encode())
        if head is not None and f"{config.checkout_branch}@sha1:{head.decode()}" == observed:
            return RunResult(
                None, observed, "no change since last reconciliation", {"clones_skipped": 1}
            )
    refs = {
        name: ImageRef(ref["name"], ref["tag"], ref.get("digest", ""))
        for name, ref in policies.items()
    }
    setters = setters_for_policies(automation.namespace, refs)
    signer = _signer(app, automation.namespace, spec)
    started = time.perf_counter()

    def edit(files: Any) -> Any:
        return _Edit(apply_setters(files, setters))

    rendered: dict[str, Any] = {}

    def message_for(edited: Any) -> str:
        rendered["result"] = edited.outcome.result
        rendered["message"] = render_commit_message(
            spec.message_template,
            namespace=automation.namespace,
            name=automation.name,
            result=edited.outcome.result,
            values=spec.message_template_values,
            api_version=automation.api_version,
            policies=refs,
        )
        return str(rendered["message"])

    result = run_update(
        remote,
        config.checkout_branch,
        config.push_branch if config.push_branch != config.checkout_branch else None,
        spec.update_path,
        edit,
        Signature(spec.author_name, spec.author_email),
        message_for,
        signer=signer,
        refspec=spec.push_refspec,
        options=spec.push_options,
        accept=is_candidate_name,
    )
    seconds = time.perf_counter() - started
    if result.commit_id is None:
        return RunResult(
            None, result.source_revision, "repository up-to-date", {"run_seconds": seconds}
        )
    sha = result.commit_id.decode()
    summary = f"pushed commit '{sha[:7]}' to branch '{result.pushed_branch}'"
    if spec.push_refspec:
        summary += f" and refspecs '{spec.push_refspec}'"
    return RunResult(
        sha,
        result.source_revision,
        summary,
        {"run_seconds": seconds, "push_attempts": result.attempts},
        commit_message=str(rendered.get("message", "")),
        changes=change_list(rendered.get("result")),
    )


def _signer(app: App, namespace: str, spec: ImageUpdateAutomationSpec) -> OpenPGPSigner | None:
    name = spec.signing_key_secret
    if not name:
        return None
    data = secret_bytes(app, namespace, name, "signingKey")
    if "git.asc" not in data:
        raise GitConfigError(f"signingKey: secret '{namespace}/{name}' has no 'git.asc' key")
    return OpenPGPSigner.from_armored(data["git.asc"], data.get("passphrase"))


@dataclass
class _Edit:
    outcome: Any

    @property
    def files(self) -> Any:
        return self.outcome.changed


def _check_spec(automation: Resource, spec: ImageUpdateAutomationSpec) -> None:
    if spec.update_strategy is None and automation.version == "v1beta2":
        raise StalledError("InvalidUpdateStrategy", "no update strategy")
    strategy = "Setters" if spec.update_strategy is None else spec.update_strategy
    if strategy != "Setters":
        raise StalledError(
            "InvalidUpdateStrategy", f"update strategy {strategy!r} is not supported"
        )
    try:
        validate_template(spec.message_template, automation.api_version)
    except RemovedTemplateFieldError as exc:
        raise StalledError("RemovedTemplateField", str(exc)) from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, GitConfigError | SigningKeyError):
        return "SourceManagerFailed"
    if isinstance(exc, CommitTemplateParseError | CommitTemplateExecError):
        return "GitOperationFailed"
    if isinstance(exc, UpdateError):
        return "UpdateFailed"
    return "GitOperationFailed"


def _finish(
    app: App,
    automation: Resource,
    status: dict[str, Any],
    out: Outcome,
    *,
    next_due: float | None,
    failures: int,
) -> Outcome:
    app.objects.write_status(automation, status, next_due_at=next_due, extra={"failures": failures})
    if not conditions.is_true(status, conditions.READY):
        events.notify(app, automation, automation.status, status)
    out.ready, out.message = conditions.ready_summary(status)
    cond = conditions.get(status, conditions.READY) or {}
    out.reason = str(cond.get("reason", ""))
    return out
