"""Receivers: token checks at apply, ``status.webhookPath``, and the webhook URL.

A Receiver is reconciled when it is applied: its Secret's token is read, checked (tagpilot
refuses tokens shorter than 32 characters) and the path Flux would publish is stored with a
unique index entry, so two Receivers can never share a path.
"""

from __future__ import annotations

from tagpilot.api import conditions
from tagpilot.api.errors import FieldError, ManifestError
from tagpilot.api.receiver import validate_receiver_spec
from tagpilot.api.resource import Resource
from tagpilot.receiver.errors import ReceiverSpecError, WeakTokenError
from tagpilot.receiver.path import webhook_path
from tagpilot.receiver.spec import check_token
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, handled_request
from tagpilot.store.errors import SecretNotFoundError

KIND = "Receiver"
TOKEN_NOT_FOUND = "TokenNotFound"  # noqa: S105 - a condition reason
DEFAULT_LOCAL_BASE_URL = "http://127.0.0.1:9292"


def secret_name(resource: Resource) -> str | None:
    """The Secret a stored Receiver names, read through its typed spec (``None`` when the spec
    does not validate, e.g. written by another tool)."""
    try:
        spec = validate_receiver_spec(resource.spec, api_version=resource.api_version)
    except ReceiverSpecError:
        return None
    return spec.secret_name


def _token(app: App, resource: Resource) -> str | None:
    name = secret_name(resource)
    if name is None:
        return None
    try:
        token = app.secrets.get(resource.namespace, name).data.get("token")
        return None if token is None else str(token)
    except SecretNotFoundError:
        return None


def before_apply(app: App, resource: Resource) -> None:
    """Refuse a Receiver whose Secret holds a weak token (documented hardening over Flux)."""
    token = _token(app, resource)
    if token is None:
        return
    try:
        check_token(token)
    except WeakTokenError as exc:
        where = f"Receiver {resource.namespace}/{resource.name}"
        raise ManifestError(f"{where}: {exc}", [FieldError("spec.secretRef", str(exc))]) from exc


def check_new_secret(app: App, namespace: str, name: str, token: object) -> None:
    """Refuse a Secret with a weak token when a stored Receiver of its namespace uses it."""
    for stored in app.objects.list(KIND, namespace):
        if secret_name(stored) != name:
            continue
        try:
            check_token(token)
        except WeakTokenError as exc:
            where = f"Secret {namespace}/{name} (used by Receiver {stored.key})"
            error = FieldError("data.token", exc.message)
            raise ManifestError(f"{where}: {exc.message}", [error]) from None
        return


def after_apply(app: App, resource: Resource) -> None:
    """Compute and store ``status.webhookPath`` (Flux's Receiver reconcile)."""
    current = app.objects.require(KIND, resource.namespace, resource.name)
    status = dict(current.status)
    handled_request(current, status)
    token = _token(app, current)
    if token is None:
        status.pop("webhookPath", None)
        secret = secret_name(current)
        message = f"secret '{current.namespace}/{secret}' or its 'token' key not found"
        conditions.mark_failed(status, TOKEN_NOT_FOUND, message, generation=current.generation)
        app.objects.write_status(current, status, next_due_at=None, extra={"webhook_path": None})
        return
    path = webhook_path(token, current.name, current.namespace)
    owner = app.objects.key_by_webhook_path(path)
    if owner is not None and owner != current.key:
        raise ManifestError(
            f"Receiver {current.key}: its webhook path is already used by Receiver {owner}"
        )
    status["webhookPath"] = path
    conditions.mark_ready(
        status,
        conditions.SUCCEEDED,
        f"Receiver initialized for path: {path}",
        generation=current.generation,
    )
    app.objects.write_status(current, status, next_due_at=None, extra={"webhook_path": path})


def reconcile(app: App, namespace: str, name: str) -> Outcome:
    """``flux reconcile receiver``: recompute the path and status, record the request handled."""
    out = Outcome(KIND, namespace, name)
    current = app.objects.get(KIND, namespace, name)
    if current is None:
        out.skipped = "not found"
        return out
    if current.suspended:
        out.skipped = "suspended"
        return out
    try:
        after_apply(app, current)
    except ManifestError as exc:
        status = dict(current.status)
        handled_request(current, status)
        conditions.mark_failed(status, "PathConflict", str(exc), generation=current.generation)
        app.objects.write_status(current, status, next_due_at=None)
    done = app.objects.require(KIND, namespace, name)
    cond = conditions.get(done.status, conditions.READY) or {}
    out.ready, out.message = str(cond.get("status", "Unknown")), str(cond.get("message", ""))
    return out


def webhook_url(app: App, resource: Resource) -> str:
    path = resource.status.get("webhookPath")
    if not path:
        return ""
    base = app.settings.webhook_base_url or (
        DEFAULT_LOCAL_BASE_URL if app.settings.mode == "local" else ""
    )
    return str(base).rstrip("/") + str(path)
