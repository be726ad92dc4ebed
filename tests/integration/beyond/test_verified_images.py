"""Verified images only: cosign signatures and platforms, in the reconciler and `policy test`,
against the real registry (signatures made with the test signer, as `cosign sign --key` does)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tagpilot.cli.main import main
from tagpilot.reconcile import imagepolicy, imagerepository

from tests.integration.beyond.conftest import apply
from tests.support.cosign import generate, sign_and_push
from tests.support.registry import OCI_MANIFEST, _Pusher, push_image

pytestmark = pytest.mark.integration
INDEX = "application/vnd.oci.image.index.v1+json"


def _index(registry: Any, tag: str, platforms: dict[str, str]) -> str:
    """Push an image index of one child image per ``os/arch`` and tag it."""
    manifests = []
    for platform, variant in platforms.items():
        digest = push_image(registry.url, "team/app", [f"child-{variant}"], variant=variant)
        os_, arch = platform.split("/")
        size = len(
            _Pusher(registry.url, "team/app", None, None)
            .request("GET", f"/v2/team/app/manifests/{digest}")
            .content
        )
        manifests.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest,
                "size": size,
                "platform": {"os": os_, "architecture": arch},
            }
        )
    body = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}).encode()
    _Pusher(registry.url, "team/app", None, None).manifest(tag, body, INDEX)
    import hashlib

    return "sha256:" + hashlib.sha256(body).hexdigest()


def _setup(app: Any, registry: Any, annotations: dict[str, str]) -> None:
    apply(
        app,
        "ImageRepository",
        "app",
        {
            "image": f"{registry.host}/team/app",
            "insecure": True,
            "interval": "5m",
            "exclusionList": ["^.*\\.sig$", "^child-"],
        },
    )
    assert imagerepository.reconcile(app, "apps", "app").ready == "True"
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    apply(app, "ImagePolicy", "app", spec, annotations)


def test_only_signed_tags_are_selected(xapp, registry) -> None:
    key, other = generate(), generate()
    signed = push_image(registry.url, "team/app", ["1.0.0"])
    sign_and_push(registry.url, "team/app", signed, [key], host=registry.host)
    unsigned = push_image(registry.url, "team/app", ["1.2.0"], variant="b")
    wrong = push_image(registry.url, "team/app", ["1.1.0"], variant="c")
    sign_and_push(registry.url, "team/app", wrong, [other], host=registry.host)
    xapp.secrets.put("apps", "cosign", "Opaque", {"cosign.pub": key.public_pem}, uses=("registry",))
    _setup(xapp, registry, {"tagpilot.dev/verify-secret": "cosign"})
    out = imagepolicy.reconcile(xapp, "apps", "app")
    policy = xapp.objects.require("ImagePolicy", "apps", "app")
    assert out.ready == "True" and policy.status["latestRef"]["tag"] == "1.0.0"
    rejected = {r["tag"]: r["why"] for r in policy.status["extensions"]["rejected"]}
    assert set(rejected) == {"1.2.0", "1.1.0"}
    assert rejected["1.2.0"].startswith("signature not verified")

    # Signing 1.2.0 later is noticed (rejections are not cached), and it is selected.
    sign_and_push(registry.url, "team/app", unsigned, [key], host=registry.host)
    xapp.objects.request_reconcile("ImagePolicy", "apps", "app", "signed")
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = xapp.objects.require("ImagePolicy", "apps", "app")
    assert policy.status["latestRef"]["tag"] == "1.2.0"
    assert policy.status["extensions"]["verified"]["1.2.0"][:2] == [unsigned, True]


def test_nothing_verified_is_a_failure_with_reasons(xapp, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    xapp.secrets.put(
        "apps", "cosign", "Opaque", {"cosign.pub": generate().public_pem}, uses=("registry",)
    )
    _setup(xapp, registry, {"tagpilot.dev/verify-secret": "cosign"})
    out = imagepolicy.reconcile(xapp, "apps", "app")
    assert (out.ready, out.reason) == ("False", "Failure")
    assert "no verified tag (1.0.0: signature not verified" in out.message


def test_platforms_and_policy_test_json(xapp, registry, tmp_path, capsys) -> None:
    _index(registry, "2.0.0", {"linux/amd64": "a", "linux/arm64": "b"})
    _index(registry, "2.1.0", {"linux/amd64": "c"})
    push_image(registry.url, "team/app", ["2.2.0"], variant="single")
    _setup(xapp, registry, {"tagpilot.dev/platforms": "linux/arm64"})
    imagepolicy.reconcile(xapp, "apps", "app")
    policy = xapp.objects.require("ImagePolicy", "apps", "app")
    assert policy.status["latestRef"]["tag"] == "2.0.0"

    manifest = tmp_path / "policy.yaml"
    manifest.write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
        "metadata: {name: app, annotations: {tagpilot.dev/platforms: linux/arm64}}\n"
        "spec: {imageRepositoryRef: {name: app}, policy: {semver: {range: '>=2.0.0'}}}\n"
    )
    code = main(
        [
            "policy",
            "test",
            "-f",
            str(manifest),
            "--image",
            f"{registry.host}/team/app",
            "--insecure",
            "--exclusion",
            "^child-",
            "-o",
            "json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["latest"] == "2.0.0"
    reasons = {r["tag"]: r["why"] for r in report["rejected"]}
    assert reasons["2.2.0"] == "not an image index: platforms linux/arm64"
    assert reasons["2.1.0"] == "image index lacks platform linux/arm64"


def test_policy_test_needs_the_key_for_a_verify_secret(tmp_path, capsys) -> None:
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(
        "kind: ImagePolicy\nmetadata: {name: app, annotations: {tagpilot.dev/verify-secret: k}}\n"
        "spec: {policy: {semver: {range: '*'}}}\n"
    )
    code = main(["policy", "test", "-f", str(manifest), "--image", "127.0.0.1:9/x"])
    assert code == 2 and "--cosign-key" in capsys.readouterr().err
