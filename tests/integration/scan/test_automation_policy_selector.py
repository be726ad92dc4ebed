"""Which ImagePolicies an ImageUpdateAutomation applies: ``policySelector`` on the real store.

Flux (image-automation-controller): the Ready policies of the automation's own namespace whose
labels match ``policySelector`` (``metav1.LabelSelectorAsSelector``: ``matchLabels`` and
``matchExpressions`` ANDed; an absent or empty selector selects every policy). Policies without
a ``latestRef`` are left out.
"""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.resource import Resource
from tagpilot.api.selector import LabelSelector
from tagpilot.reconcile.automation import observed_policies

pytestmark = pytest.mark.integration

POLICIES = {
    # name: (namespace, labels, has latestRef)
    "web": ("apps", {"team": "web", "env": "prod"}, True),
    "api": ("apps", {"team": "api", "env": "prod"}, True),
    "batch": ("apps", {"team": "batch"}, True),
    "pending": ("apps", {"team": "web", "env": "prod"}, False),
    "elsewhere": ("other", {"team": "web", "env": "prod"}, True),
}


@pytest.fixture
def stored(app: Any) -> Any:
    for name, (namespace, labels, ready) in POLICIES.items():
        policy = app.objects.apply(
            Resource(
                "image.toolkit.fluxcd.io/v1",
                "ImagePolicy",
                name,
                namespace,
                spec={"imageRepositoryRef": {"name": name}, "policy": {"alphabetical": {}}},
                labels=labels,
            )
        ).resource
        if ready:
            status = {"latestRef": {"name": f"registry.example.com/{name}", "tag": "1.0.0"}}
            app.objects.write_status(policy, status, next_due_at=None)
    return app


def _selected(app: Any, selector: dict[str, Any] | None) -> list[str]:
    spec: dict[str, Any] = {"sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    if selector is not None:
        spec["policySelector"] = selector
    automation = Resource(
        "image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation", "auto", "apps", spec=spec
    )
    typed = None if selector is None else LabelSelector.from_dict(selector)
    return sorted(observed_policies(app, automation, typed))


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (None, ["api", "batch", "web"]),
        ({}, ["api", "batch", "web"]),
        ({"matchLabels": {}}, ["api", "batch", "web"]),
        ({"matchLabels": {"team": "web"}}, ["web"]),
        ({"matchLabels": {"env": "prod"}}, ["api", "web"]),
        ({"matchLabels": {"env": "prod", "team": "api"}}, ["api"]),
        ({"matchLabels": {"team": "nobody"}}, []),
        (
            {"matchExpressions": [{"key": "team", "operator": "In", "values": ["web", "batch"]}]},
            ["batch", "web"],
        ),
        (
            {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["web"]}]},
            ["api", "batch"],
        ),
        (
            {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]},
            ["batch"],
        ),
        ({"matchExpressions": [{"key": "env", "operator": "Exists"}]}, ["api", "web"]),
        ({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, ["batch"]),
        (
            {
                "matchLabels": {"env": "prod"},
                "matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["api"]}],
            },
            ["web"],
        ),
    ],
)
def test_policy_selector_picks_ready_policies_of_the_namespace(
    stored: Any, selector: dict[str, Any] | None, expected: list[str]
) -> None:
    assert _selected(stored, selector) == expected


def test_selected_policies_carry_their_latest_ref(stored: Any) -> None:
    spec = {"sourceRef": {"name": "fleet"}, "policySelector": {"matchLabels": {"team": "web"}}}
    automation = Resource(
        "image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation", "auto", "apps", spec=spec
    )
    selector = LabelSelector.from_dict(spec["policySelector"])
    assert observed_policies(stored, automation, selector) == {
        "web": {"name": "registry.example.com/web", "tag": "1.0.0"}
    }
