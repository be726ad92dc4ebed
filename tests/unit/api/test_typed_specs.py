"""Typed specs parsed from validated manifests: Flux's defaults, absent fields, durations."""

from __future__ import annotations

import pytest
from tagpilot.api.alert import AlertSpec, EventSource
from tagpilot.api.gitrepository import GitRepositorySpec
from tagpilot.api.imagepolicy import ImagePolicySpec
from tagpilot.api.imageupdateautomation import ImageUpdateAutomationSpec
from tagpilot.api.provider import ProviderSpec
from tagpilot.api.selector import AccessFrom, LabelSelector, Requirement

pytestmark = pytest.mark.unit


def test_git_repository_defaults_and_values() -> None:
    minimal = GitRepositorySpec.from_dict(
        {"url": "https://git.example.com/fleet", "interval": "1m"}
    )
    assert minimal == GitRepositorySpec("https://git.example.com/fleet", None, 60.0, None, False)
    full = GitRepositorySpec.from_dict(
        {
            "url": "ssh://git@example.com/fleet",
            "interval": "1m",
            "timeout": "90s",
            "secretRef": {"name": "deploy-key"},
            "ref": {"branch": "main"},
            "suspend": True,
        }
    )
    assert (full.secret_ref, full.timeout, full.ref, full.suspend) == (
        "deploy-key",
        90.0,
        {"branch": "main"},
        True,
    )


def test_image_policy_defaults_and_values() -> None:
    spec = ImagePolicySpec.from_dict(
        {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "1.x"}}}
    )
    assert spec.repository_name == "app"
    assert spec.repository_namespace is None
    assert spec.digest_reflection_policy == "Never"
    assert spec.interval is None
    assert spec.filter_tags is None
    always = ImagePolicySpec.from_dict(
        {
            "imageRepositoryRef": {"name": "app", "namespace": "shared"},
            "policy": {"alphabetical": {}},
            "filterTags": {"pattern": "^v", "extract": "$0"},
            "digestReflectionPolicy": "Always",
            "interval": "1h30m",
        }
    )
    assert always.repository_namespace == "shared"
    assert always.interval == 5400.0
    assert always.filter_tags == {"pattern": "^v", "extract": "$0"}


def test_image_update_automation_defaults_and_values() -> None:
    base = {
        "sourceRef": {"name": "fleet"},
        "interval": "5m",
        "git": {"commit": {"author": {"email": "bot@example.com"}}},
    }
    spec = ImageUpdateAutomationSpec.from_dict(base)
    assert (spec.source_kind, spec.source_name, spec.source_namespace) == (
        "GitRepository",
        "fleet",
        None,
    )
    assert (spec.author_name, spec.author_email, spec.interval) == ("", "bot@example.com", 300.0)
    assert spec.update_strategy is None and spec.update_path == ""
    assert spec.checkout_ref is None and spec.push_branch is None
    full = ImageUpdateAutomationSpec.from_dict(
        {
            **base,
            "update": {"path": "./apps"},
            "policySelector": {"matchLabels": {"team": "web"}},
            "git": {
                "checkout": {"ref": {"branch": "main"}},
                "commit": {
                    "author": {"name": "bot", "email": "bot@example.com"},
                    "signingKey": {"secretRef": {"name": "gpg"}},
                    "messageTemplate": "{{ .AutomationObject }}",
                    "messageTemplateValues": {"env": "prod"},
                },
                "push": {"branch": "auto", "refspec": "refs/heads/auto:refs/heads/x"},
            },
        }
    )
    assert full.update_strategy == "Setters" and full.update_path == "./apps"
    assert full.checkout_ref == {"branch": "main"}
    assert (full.push_branch, full.push_refspec) == ("auto", "refs/heads/auto:refs/heads/x")
    assert (full.signing_key_secret, full.message_template_values) == ("gpg", {"env": "prod"})
    assert full.policy_selector == LabelSelector(match_labels={"team": "web"})


def test_label_selector_and_access_from_are_typed() -> None:
    selector = LabelSelector.from_dict(
        {
            "matchLabels": {"team": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert selector.match_expressions == (
        Requirement("tier", "In", ("front", "edge")),
        Requirement("legacy", "DoesNotExist"),
    )
    assert selector.matches({"team": "web", "tier": "edge"})
    assert not selector.matches({"team": "web", "tier": "edge", "legacy": "1"})
    assert not selector.matches({"team": "web", "tier": "db"})
    assert not selector.matches({"team": "api", "tier": "front"})
    assert LabelSelector.from_dict({}).empty and LabelSelector.from_dict({}).matches({})
    assert Requirement("a", "NotIn", ("x",)).matches({}) and Requirement("a", "Exists").matches(
        {"a": ""}
    )

    assert AccessFrom.from_spec({}) is None
    access = AccessFrom.from_spec(
        {"accessFrom": {"namespaceSelectors": [{"matchLabels": {"env": "prod"}}, {}]}}
    )
    assert access is not None and len(access.namespace_selectors) == 2
    assert access.admits({"anything": "x"}), "an empty selector admits every namespace"
    none_admitted = AccessFrom.from_spec({"accessFrom": {"namespaceSelectors": []}})
    assert none_admitted is not None and not none_admitted.admits({"env": "prod"})


def test_alert_spec_is_typed_with_flux_defaults() -> None:
    minimal = AlertSpec.from_dict(
        {"providerRef": {"name": "slack"}, "eventSources": [{"kind": "ImagePolicy", "name": "*"}]}
    )
    assert minimal == AlertSpec(
        provider_name="slack", event_sources=(EventSource("ImagePolicy", "*"),)
    )
    assert (minimal.event_severity, minimal.summary, minimal.suspend) == ("info", None, False)
    full = AlertSpec.from_dict(
        {
            "providerRef": {"name": "teams"},
            "eventSeverity": "error",
            "eventSources": [
                {
                    "kind": "GitRepository",
                    "name": "app",
                    "namespace": "src",
                    "matchLabels": {"a": "b"},
                }
            ],
            "inclusionList": [".*failed.*"],
            "exclusionList": ["timeout"],
            "eventMetadata": {"env": "prod"},
            "summary": "cluster x",
            "suspend": True,
        }
    )
    assert full.event_sources == (EventSource("GitRepository", "app", "src", {"a": "b"}),)
    assert (full.inclusion_list, full.exclusion_list) == ((".*failed.*",), ("timeout",))
    assert (full.event_metadata, full.summary, full.suspend) == ({"env": "prod"}, "cluster x", True)


def test_provider_spec_is_typed_with_nc_defaults() -> None:
    assert ProviderSpec.from_dict({"type": "slack"}) == ProviderSpec(type="slack", timeout=15.0)
    full = ProviderSpec.from_dict(
        {
            "type": "github",
            "address": "https://github.com/org/repo",
            "channel": "general",
            "username": "bot",
            "proxy": "http://proxy:3128",
            "secretRef": {"name": "token"},
            "certSecretRef": {"name": "ca"},
            "proxySecretRef": {"name": "proxy"},
            "timeout": "1m30s",
            "suspend": True,
        }
    )
    assert (full.secret_name, full.cert_secret_name, full.proxy_secret_name) == (
        "token",
        "ca",
        "proxy",
    )
    assert (full.timeout, full.suspend, full.channel) == (90.0, True, "general")
    # A timeout written by another tool that does not parse: NC's default, as before.
    assert ProviderSpec.from_dict({"type": "slack", "timeout": "1h"}).timeout == 15.0
