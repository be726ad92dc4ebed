"""Glue between the webhook pipeline and the store: lookups, secrets, reconcile requests.

A matched ImageRepository gets a ``requestedAt`` token and is queued for scanning at once (it does
not wait for the dispatcher), exactly like ``flux reconcile`` through the annotation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tagpilot.api.receiver import parse_receiver
from tagpilot.receiver.ecr import parse_ecr_event
from tagpilot.receiver.pipeline import StoredReceiver, WebhookOutcome, handle_request
from tagpilot.receiver.request import WebhookRequest
from tagpilot.receiver.select import ObjectRef
from tagpilot.reconcile.app import App
from tagpilot.reconcile.dispatch import dispatch_keys
from tagpilot.runtime.app import derive_index_attributes
from tagpilot.store.errors import SecretNotFoundError


class _Objects:
    """The lookup interface the pipeline expects, over the object store."""

    def __init__(self, app: App) -> None:
        self._app = app

    def get(self, kind: str, namespace: str, name: str) -> Any:
        return self._app.objects.get(kind, namespace, name)

    def list(self, kind: str, namespace: str) -> list[Any]:
        return list(self._app.objects.list(kind, namespace))


def _lookup_receiver(app: App, path: str) -> StoredReceiver | None:
    key = app.objects.key_by_webhook_path(path)
    if key is None:
        return None
    namespace, name = key.split("/", 1)
    obj = app.objects.get("Receiver", namespace, name)
    if obj is None or obj.status.get("webhookPath") != path:
        return None
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in obj.status.get("conditions") or []
    )
    manifest = {
        "apiVersion": obj.api_version,
        "kind": "Receiver",
        "metadata": {"name": obj.name, "namespace": obj.namespace},
        "spec": obj.spec,
    }
    return StoredReceiver(parse_receiver(manifest), ready=ready)


def _read_secret(app: App, namespace: str, name: str) -> dict[str, str] | None:
    try:
        return dict(app.secrets.get(namespace, name, use="receiver").data)
    except SecretNotFoundError:
        return None


def request_scan(app: App, ref: ObjectRef, token: str) -> None:
    """Record the reconcile request and queue the object now.

    A GitRepository is not scheduled itself (tagpilot builds no artifact): its request is
    recorded and passed on to the ImageUpdateAutomations whose ``sourceRef`` is that
    repository, which run now, as Flux's would after the source's new revision.
    """
    app.objects.request_reconcile(ref.kind, ref.namespace, ref.name, token)
    if ref.kind == "GitRepository":
        keys = automations_of_source(app, ref.namespace, ref.name)
        for key in keys:
            namespace, name = key.split("/", 1)
            app.objects.request_reconcile("ImageUpdateAutomation", namespace, name, token)
        dispatch_keys(app, "ImageUpdateAutomation", keys, now=app.clock(), reason="webhook")
        return
    dispatch_keys(app, ref.kind, [f"{ref.namespace}/{ref.name}"], now=app.clock(), reason="webhook")


def automations_of_source(app: App, namespace: str, name: str) -> list[str]:
    """Keys of the non-suspended ImageUpdateAutomations whose sourceRef is this GitRepository."""
    keys = []
    for auto in app.objects.list("ImageUpdateAutomation", None):
        src = auto.spec.get("sourceRef") or {}
        if (src.get("kind") or "GitRepository") != "GitRepository" or auto.suspended:
            continue
        if src.get("name") == name and (src.get("namespace") or auto.namespace) == namespace:
            keys.append(auto.key)
    return sorted(keys)


def handle_webhook(app: App, request: WebhookRequest) -> WebhookOutcome:
    token = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return handle_request(
        request,
        lambda path: _lookup_receiver(app, path),
        lambda ns, name: _read_secret(app, ns, name),
        _Objects(app),
        lambda ref: request_scan(app, ref, token),
        app.gcr_verifier,
    )


def handle_ecr_event(app: App, event: dict[str, Any]) -> list[str]:
    """Request a reconcile of every ImageRepository and OCIRepository of the pushed repository.

    The request token is derived from the EventBridge event id, so a duplicate delivery of the
    same event is recognised: an object that already handled it is not reconciled again.
    """
    action = parse_ecr_event(event)
    if action is None:
        return []
    token = f"ecr-event:{action.event_id}"
    keys = app.objects.keys_by_image(action.image)
    fresh = []
    for kind in ECR_KINDS:
        queued = []
        for key in keys:
            namespace, name = key.split("/", 1)
            obj = app.objects.get(kind, namespace, name)
            if obj is None or obj.suspended or not _same_image(obj, action.image):
                continue
            if token in (obj.requested_at, obj.status.get("lastHandledReconcileAt")):
                continue
            app.objects.request_reconcile(kind, namespace, name, token)
            queued.append(key)
        dispatch_keys(app, kind, queued, now=app.clock(), reason="ecr push")
        fresh.extend(queued)
    return fresh


#: Kinds an ECR push reconciles (the image index holds both, keyed by namespace/name).
ECR_KINDS = ("ImageRepository", "OCIRepository")


def _same_image(obj: Any, image: str) -> bool:
    """An index hit is per key: check the object of this kind is the one on ``image``."""
    return derive_index_attributes(obj).get("canonical_image") == image
