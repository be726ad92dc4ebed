"""Receiver spec, manifest and token validation."""

from __future__ import annotations

import base64

import pytest
from tagpilot.api.receiver import RECEIVER_TYPES, parse_receiver, validate_receiver_spec
from tagpilot.api.secret import validate_secret
from tagpilot.api.validation import Checker
from tagpilot.receiver.errors import ReceiverSpecError, WeakTokenError
from tagpilot.receiver.spec import ResourceRef, check_token

pytestmark = pytest.mark.unit

REPO = {"kind": "ImageRepository", "name": "app"}
GROUP = "image.toolkit.fluxcd.io"


def spec(**changes):
    base = {"type": "github", "secretRef": {"name": "token"}, "resources": [REPO]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("receiver_type", RECEIVER_TYPES)
def test_every_supported_type_is_accepted(receiver_type):
    assert validate_receiver_spec(spec(type=receiver_type)).type == receiver_type


def test_defaults():
    parsed = validate_receiver_spec(spec())
    assert (parsed.events, parsed.interval, parsed.suspend) == ((), "10m", False)
    assert parsed.resources == (ResourceRef("ImageRepository", "app"),)
    assert parsed.secret_name == "token"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"type": "generic-oidc"}, "spec.type", "not supported by tagpilot yet"),
        ({"type": "GitHub"}, "spec.type", "not one of"),
        ({"type": None}, "spec.type", "required"),
        ({"oidcProviders": []}, "spec.oidcProviders", "not supported"),
        ({"resourceFilter": "true"}, "spec.resourceFilter", "CEL"),
        ({"resources": [dict(REPO, filter="true")]}, "spec.resources[0].filter", "CEL"),
        (
            {"resources": [{"kind": "Kustomization", "name": "x"}]},
            "spec.resources[0].kind",
            "does not manage",
        ),
        (
            {"resources": [{"kind": "Deployment", "name": "x"}]},
            "spec.resources[0].kind",
            "not one of Flux's kinds",
        ),
        (
            {"resources": [REPO, {"kind": "ImagePolicy", "name": "p"}]},
            "spec.resources[1].apiVersion",
            "required for kind ImagePolicy",
        ),
        (
            {"resources": [dict(REPO, apiVersion="source.toolkit.fluxcd.io/v1")]},
            "spec.resources[0].apiVersion",
            "image.toolkit.fluxcd.io",
        ),
        (
            {
                "resources": [
                    {
                        "kind": "GitRepository",
                        "name": "x",
                        "apiVersion": "image.toolkit.fluxcd.io/v1",
                    }
                ]
            },
            "spec.resources[0].apiVersion",
            "source.toolkit.fluxcd.io",
        ),
        ({"resources": [dict(REPO, name="")]}, "spec.resources[0].name", "1 to 253"),
        ({"resources": [dict(REPO, name="a" * 254)]}, "spec.resources[0].name", "1 to 253"),
        ({"resources": [dict(REPO, namespace="")]}, "spec.resources[0].namespace", "1 to 253"),
        (
            {"resources": [dict(REPO, matchLabels={"a": 1})]},
            "spec.resources[0].matchLabels",
            "strings",
        ),
        ({"resources": [dict(REPO, labels={})]}, "spec.resources[0].labels", "unknown field"),
        ({"resources": None}, "spec.resources", "required"),
        ({"resources": {"kind": "ImageRepository"}}, "spec.resources", "list"),
        ({"secretRef": None}, "spec.secretRef", "required"),
        ({"secretRef": {}}, "spec.secretRef.name", "required"),
        ({"events": "push"}, "spec.events", "list"),
        ({"events": ["push", 1]}, "spec.events[1]", "string"),
        ({"interval": "10 minutes"}, "spec.interval", "duration"),
        ({"interval": 600}, "spec.interval", "duration"),
        ({"suspend": "yes"}, "spec.suspend", "true or false"),
        ({"extra": 1}, "spec.extra", "unknown field"),
    ],
)
def test_invalid_specs_name_the_field(changes, field, text):
    with pytest.raises(ReceiverSpecError) as info:
        validate_receiver_spec(spec(**changes))
    assert info.value.field == field
    assert text in info.value.message


@pytest.mark.parametrize(
    "resource",
    [
        {"kind": "ImagePolicy", "name": "p", "apiVersion": "image.toolkit.fluxcd.io/v1"},
        {
            "kind": "ImageUpdateAutomation",
            "name": "a",
            "apiVersion": "image.toolkit.fluxcd.io/v1beta2",
        },
        {"kind": "ImageRepository", "name": "*", "matchLabels": {}},
        {"kind": "ImageRepository", "name": "*"},
        {"kind": "ImageRepository", "name": "app", "namespace": "other"},
    ],
)
def test_accepted_resources(resource):
    parsed = validate_receiver_spec(spec(resources=[resource])).resources[0]
    assert (parsed.kind, parsed.name) == (resource["kind"], resource["name"])
    assert parsed.match_labels == resource.get("matchLabels")


def test_empty_match_labels_stays_distinct_from_absent():
    with_empty = validate_receiver_spec(spec(resources=[dict(REPO, name="*", matchLabels={})]))
    without = validate_receiver_spec(spec(resources=[dict(REPO, name="*")]))
    assert with_empty.resources[0].match_labels == {}
    assert without.resources[0].match_labels is None


@pytest.mark.parametrize(
    ("api_version", "ok"),
    [
        ("notification.toolkit.fluxcd.io/v1", True),
        ("notification.toolkit.fluxcd.io/v1beta2", True),
        ("notification.toolkit.fluxcd.io/v1beta1", False),
    ],
)
def test_api_versions(api_version, ok):
    if ok:
        assert validate_receiver_spec(spec(), api_version=api_version).api_version == api_version
    else:
        with pytest.raises(ReceiverSpecError):
            validate_receiver_spec(spec(), api_version=api_version)


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("x" * 32, True),
        ("0123456789abcdef" * 4, True),
        ("x" * 31, False),
        ("", False),
        (None, False),
        (b"x" * 32, False),
    ],
)
def test_check_token(token, ok):
    if ok:
        assert check_token(token) == token
    else:
        with pytest.raises(WeakTokenError) as info:
            check_token(token)
        if isinstance(token, str) and token:
            assert token not in str(info.value)


def manifest(**metadata):
    return {
        "apiVersion": "notification.toolkit.fluxcd.io/v1",
        "kind": "Receiver",
        "metadata": {"name": "hook", "namespace": "apps", **metadata},
        "spec": spec(),
    }


def test_parse_receiver():
    receiver = parse_receiver(manifest())
    assert (receiver.name, receiver.namespace, receiver.spec.type) == ("hook", "apps", "github")
    assert receiver.webhook_path("t" * 32).startswith("/hook/")


def test_parse_receiver_default_namespace():
    raw = manifest()
    del raw["metadata"]["namespace"]
    assert parse_receiver(raw, default_namespace="flux-system").namespace == "flux-system"


@pytest.mark.parametrize(
    ("raw_changes", "field"),
    [
        ({"kind": "Alert"}, "kind"),
        ({"metadata": {"name": "Hook"}}, "metadata.name"),
        ({"metadata": {"name": "hook", "namespace": "a.b"}}, "metadata.namespace"),
        ({"metadata": None}, "metadata"),
        ({"apiVersion": "notification.toolkit.fluxcd.io/v2"}, "apiVersion"),
    ],
)
def test_parse_receiver_errors(raw_changes, field):
    raw = manifest()
    raw.update(raw_changes)
    with pytest.raises(ReceiverSpecError) as info:
        parse_receiver(raw)
    assert info.value.field == field


def test_secret_data_merges_data_and_string_data():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "data": {"token": base64.b64encode(b"from-data").decode(), "email": "YUBi"},
        "stringData": {"token": "from-string-data"},
    }
    check = Checker()
    assert validate_secret(secret, check)["data"] == {"token": "from-string-data", "email": "a@b"}
    assert check.errors == []


@pytest.mark.parametrize(
    ("secret", "field"),
    [
        ({"data": {"token": "not base64!"}}, "data.token"),
        ({"data": {"token": "/w=="}}, "data.token"),
        ({"stringData": {"token": 5}}, "stringData.token"),
    ],
)
def test_secret_errors_do_not_echo_values(secret, field):
    check = Checker()
    validate_secret({"apiVersion": "v1", "kind": "Secret", **secret}, check)
    assert [e.path for e in check.errors] == [field]
    assert "not base64!" not in str(check.errors)


def test_oci_repository_is_a_receiver_resource():
    oci = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository", "name": "m"}
    parsed = validate_receiver_spec(spec(resources=[oci]))
    assert parsed.resources[0].kind == "OCIRepository"
    with pytest.raises(ReceiverSpecError, match="source.toolkit.fluxcd.io/v1"):
        validate_receiver_spec(spec(resources=[{"kind": "OCIRepository", "name": "m"}]))
    wrong = dict(oci, apiVersion="image.toolkit.fluxcd.io/v1")
    with pytest.raises(ReceiverSpecError, match="must be source.toolkit.fluxcd.io/"):
        validate_receiver_spec(spec(resources=[wrong]))


def test_git_repository_resources_default_their_api_version() -> None:
    parsed = validate_receiver_spec(
        spec(
            resources=[
                {"kind": "GitRepository", "name": "fleet"},
                {
                    "kind": "GitRepository",
                    "name": "app",
                    "apiVersion": "source.toolkit.fluxcd.io/v1",
                },
            ]
        )
    )
    assert [(r.kind, r.name) for r in parsed.resources] == [
        ("GitRepository", "fleet"),
        ("GitRepository", "app"),
    ]
