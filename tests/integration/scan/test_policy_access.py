"""Cross-namespace access (``accessFrom``) as an ImagePolicy reconcile sees it, on the real store.

Flux (fluxcd/pkg ``runtime/acl``, image-reflector-controller ``getImageRepository``): a policy in
the repository's own namespace is always allowed; otherwise the repository needs ``accessFrom``
and the policy's namespace labels (with the implicit ``kubernetes.io/metadata.name``) must match
the ``matchLabels`` of at least one ``namespaceSelectors`` entry. A denial is Ready=False,
reason ``AccessDenied``, with Flux's message, and nothing is selected.
"""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.reconcile import imagepolicy
from tagpilot.store.tags import revision_of

pytestmark = pytest.mark.integration

TAGS = ["1.0.0", "1.2.0", "2.0.0-rc.1"]
PREFIX = "failed to get the referred ImageRepository: access denied: "


def _repo(app: Any, access_from: dict[str, Any] | None, namespace: str = "shared") -> Resource:
    spec: dict[str, Any] = {"image": "registry.example.com/team/app", "interval": "5m"}
    if access_from is not None:
        spec["accessFrom"] = access_from
    repo = app.objects.apply(
        Resource("image.toolkit.fluxcd.io/v1", "ImageRepository", "app", namespace, spec=spec)
    ).resource
    app.tags.put(repo.key, TAGS, revision_of(TAGS))
    return repo


def _namespace(app: Any, name: str, **labels: str) -> None:
    app.objects.apply(Resource("v1", "Namespace", name, "", labels=dict(labels)))


def _policy(app: Any, namespace: str, repo_namespace: str | None = "shared") -> None:
    ref: dict[str, Any] = {"name": "app"}
    if repo_namespace is not None:
        ref["namespace"] = repo_namespace
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "latest",
            namespace,
            spec={"imageRepositoryRef": ref, "policy": {"semver": {"range": ">=1.0.0"}}},
        )
    )


def _reconcile(app: Any, namespace: str) -> tuple[dict[str, Any], dict[str, Any]]:
    imagepolicy.reconcile(app, namespace, "latest")
    policy = app.objects.require("ImagePolicy", namespace, "latest")
    return policy.status, conditions.get(policy.status, conditions.READY) or {}


def _assert_selected(app: Any, namespace: str) -> None:
    status, ready = _reconcile(app, namespace)
    assert ready.get("status") == "True", ready
    assert status["latestRef"]["tag"] == "1.2.0"


def _assert_denied(app: Any, namespace: str, message: str) -> None:
    status, ready = _reconcile(app, namespace)
    assert ready.get("status") == "False"
    assert ready.get("reason") == "AccessDenied"
    assert ready.get("message") == PREFIX + message
    assert "latestRef" not in status


def test_same_namespace_needs_no_access_from(app: Any) -> None:
    _repo(app, None, namespace="team-a")
    _policy(app, "team-a", repo_namespace=None)
    _assert_selected(app, "team-a")


def test_explicit_own_namespace_needs_no_access_from(app: Any) -> None:
    _repo(app, None, namespace="team-a")
    _policy(app, "team-a", repo_namespace="team-a")
    _assert_selected(app, "team-a")


def test_other_namespace_without_access_from_is_denied(app: Any) -> None:
    _repo(app, None)
    _namespace(app, "team-a", tenant="a")
    _policy(app, "team-a")
    _assert_denied(
        app, "team-a", "'shared/app' can't be accessed due to missing ACL labels on 'accessFrom'"
    )


def test_matching_namespace_labels_are_allowed(app: Any) -> None:
    _repo(app, {"namespaceSelectors": [{"matchLabels": {"tenant": "a", "tier": "prod"}}]})
    _namespace(app, "team-a", tenant="a", tier="prod", other="x")
    _policy(app, "team-a")
    _assert_selected(app, "team-a")


def test_every_label_of_a_selector_must_match(app: Any) -> None:
    _repo(app, {"namespaceSelectors": [{"matchLabels": {"tenant": "a", "tier": "prod"}}]})
    _namespace(app, "team-a", tenant="a", tier="dev")
    _policy(app, "team-a")
    _assert_denied(
        app,
        "team-a",
        "'shared/app' can't be accessed due to ACL labels mismatch on namespace 'team-a'",
    )


def test_any_one_selector_is_enough(app: Any) -> None:
    _repo(
        app,
        {
            "namespaceSelectors": [
                {"matchLabels": {"tenant": "b"}},
                {"matchLabels": {"tenant": "a"}},
            ]
        },
    )
    _namespace(app, "team-a", tenant="a")
    _policy(app, "team-a")
    _assert_selected(app, "team-a")


def test_implicit_metadata_name_label_matches_without_a_namespace_object(app: Any) -> None:
    _repo(
        app,
        {"namespaceSelectors": [{"matchLabels": {"kubernetes.io/metadata.name": "team-a"}}]},
    )
    _policy(app, "team-a")
    _assert_selected(app, "team-a")


def test_implicit_metadata_name_label_cannot_be_spoofed_by_namespace_labels(app: Any) -> None:
    _repo(
        app,
        {"namespaceSelectors": [{"matchLabels": {"kubernetes.io/metadata.name": "team-a"}}]},
    )
    # Kubernetes sets the label to the namespace's own name whatever the manifest says.
    _namespace(app, "team-b", **{"kubernetes.io/metadata.name": "team-a"})
    _policy(app, "team-b")
    _assert_denied(
        app,
        "team-b",
        "'shared/app' can't be accessed due to ACL labels mismatch on namespace 'team-b'",
    )


def test_empty_match_labels_admit_every_namespace(app: Any) -> None:
    _repo(app, {"namespaceSelectors": [{"matchLabels": {}}]})
    _policy(app, "anyone")
    _assert_selected(app, "anyone")


def test_no_selectors_admit_no_namespace(app: Any) -> None:
    _repo(app, {"namespaceSelectors": []})
    _namespace(app, "team-a", tenant="a")
    _policy(app, "team-a")
    _assert_denied(
        app,
        "team-a",
        "'shared/app' can't be accessed due to ACL labels mismatch on namespace 'team-a'",
    )


def test_a_denied_policy_is_allowed_once_its_namespace_is_labelled(app: Any) -> None:
    _repo(app, {"namespaceSelectors": [{"matchLabels": {"tenant": "a"}}]})
    _namespace(app, "team-a")
    _policy(app, "team-a")
    _assert_denied(
        app,
        "team-a",
        "'shared/app' can't be accessed due to ACL labels mismatch on namespace 'team-a'",
    )
    _namespace(app, "team-a", tenant="a")
    _assert_selected(app, "team-a")
