"""Copy each applied Secret to the prefix of every use that references it.

Functions read Secrets by use (``registry``, ``git``, ``receiver``, ``provider``; see
:mod:`tagpilot.store.secrets`), so their roles can be scoped to one prefix each. The CLI, which
applies Secrets and objects in any order, brings the copies in line with the references after
every apply: a copy is written for each (Secret, use) referenced by an object of the namespace and
removed when no object references it for that use any more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: A reference held in an annotation (tagpilot.dev extensions) rather than in the spec.
ANNOTATION = "@annotation"

#: Where each kind references Secrets, and for which use.
SECRET_REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "ImageRepository": (
        (("secretRef", "name"), "registry"),
        (("certSecretRef", "name"), "registry"),
        (("proxySecretRef", "name"), "registry"),
    ),
    "GitRepository": ((("secretRef", "name"), "git"),),
    # Verified images only: the cosign keys the scan function checks signatures with.
    "ImagePolicy": (((ANNOTATION, "tagpilot.dev/verify-secret"), "registry"),),
    "ImageUpdateAutomation": (
        (("git", "commit", "signingKey", "secretRef", "name"), "git"),
        ((ANNOTATION, "tagpilot.dev/pull-request-secret"), "git"),
    ),
    "Receiver": ((("secretRef", "name"), "receiver"),),
    # Read by the delivery function (and local delivery) when it sends to the Provider.
    "Provider": (
        (("secretRef", "name"), "provider"),
        (("certSecretRef", "name"), "provider"),
        (("proxySecretRef", "name"), "provider"),
    ),
    # Reconciled by the scan function, like ImageRepositories.
    "OCIRepository": (
        (("secretRef", "name"), "registry"),
        (("certSecretRef", "name"), "registry"),
        (("proxySecretRef", "name"), "registry"),
        (("verify", "secretRef", "name"), "registry"),
        (("verify", "trustedRootSecretRef", "name"), "registry"),
    ),
}


def _dig(spec: dict[str, Any], path: tuple[str, ...]) -> str | None:
    node: Any = spec
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node if isinstance(node, str) and node else None


def referenced_uses(app: Any, namespace: str) -> set[tuple[str, str]]:
    """``(secret name, use)`` pairs the namespace's objects reference."""
    wanted: set[tuple[str, str]] = set()
    for kind, refs in SECRET_REFERENCES.items():
        for obj in app.objects.list(kind, namespace):
            for path, use in refs:
                if path[0] == ANNOTATION:
                    name = obj.annotations.get(path[1]) or None
                else:
                    name = _dig(obj.spec, path)
                if name:
                    wanted.add((name, use))
    return wanted


def sync_secret_uses(app: Any, namespaces: Iterable[str]) -> list[str]:
    """Write and prune the per-use copies of the namespaces' Secrets; returns what changed."""
    from tagpilot.store.secrets import USES

    changes: list[str] = []
    for namespace in sorted(set(namespaces)):
        wanted = referenced_uses(app, namespace)
        for name, use in sorted(wanted):
            action = app.secrets.put_use(namespace, name, use)
            if action in ("created", "configured"):
                changes.append(f"Secret/{namespace}/{name} {use} copy {action}")
        for use in USES:
            for ns, name in app.secrets.list_names(namespace, use=use):
                if ns == namespace and (name, use) not in wanted:
                    app.secrets.delete_use(namespace, name, use)
                    changes.append(f"Secret/{namespace}/{name} {use} copy deleted")
    return changes
