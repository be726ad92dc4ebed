"""Reconcile an ImagePolicy: select the latest tag from its repository's stored tags.

Follows image-reflector-controller's ``imagepolicy_controller.go`` (reference section 3): the
policer is built first (invalid -> Stalled ``InvalidPolicy``), then the repository and its tags are
read, the tag is selected, the digest reflected, and ``latestRef`` written. When ``latestRef``
changes, the automations of the policy's namespace are queued.
"""

from __future__ import annotations

from typing import Any

from tagpilot.api import conditions
from tagpilot.api.extensions import ExtensionError
from tagpilot.api.imagepolicy import ImagePolicySpec
from tagpilot.api.imagerepository import ImageRepositorySpec
from tagpilot.api.resource import Resource
from tagpilot.policy.errors import InvalidPolicyError, NoCandidateError, NoTagsError
from tagpilot.policy.factory import build_policer
from tagpilot.policy.filter import build_filter
from tagpilot.reconcile import events, selection
from tagpilot.reconcile.acl import AccessDeniedError, check_access
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, backoff, handled_request
from tagpilot.reconcile.dispatch import work_item
from tagpilot.reconcile.registryauth import build_registry_auth
from tagpilot.registry.errors import ImageURLInvalidError, RegistryError
from tagpilot.registry.names import parse_image_reference

KIND = "ImagePolicy"
INVALID_POLICY = "InvalidPolicy"
FAILURE = "Failure"
INVALID_EXTENSION = "InvalidExtension"
REQUEUE_DEPENDENCY = 30.0
DEFAULT_DIGEST_INTERVAL = 600.0


def ref_string(ref: dict[str, Any]) -> str:
    """``ImageRef.String()``: ``name:tag`` plus ``@digest`` when there is one."""
    text = f"{ref.get('name')}:{ref.get('tag')}"
    return f"{text}@{ref['digest']}" if ref.get("digest") else text


def ready_message(ref: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """Flux's ``composeImagePolicyReadyMessage``."""
    text = f"Latest image tag for {ref['name']} resolved to {ref['tag']}"
    if ref.get("digest"):
        text += f" with digest {ref['digest']}"
    if previous:
        text += f" (previously {ref_string(previous)})"
    return text


class _Stop(Exception):
    def __init__(
        self, reason: str, message: str, *, stalled: bool = False, retry: float | None = None
    ):
        super().__init__(message)
        self.reason, self.message, self.stalled, self.retry = reason, message, stalled, retry


def reconcile(app: App, namespace: str, name: str) -> Outcome:
    out = Outcome(KIND, namespace, name)
    policy = app.objects.get(KIND, namespace, name)
    if policy is None or policy.suspended:
        out.skipped = "not found" if policy is None else "suspended"
        return out
    status = dict(policy.status)
    handled_request(policy, status)
    previous = status.get("latestRef")
    notes = selection.Notes()
    try:
        ref = _select(app, policy, previous, notes)
    except _Stop as stop:
        return _finish_failure(app, policy, status, out, stop)
    if previous != ref:
        if previous:
            status["observedPreviousRef"] = previous
        out.follow_up = _automations(app, namespace)
    status["latestRef"] = ref
    if policy.version == "v1beta2":
        status["latestImage"] = f"{ref['name']}:{ref['tag']}"
    else:
        status.pop("latestImage", None)
    prior = status.get("observedPreviousRef")
    message = ready_message(ref, prior if prior and prior != ref else None)
    conditions.mark_ready(status, conditions.SUCCEEDED, message, generation=policy.generation)
    selection.report(status, notes, policy.generation)
    next_due = _next_due(app, policy)
    if notes.due_at is not None:
        next_due = notes.due_at if next_due is None else min(next_due, notes.due_at)
    app.objects.write_status(policy, status, next_due_at=next_due, extra={"failures": 0})
    out.ready, out.reason, out.message = "True", conditions.SUCCEEDED, message
    events.notify(app, policy, policy.status, status)
    return out


def _select(
    app: App, policy: Resource, previous: dict[str, Any] | None, notes: selection.Notes
) -> dict[str, Any]:
    spec = ImagePolicySpec.from_dict(policy.spec)
    try:
        build_policer(spec.policy)
        build_filter(spec.filter_tags)
    except InvalidPolicyError as exc:
        raise _Stop(INVALID_POLICY, exc.condition_message, stalled=True) from exc
    repo_ns = spec.repository_namespace or policy.namespace
    repo = app.objects.get("ImageRepository", repo_ns, spec.repository_name)
    if repo is None:
        raise _Stop(
            conditions.DEPENDENCY_NOT_READY,
            "failed to get the referred ImageRepository: referenced ImageRepository does "
            "not exist: ImageRepository.image.toolkit.fluxcd.io "
            f'"{spec.repository_name}" not found',
        )
    try:
        check_access(app.objects, repo, policy.namespace)
    except AccessDeniedError as exc:
        raise _Stop(
            conditions.ACCESS_DENIED,
            f"failed to get the referred ImageRepository: access denied: {exc}",
        ) from exc
    try:
        image = parse_image_reference(repo.spec.get("image", ""))
    except ImageURLInvalidError as exc:
        raise _Stop("ImageURLInvalid", str(exc), stalled=True) from exc
    stored = app.tags.get(repo.key)
    try:
        tags = stored.tags if stored else []
        latest = selection.select(app, policy, repo, image, tags, previous, notes)
    except ExtensionError as exc:
        raise _Stop(INVALID_EXTENSION, str(exc), stalled=True) from exc
    except NoTagsError as exc:
        raise _Stop(
            conditions.DEPENDENCY_NOT_READY,
            "retrying in 30s error: no tags in database",
            retry=REQUEUE_DEPENDENCY,
        ) from exc
    except InvalidPolicyError as exc:
        raise _Stop(INVALID_POLICY, exc.condition_message, stalled=True) from exc
    except NoCandidateError as exc:
        raise _Stop(FAILURE, str(exc)) from exc
    except RegistryError as exc:  # registry credentials for image verification
        raise _Stop(conditions.FAILED, f"verifying {repo.spec['image']}: {exc}") from exc
    if latest is None and previous is not None:
        return dict(previous)  # never-downgrade kept it
    assert latest is not None
    ref: dict[str, Any] = {"name": repo.spec["image"], "tag": latest}
    digest = _digest(app, policy, repo, image, latest, previous)
    if digest:
        ref["digest"] = digest
    return ref


def _digest(
    app: App,
    policy: Resource,
    repo: Resource,
    image: Any,
    tag: str,
    previous: dict[str, Any] | None,
) -> str:
    mode = ImagePolicySpec.from_dict(policy.spec).digest_reflection_policy
    if mode == "Never":
        return ""
    if (
        mode == "IfNotPresent"
        and previous
        and previous.get("digest")
        and previous.get("name") == repo.spec["image"]
        and previous.get("tag") == tag
    ):
        return str(previous["digest"])
    repo_spec = ImageRepositorySpec.from_dict(repo.spec)
    try:
        auth = build_registry_auth(repo_spec, repo.namespace, image, app.secrets, app.ecr)
        return str(app.registry.head_digest(image, tag, auth, repo_spec.timeout))
    except RegistryError as exc:
        raise _Stop(
            conditions.FAILED, f"failed fetching digest of {repo.spec['image']}:{tag}: {exc}"
        ) from exc


def _next_due(app: App, policy: Resource) -> float | None:
    spec = ImagePolicySpec.from_dict(policy.spec)
    if spec.digest_reflection_policy != "Always":
        return None
    interval = DEFAULT_DIGEST_INTERVAL if spec.interval is None else spec.interval
    return float(app.clock()) + interval


def _automations(app: App, namespace: str) -> list[Any]:
    return [
        work_item(app, "ImageUpdateAutomation", a.namespace, a.name, "policy changed")
        for a in app.objects.list("ImageUpdateAutomation", namespace)
        if not a.suspended
    ]


def _finish_failure(
    app: App, policy: Resource, status: dict[str, Any], out: Outcome, stop: _Stop
) -> Outcome:
    failures = policy.failures + 1
    if stop.stalled:
        conditions.mark_stalled(status, stop.reason, stop.message, generation=policy.generation)
        next_due = None
        failures = 0
    else:
        conditions.mark_failed(status, stop.reason, stop.message, generation=policy.generation)
        next_due = app.clock() + (stop.retry or backoff(failures))
    app.objects.write_status(policy, status, next_due_at=next_due, extra={"failures": failures})
    out.ready, out.reason, out.message = "False", stop.reason, stop.message
    events.notify(app, policy, policy.status, status)
    return out
