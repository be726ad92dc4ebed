"""Store validated documents: namespaces, then secrets, then the objects that use them."""

from __future__ import annotations

from collections.abc import Iterable

from tagpilot.api.loader import LoadedDocument
from tagpilot.reconcile import receiver
from tagpilot.reconcile.app import App

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
_ORDER = {
    "Namespace": 0,
    "Secret": 1,
    "GitRepository": 2,
    "ImageRepository": 3,
    "ImagePolicy": 4,
    "ImageUpdateAutomation": 5,
    "Receiver": 6,
    "OCIRepository": 3,
}


def apply_documents(app: App, docs: Iterable[LoadedDocument]) -> list[str]:
    """Apply valid documents in dependency order; returns one line per object (kubectl style)."""
    lines = []
    for doc in sorted(docs, key=lambda d: _ORDER.get(d.kind, 9)):
        if doc.kind == "Secret" and doc.secret is not None:
            action = app.secrets.put(
                doc.namespace, doc.name, doc.secret["type"], doc.secret["data"]
            )
            lines.append(f"Secret/{doc.namespace}/{doc.name} {action}")
            continue
        resource = doc.resource
        if resource is None:
            continue
        if resource.kind == "Namespace":
            resource.labels = {**resource.labels, NAMESPACE_NAME_LABEL: resource.name}
        hook = _BEFORE_APPLY.get(resource.kind)
        if hook is not None:
            hook(app, resource)
        outcome = app.objects.apply(resource)
        after = _AFTER_APPLY.get(resource.kind)
        if after is not None:
            after(app, resource)
        where = f"{resource.namespace}/{resource.name}" if resource.namespace else resource.name
        lines.append(f"{resource.kind}/{where} {outcome.action}")
    return lines


_BEFORE_APPLY = {"Receiver": receiver.before_apply}
_AFTER_APPLY = {"Receiver": receiver.after_apply}
