"""OCIRepository manifests: every spec field checked at validate/apply, with precise messages."""

from __future__ import annotations

import pytest
from tagpilot.api.loader import validate_document
from tagpilot.api.ocirepository import OCIRepositorySpec

pytestmark = pytest.mark.unit

DIGEST = "sha256:" + "a" * 64
BASE = {
    "apiVersion": "source.toolkit.fluxcd.io/v1",
    "kind": "OCIRepository",
    "metadata": {"name": "podinfo", "namespace": "flux-system"},
    "spec": {"url": "oci://ghcr.io/stefanprodan/manifests/podinfo", "interval": "10m"},
}


def errors_of(**spec: object) -> list[str]:
    doc = {**BASE, "spec": {**BASE["spec"], **spec}}
    return [str(e) for e in validate_document("f.yaml", 1, doc, "default").errors]


@pytest.mark.parametrize("version", ["v1beta2", "v1"])
def test_full_spec_is_valid_in_both_versions(version: str) -> None:
    spec = {
        "url": "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/manifests",
        "ref": {"tag": "latest", "semver": ">=6.0.0", "semverFilter": ".*-rc.*", "digest": DIGEST},
        "layerSelector": {
            "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            "operation": "copy",
        },
        "provider": "aws",
        "secretRef": {"name": "regcred"},
        "certSecretRef": {"name": "tls"},
        "proxySecretRef": {"name": "proxy"},
        "verify": {
            "provider": "cosign",
            "secretRef": {"name": "cosign-pub"},
            "matchOIDCIdentity": [
                {"issuer": "^https://token.actions.githubusercontent.com$", "subject": ""}
            ],
        },
        "interval": "1h0m0s",
        "timeout": "2m",
        "ignore": "*.md\n!README.md\n",
        "insecure": False,
        "suspend": True,
    }
    doc = {**BASE, "apiVersion": f"source.toolkit.fluxcd.io/{version}", "spec": spec}
    assert validate_document("f.yaml", 1, doc, "default").errors == []
    typed = OCIRepositorySpec.from_dict(spec)
    assert (typed.digest, typed.semver, typed.operation, typed.timeout) == (
        DIGEST,
        ">=6.0.0",
        "copy",
        120.0,
    )


def test_defaults() -> None:
    typed = OCIRepositorySpec.from_dict(BASE["spec"])
    assert (typed.tag, typed.timeout, typed.provider, typed.operation) == (
        None,
        60.0,
        "generic",
        "extract",
    )
    assert typed.ignore is None and typed.layer_selector is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"url": "ghcr.io/org/app"},
            "spec.url: URL must be in format 'oci://<domain>/<org>/<repo>'",
        ),
        (
            {"url": "oci://ghcr.io/org/app:1.0"},
            "spec.url: URL must not contain a tag; remove ':1.0'",
        ),
        ({"url": f"oci://ghcr.io/org/app@{DIGEST}"}, "spec.url: URL must not contain a digest"),
        ({"url": None}, "spec.url: required field is missing"),
        ({"interval": None}, "spec.interval: required field is missing"),
        ({"timeout": "1h"}, "spec.timeout: invalid duration '1h'"),
        (
            {"ref": {"semver": "latest"}},
            "spec.ref.semver: semver 'latest' parse error: improper constraint: latest",
        ),
        (
            {"ref": {"semver": "1.x", "semverFilter": "(?=x)"}},
            "spec.ref.semverFilter: invalid regular expression",
        ),
        ({"ref": {"digest": "sha256:abc"}}, "spec.ref.digest: invalid value 'sha256:abc'"),
        ({"ref": {"branch": "main"}}, "spec.ref.branch: unknown field"),
        (
            {"layerSelector": {"operation": "unpack"}},
            "spec.layerSelector.operation: unsupported value 'unpack'",
        ),
        ({"provider": "gcp"}, "spec.provider: provider 'gcp' is not supported by tagpilot"),
        ({"provider": "azure"}, "spec.provider: provider 'azure' is not supported by tagpilot"),
        ({"serviceAccountName": "sa"}, "spec.serviceAccountName: not supported by tagpilot"),
        (
            {"verify": {"secretRef": {"name": "k"}}},
            "spec.verify.provider: required field is missing",
        ),
        (
            {"verify": {"provider": "notation", "secretRef": {"name": "k"}}},
            "spec.verify.provider: provider 'notation' is not supported",
        ),
        (
            {
                "verify": {
                    "provider": "cosign",
                    "secretRef": {"name": "k"},
                    "matchOIDCIdentity": [{"issuer": "x"}],
                }
            },
            "spec.verify.matchOIDCIdentity[0].subject: required field is missing",
        ),
        (
            {
                "verify": {
                    "provider": "cosign",
                    "secretRef": {"name": "k"},
                    "matchOIDCIdentity": [{"issuer": "(?=", "subject": ""}],
                }
            },
            "spec.verify.matchOIDCIdentity[0].issuer: invalid regular expression",
        ),
        ({"ignore": 3}, "spec.ignore: must be a string, not integer"),
        ({"suspend": "yes"}, "spec.suspend: must be a boolean, not string"),
        ({"secretRef": {"name": "Bad_Name"}}, "spec.secretRef.name: invalid value 'Bad_Name'"),
        ({"contentConfigChecksum": "x"}, "spec.contentConfigChecksum: unknown field"),
    ],
)
def test_field_errors(spec: dict, expected: str) -> None:
    errors = errors_of(**spec)
    assert any(expected in e for e in errors), errors
