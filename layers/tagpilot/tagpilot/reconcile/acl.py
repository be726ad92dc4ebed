"""Cross-namespace access (fluxcd/pkg ``runtime/acl``): may an object in ``namespace`` read a
repository in another namespace? Messages are Flux's, word for word."""

from __future__ import annotations

from tagpilot.api.resource import Resource
from tagpilot.api.selector import AccessFrom
from tagpilot.errors import TagpilotError
from tagpilot.reconcile.app import Objects
from tagpilot.reconcile.apply import NAMESPACE_NAME_LABEL


class AccessDeniedError(TagpilotError):
    """The repository's ``accessFrom`` does not admit the namespace."""


def namespace_labels(objects: Objects, namespace: str) -> dict[str, str]:
    """Labels of a Namespace object plus the implicit ``kubernetes.io/metadata.name``."""
    ns = objects.get("Namespace", "", namespace)
    labels = dict(ns.labels) if ns is not None else {}
    labels[NAMESPACE_NAME_LABEL] = namespace
    return labels


def check_access(objects: Objects, target: Resource, from_namespace: str) -> None:
    """Raise :class:`AccessDeniedError` with Flux's message when access is not allowed."""
    if target.namespace == from_namespace:
        return
    ref = f"'{target.namespace}/{target.name}'"
    access = AccessFrom.from_spec(target.spec)
    if access is None:
        raise AccessDeniedError(
            f"{ref} can't be accessed due to missing ACL labels on 'accessFrom'"
        )
    if access.admits(namespace_labels(objects, from_namespace)):
        return
    raise AccessDeniedError(
        f"{ref} can't be accessed due to ACL labels mismatch on namespace '{from_namespace}'"
    )
