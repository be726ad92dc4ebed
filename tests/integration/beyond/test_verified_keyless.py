"""Verified images only, keyless: ``tagpilot.dev/verify-identities`` in the reconciler and
``policy test --cosign-identity/--cosign-issuer``, against the real registry, with signatures made
by the tests' own Sigstore instance (:mod:`tests.support.fulcio`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tagpilot.cli.main import main
from tagpilot.reconcile import imagepolicy, imagerepository

from tests.integration.beyond.conftest import apply
from tests.support.fulcio import GITHUB_ISSUER, LocalSigstore, push_signatures
from tests.support.registry import push_image

pytestmark = pytest.mark.integration
GOOD = "https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v1"
EVIL = "https://github.com/evil/app/.github/workflows/release.yaml@refs/tags/v1"
IDENTITIES = json.dumps([{"issuer": f"^{GITHUB_ISSUER}$", "subject": "^https://github.com/org/"}])


def _sign(registry: Any, digest: str, instance: LocalSigstore, **kw: Any) -> None:
    kw.setdefault("subject", GOOD)
    kw.setdefault("issuer", GITHUB_ISSUER)
    push_signatures(
        registry.url, "team/app", digest, [instance.sign(f"{registry.host}/team/app", digest, **kw)]
    )


def _tags(registry: Any, sigstore: LocalSigstore) -> None:
    """1.0.0 signed well; newer tags each wrong in one way."""
    good = push_image(registry.url, "team/app", ["1.0.0"])
    _sign(registry, good, sigstore)
    push_image(registry.url, "team/app", ["1.1.0"], variant="unsigned")
    evil = push_image(registry.url, "team/app", ["1.2.0"], variant="evil")
    _sign(registry, evil, sigstore, subject=EVIL)
    rogue = push_image(registry.url, "team/app", ["1.3.0"], variant="rogue")
    _sign(registry, rogue, LocalSigstore(rekor_key=sigstore.rekor_key, ct_key=sigstore.ct_key))
    expired = push_image(registry.url, "team/app", ["1.4.0"], variant="expired")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    _sign(registry, expired, sigstore, signed_at=start, integrated_at=start + dt.timedelta(hours=1))
    variants: dict[str, dict[str, Any]] = {
        "1.5.0": {"tamper": True},
        "1.6.0": {"bundle": "bad-set"},
        "1.7.0": {"bundle": "missing"},
        "1.8.0": {"issuer": "https://gitlab.com"},
    }
    for tag, kw in variants.items():
        _sign(registry, push_image(registry.url, "team/app", [tag], variant=tag), sigstore, **kw)
    moved = push_image(registry.url, "team/app", ["1.9.0"], variant="moved")
    push_signatures(  # a valid signature of 1.0.0's image, copied under 1.9.0's digest
        registry.url,
        "team/app",
        moved,
        [sigstore.sign(f"{registry.host}/team/app", good, subject=GOOD, issuer=GITHUB_ISSUER)],
    )


def _reasons(rejected: list[dict[str, str]]) -> dict[str, str]:
    return {r["tag"]: r["why"] for r in rejected}


def _check(reasons: dict[str, str]) -> None:
    prefix = "signature not verified: "
    assert reasons["1.1.0"] == prefix + "no signatures found"
    assert reasons["1.2.0"].startswith(
        prefix + "no matching signatures: none of the expected identities matched what was in "
        f"the certificate, got subjects [{EVIL}]"
    )
    assert reasons["1.3.0"].startswith(
        prefix + "no matching signatures: certificate is not trusted by the Fulcio roots"
    )
    assert reasons["1.4.0"].startswith(
        prefix + "no matching signatures: certificate expired before signatures were entered"
    )
    none = prefix + "no matching signatures: "
    assert reasons["1.5.0"] == none + "invalid signature when validating ASN.1 encoded signature"
    assert reasons["1.6.0"] == none + "unable to verify SET: keyring: invalid signature"
    assert reasons["1.7.0"] == (
        none + "no Rekor bundle on the signature (an online Rekor lookup is not done)"
    )
    assert reasons["1.8.0"] == (
        none + "none of the expected identities matched what was in the certificate, got "
        f"subjects [{GOOD}] with issuer https://gitlab.com"
    )
    assert reasons["1.9.0"].startswith(none + "invalid or missing digest in claim: sha256:")


def test_only_keyless_signed_tags_are_selected(xapp, registry, sigstore, tmp_path) -> None:
    _tags(registry, sigstore)
    root = tmp_path / "trusted_root.json"
    root.write_bytes(sigstore.trusted_root())
    xapp.settings = xapp.settings.with_overrides(sigstore_trusted_root=str(root))
    apply(
        xapp,
        "ImageRepository",
        "app",
        {"image": f"{registry.host}/team/app", "insecure": True, "interval": "5m"},
    )
    assert imagerepository.reconcile(xapp, "apps", "app").ready == "True"
    spec = {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    apply(xapp, "ImagePolicy", "app", spec, {"tagpilot.dev/verify-identities": IDENTITIES})
    out = imagepolicy.reconcile(xapp, "apps", "app")
    policy = xapp.objects.require("ImagePolicy", "apps", "app")
    assert out.ready == "True" and policy.status["latestRef"]["tag"] == "1.0.0"
    reasons = _reasons(policy.status["extensions"]["rejected"])
    assert set(reasons) == {f"1.{minor}.0" for minor in range(1, 10)}
    _check(reasons)
    assert policy.status["extensions"]["verified"]["1.0.0"][1] is True

    # Narrowing the identities re-checks what was verified under the old ones: nothing passes.
    narrow = json.dumps([{"issuer": "", "subject": "^https://github.com/org/other/"}])
    apply(xapp, "ImagePolicy", "app", spec, {"tagpilot.dev/verify-identities": narrow})
    out = imagepolicy.reconcile(xapp, "apps", "app")
    assert (out.ready, out.reason) == ("False", "Failure")  # 1.0.0 is no longer accepted
    assert out.message.startswith("no verified tag (1.9.0: signature not verified: ")


def test_policy_test_keyless_flags_and_annotation(registry, sigstore, tmp_path, capsys) -> None:
    _tags(registry, sigstore)
    root = tmp_path / "trusted_root.json"
    root.write_bytes(sigstore.trusted_root())
    image = ["--image", f"{registry.host}/team/app", "--insecure", "-o", "json"]
    flags = [
        "--cosign-issuer",
        f"^{GITHUB_ISSUER}$",
        "--cosign-identity",
        "^https://github.com/org/",
    ]
    base = ["policy", "test", "--select-semver", ">=1.0.0", "--trusted-root", str(root)]
    code = main(base + flags + image)
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["latest"] == "1.0.0"
    _check(_reasons(report["rejected"]))

    # The manifest's annotation, as the reconciler reads it.
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(
        "kind: ImagePolicy\nmetadata:\n  name: app\n  annotations:\n"
        f"    tagpilot.dev/verify-identities: '{IDENTITIES}'\n"
        "spec: {imageRepositoryRef: {name: app}, policy: {semver: {range: '>=1.0.0'}}}\n"
    )
    code = main(["policy", "test", "-f", str(manifest), "--trusted-root", str(root), *image])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["latest"] == "1.0.0"
    _check(_reasons(report["rejected"]))

    # Without --trusted-root: sigstore's bundled public-good root, which knows nothing of these.
    code = main(["policy", "test", "--select-semver", ">=1.0.0", *flags, *image])
    assert code == 1
    capsys.readouterr()


def test_policy_test_keyless_usage_errors(tmp_path: Path, capsys) -> None:
    key = tmp_path / "k.pub"
    key.write_text("x")
    both = ["--cosign-key", str(key), "--cosign-identity", "x", "--image", "127.0.0.1:9/x"]
    assert main(["policy", "test", "--select-semver", "*", *both]) == 2
    assert "exclude each other" in capsys.readouterr().err
    assert main(["policy", "test", "--select-semver", "*", "--cosign-issuer", "x"]) == 2
    assert "need --image" in capsys.readouterr().err
    missing = ["--cosign-issuer", "x", "--trusted-root", str(tmp_path / "nope.json")]
    code = main(["policy", "test", "--select-semver", "*", *missing, "--image", "127.0.0.1:9/x"])
    assert code == 2 and "unable to read trusted root" in capsys.readouterr().err
