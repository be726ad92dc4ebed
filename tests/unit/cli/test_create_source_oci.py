"""``tagpilot create source oci``: flux's ``--export`` bytes and flux's errors.

The goldens are flux2's ``cmd/flux/testdata/oci/export*.golden`` with the two fields its tests
lose by resetting flag defaults (``provider: generic``, the given ``--interval``), as the flux
CLI prints them (reference flux-oci §8.9, which records the first one verbatim).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "flux_cli"
URL = "--url=oci://ghcr.io/stefanprodan/manifests/podinfo"
BASE = ["create", "source", "oci", "podinfo", URL, "--tag=6.3.5", "--interval=10m"]
CASES = {
    "source_oci.yaml": [],
    "source_oci_layer_selector.yaml": [
        "--layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip:copy"
    ],
    "source_oci_keyless.yaml": [
        "--verify-provider=cosign",
        "--verify-issuer=github",
        "--verify-subject=stefanprodan",
    ],
    "source_oci_verify_secret.yaml": [
        "--secret-ref=creds",
        "--verify-provider=cosign",
        "--verify-secret-ref=cosign-pub",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_is_flux_bytes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, *CASES[name], "--export"]) == 0
    out = capsys.readouterr()
    assert out.out == (GOLDEN / name).read_text()
    assert out.err == ""


def test_every_flag_lands_in_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "create", "source", "oci", "podinfo", URL,
        "--tag-semver=>=6.0.0 <7.0.0",
        "--digest=sha256:" + "6c" * 32,
        "--provider=aws", "--secret-ref=creds", "--cert-ref=tls", "--proxy-secret-ref=proxy",
        "--service-account=puller", "--insecure", "--ignore-paths=*.md,docs/",
        "--ignore-paths=/tmp", "--fetch-timeout=2m", "--verify-provider=cosign",
        "--verify-subject=^https://github.com/org/", "--label=team=platform", "--interval=1h",
        "-n", "apps", "--export",
    ]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: OCIRepository\n"
        "metadata:\n"
        "  labels:\n"
        "    team: platform\n"
        "  name: podinfo\n"
        "  namespace: apps\n"
        "spec:\n"
        "  certSecretRef:\n"
        "    name: tls\n"
        "  ignore: |-\n"
        "    *.md\n"
        "    docs/\n"
        "    /tmp\n"
        "  insecure: true\n"
        "  interval: 1h0m0s\n"
        "  provider: aws\n"
        "  proxySecretRef:\n"
        "    name: proxy\n"
        "  ref:\n"
        f"    digest: sha256:{'6c' * 32}\n"
        "    semver: '>=6.0.0 <7.0.0'\n"
        "  secretRef:\n"
        "    name: creds\n"
        "  serviceAccountName: puller\n"
        "  timeout: 2m0s\n"
        "  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n"
        "  verify:\n"
        "    matchOIDCIdentity:\n"
        '    - issuer: ""\n'
        "      subject: ^https://github.com/org/\n"
        "    provider: cosign\n"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tag=1"], "url is required"),
        ([URL], "--tag, --tag-semver or --digest is required"),
        (
            [URL, "--tag=1", "--verify-secret-ref=pub"],
            "a verification provider must be specified when a secret is specified",
        ),
        (
            [URL, "--tag=1", "--verify-issuer=x"],
            "a verification provider must be specified when OIDC issuer/subject is specified",
        ),
        (
            [URL, "--tag=1", "--layer-selector=application/x"],
            'invalid --layer-selector "application/x": must be in the format '
            "'<media-type>:<operation>'",
        ),
        (
            [URL, "--tag=1", "--layer-selector=application/x:unpack"],
            'invalid --layer-selector "application/x:unpack": operation must be "extract" or '
            '"copy"',
        ),
        (
            [URL, "--tag=1", "--provider=oracle"],
            "source OCI provider 'oracle' is not supported, must be one of: generic, aws, azure, "
            "gcp",
        ),
        (
            [URL, "--tag=1", "--verify-provider=notation"],
            "source OCI verify provider 'notation' is not supported, must be one of: cosign",
        ),
    ],
)
def test_flux_errors(extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create", "source", "oci", "podinfo", *extra, "--export"]) != 0
    out = capsys.readouterr()
    assert out.out == ""
    assert message in out.err
