"""Store validated documents: namespaces, then secrets, then the objects that use them."""

from __future__ import annotations

from collections.abc import Iterable

from tagpilot.api.loader import LoadedDocument
from tagpilot.reconcile import receiver
from tagpilot.reconcile.app import App
from tagpilot.reconcile.secretuses import SECRET_REFERENCES, sync_secret_uses

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
    """Apply valid documents in dependency order; returns one line per object (kubectl style).

    Everything that can be refused is checked before the first write (all or nothing).
    """
    docs = list(docs)
    _preflight(app, docs)
    lines = []
    namespaces: set[str] = set()
    for doc in sorted(docs, key=lambda d: _ORDER.get(d.kind, 9)):
        if doc.namespace and (doc.kind == "Secret" or doc.kind in SECRET_REFERENCES):
            namespaces.add(doc.namespace)
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
    sync_secret_uses(app, namespaces)
    return lines


def _preflight(app: App, docs: list[LoadedDocument]) -> None:
    """Receiver tokens: a weak one in a stored Secret, or a new Secret a stored Receiver uses.

    A Receiver whose Secret is in this batch was checked by the loader.
    """
    batch = {(d.namespace, d.name): d.secret for d in docs if d.secret is not None}
    for doc in docs:
        res = doc.resource
        if res is None or res.kind != "Receiver":
            continue
        if (res.namespace, (res.spec.get("secretRef") or {}).get("name")) not in batch:
            receiver.before_apply(app, res)
    for (namespace, name), secret in batch.items():
        if secret is not None and "token" in secret["data"]:
            receiver.check_new_secret(app, namespace, name, secret["data"]["token"])


_BEFORE_APPLY = {"Receiver": receiver.before_apply}
_AFTER_APPLY = {"Receiver": receiver.after_apply}
