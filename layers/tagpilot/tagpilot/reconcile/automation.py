"""Reconcile an ImageUpdateAutomation: rewrite marked YAML in Git and push one commit.

Follows image-automation-controller (reference section 4.3): policies of the automation's
namespace with a ``latestRef``, the GitRepository's URL and credentials, the short-circuit when
neither the policies nor the remote head changed, setters over the files under ``update.path``,
the templated commit message, optional OpenPGP signature, push (and the extra refspec). One run
at a time per Git repository and branch: the FIFO queue groups runs, and a DynamoDB lease guards
against any overlap that remains.
"""

from __future__ import annotations

import uuid
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.conditions import now_rfc3339
from tagpilot.api.resource import Resource
from tagpilot.golang.duration import parse_duration
from tagpilot.reconcile import windows
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, backoff, handled_request
from tagpilot.reconcile.gitconfig import GitConfigError, StalledError, git_config
from tagpilot.reconcile.selectors import matches
from tagpilot.source.errors import SigningKeyError, SourceError
from tagpilot.update.errors import UpdateError
from tagpilot.update.template import RemovedTemplateFieldError, validate_template
from tagpilot.update.template.errors import CommitTemplateExecError, CommitTemplateParseError

KIND = "ImageUpdateAutomation"
UP_TO_DATE = "repository up-to-date"
LEASE_SECONDS = 900.0
LEASE_RETRY_SECONDS = 15.0


def observed_policies(app: App, automation: Resource) -> dict[str, dict[str, str]]:
    """Ready policies of the namespace matching ``policySelector``: name -> latestRef."""
    selector = automation.spec.get("policySelector")
    out: dict[str, dict[str, str]] = {}
    for policy in app.objects.list("ImagePolicy", automation.namespace):
        ref = policy.status.get("latestRef")
        if ref and matches(selector, policy.labels):
            out[policy.name] = dict(ref)
    return out


def reconcile(app: App, namespace: str, name: str) -> Outcome:
    out = Outcome(KIND, namespace, name)
    automation = app.objects.get(KIND, namespace, name)
    if automation is None or automation.suspended:
        out.skipped = "not found" if automation is None else "suspended"
        return out
    status = dict(automation.status)
    handled_request(automation, status)
    deferred = windows.defer(app, automation, status, out)
    if deferred is not None:
        return deferred
    status["lastAutomationRunTime"] = now_rfc3339()
    owner = uuid.uuid4().hex
    lease = None
    try:
        _check_spec(automation)
        policies = observed_policies(app, automation)
        config = git_config(app, automation)
        lease = f"git:{config.url}#{config.push_branch}"
        if not app.leases.acquire(lease, owner, LEASE_SECONDS):
            lease = None
            out.skipped = "another run holds the branch"
            app.objects.write_status(
                automation, automation.status, next_due_at=app.clock() + LEASE_RETRY_SECONDS
            )
            return out
        result = config.run(app, automation, policies, status)
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
    interval = parse_duration(automation.spec["interval"])
    done = _finish(app, automation, status, out, next_due=app.clock() + interval, failures=0)
    done.message = result.summary
    return done


def _check_spec(automation: Resource) -> None:
    update = automation.spec.get("update")
    if update is None and automation.version == "v1beta2":
        raise StalledError("InvalidUpdateStrategy", "no update strategy")
    strategy = (update or {}).get("strategy", "Setters")
    if strategy != "Setters":
        raise StalledError(
            "InvalidUpdateStrategy", f"update strategy {strategy!r} is not supported"
        )
    template = ((automation.spec.get("git") or {}).get("commit") or {}).get("messageTemplate")
    try:
        validate_template(template, automation.api_version)
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
    out.ready, out.message = conditions.ready_summary(status)
    cond = conditions.get(status, conditions.READY) or {}
    out.reason = str(cond.get("reason", ""))
    return out
