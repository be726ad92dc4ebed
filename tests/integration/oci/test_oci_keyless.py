"""Keyless cosign verification against docker-registry, with the tests' own Sigstore instance.

Signatures are made by :mod:`tests.support.fulcio` (``cryptography`` only: a Fulcio-style CA, CT
log and Rekor keys, in cosign's storage format) and pushed with the test pusher; tagpilot reads
them with its own client and verifies them through ``sigstore`` against that instance's trust
root. Each refusal ends as Flux reports it: ``SourceVerified=False``, ``VerificationError``, and
no artifact.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import requests
from tagpilot.api.resource import Resource
from tagpilot.reconcile.ocirepository import reconcile
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.names import parse_image_reference
from tagpilot.store.events import MemoryPublisher
from tagpilot.verify.cosign import OIDCIdentity, verify_image

from tests.support.fulcio import (
    GITHUB_ISSUER,
    WORKFLOW,
    WORKFLOW_SUBJECTS,
    LocalSigstore,
    push_signatures,
)
from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration
_n = itertools.count()
INSECURE = RegistryAuth.anonymous(insecure=True)
GITHUB = OIDCIdentity(f"^{GITHUB_ISSUER}$", WORKFLOW_SUBJECTS)


def _image(server: RegistryServer) -> tuple[str, str]:
    repo = f"keyless/app{next(_n)}"
    return repo, push_image(server.url, repo, ["v1"], variant=repo)


def _sign(server: RegistryServer, repo: str, digest: str, instance: LocalSigstore, **kw: Any):
    kw.setdefault("subject", WORKFLOW)
    kw.setdefault("issuer", GITHUB_ISSUER)
    signed = instance.sign(f"{server.host}/{repo}", kw.pop("signed_digest", digest), **kw)
    push_signatures(server.url, repo, digest, [signed])


def _verify(server, client, repo, digest, root, identities=(GITHUB,)):
    name = parse_image_reference(f"{server.host}/{repo}")
    return verify_image(
        client,
        name,
        digest,
        auth=INSECURE,
        timeout=10,
        keys=None,
        identities=list(identities),
        trusted_root=root,
    )


def test_valid_keyless_signature_is_accepted(registry, client, sigstore, trusted_root) -> None:
    repo, digest = _image(registry)
    _sign(registry, repo, digest, sigstore)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert result.verified, result.message
    assert result.key == WORKFLOW and result.signatures == 1
    assert result.message == f"verified keyless signature of {WORKFLOW} ({GITHUB_ISSUER})"


def test_any_identity_entry_suffices_and_regexps_are_unanchored(
    registry, client, sigstore, trusted_root
) -> None:
    repo, digest = _image(registry)
    _sign(registry, repo, digest, sigstore, subject="dev@example.com", issuer="https://idp.test")
    other = OIDCIdentity("^https://token", "")
    assert _verify(registry, client, repo, digest, trusted_root, [other, GITHUB]).verified is False
    # Unanchored search (Go regexp.MatchString); an empty regexp constrains nothing.
    loose = OIDCIdentity("idp", "@example")
    assert _verify(registry, client, repo, digest, trusted_root, [other, loose]).verified
    assert _verify(registry, client, repo, digest, trusted_root, []).verified


@pytest.mark.parametrize(
    ("signer", "reason"),
    [
        (
            {"issuer": "https://gitlab.com"},
            "none of the expected identities matched what was in the certificate, got subjects "
            f"[{WORKFLOW}] with issuer https://gitlab.com",
        ),
        (
            {"subject": "https://github.com/evil/app/.github/workflows/x.yaml@refs/heads/main"},
            "none of the expected identities matched what was in the certificate, got subjects "
            "[https://github.com/evil/app/.github/workflows/x.yaml@refs/heads/main] with issuer "
            f"{GITHUB_ISSUER}",
        ),
        ({"tamper": True}, "invalid signature when validating ASN.1 encoded signature"),
        (
            {"bundle": "missing"},
            "no Rekor bundle on the signature (an online Rekor lookup is not done)",
        ),
        ({"bundle": "bad-set"}, "unable to verify SET: keyring: invalid signature"),
        ({"bundle": "wrong-key"}, "unable to verify SET: keyring: invalid signature"),
        (
            {"sct": False},
            "unable to verify SCT: Certificate does not contain a signed certificate "
            "timestamp extension",
        ),
    ],
    ids=["issuer", "subject", "tampered", "no-bundle", "bad-set", "set-other-key", "no-sct"],
)
def test_bad_keyless_signatures_are_refused(
    registry, client, sigstore, trusted_root, signer, reason
) -> None:
    repo, digest = _image(registry)
    _sign(registry, repo, digest, sigstore, **signer)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert not result.verified and result.signatures == 1
    assert result.message == f"no matching signatures: {reason}"


def test_sct_from_another_ct_log_is_refused(registry, client, sigstore, trusted_root) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    repo, digest = _image(registry)
    _sign(registry, repo, digest, sigstore, ct_key=ec.generate_private_key(ec.SECP256R1()))
    result = _verify(registry, client, repo, digest, trusted_root)
    assert result.message.startswith("no matching signatures: unable to verify SCT: SCT verify")


def test_certificate_of_another_root_is_refused(registry, client, sigstore, trusted_root) -> None:
    # Same Rekor and CT log keys, another CA: only the chain check can refuse it.
    rogue = LocalSigstore(name="rogue", rekor_key=sigstore.rekor_key, ct_key=sigstore.ct_key)
    repo, digest = _image(registry)
    _sign(registry, repo, digest, rogue)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert result.message.startswith(
        "no matching signatures: certificate is not trusted by the Fulcio roots: "
    )
    # The rogue instance's own root accepts it: the refusal is about the root, nothing else.
    assert _verify(registry, client, repo, digest, rogue.trusted_root()).verified


def test_signature_of_another_digest_is_refused(registry, client, sigstore, trusted_root) -> None:
    repo, digest = _image(registry)
    _, other = _image(registry)
    _sign(registry, repo, digest, sigstore, signed_digest=other)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert result.message == f"no matching signatures: invalid or missing digest in claim: {other}"


def test_expired_at_signing_time_is_refused(registry, client, sigstore, trusted_root) -> None:
    repo, digest = _image(registry)
    signed_at = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    later = signed_at + dt.timedelta(hours=1)
    _sign(registry, repo, digest, sigstore, signed_at=signed_at, integrated_at=later)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert result.message == (
        "no matching signatures: certificate expired before signatures were entered in log: "
        "2026-05-01T12:09:30Z is before 2026-05-01T13:00:00Z"
    )
    # Entered in the log while valid, long ago: still valid today (short-lived certificates).
    repo, digest = _image(registry)
    _sign(registry, repo, digest, sigstore, signed_at=signed_at)
    assert _verify(registry, client, repo, digest, trusted_root).verified


def test_unsigned_and_bad_trust_roots(registry, client, sigstore, trusted_root) -> None:
    repo, digest = _image(registry)
    result = _verify(registry, client, repo, digest, trusted_root)
    assert (result.verified, result.message) == (False, "no signatures found")
    _sign(registry, repo, digest, sigstore)
    broken = _verify(registry, client, repo, digest, b'{"mediaType": "nope"}')
    assert broken.message.startswith("unable to parse trusted root: ")
    # Default: sigstore's bundled public-good root (no network); it does not know this instance.
    public = _verify(registry, client, repo, digest, None)
    assert public.message == (
        "no matching signatures: unable to verify SET: keyring: invalid signature"
    )


# ---------------------------------------------------------------- OCIRepository


@pytest.fixture
def oci_app(app: Any, tmp_path: Path, trusted_root: bytes) -> Any:
    root = tmp_path / "trusted_root.json"
    root.write_bytes(trusted_root)
    app.settings = app.settings.with_overrides(sigstore_trusted_root=str(root))
    app.registry = RegistryClient(requests.Session())
    app.events = MemoryPublisher()
    return app


def _apply(app: Any, server: RegistryServer, repo: str, verify: dict[str, Any]) -> None:
    body = {
        "url": f"oci://{server.host}/{repo}",
        "interval": "5m",
        "insecure": True,
        "ref": {"tag": "1.0.0"},
        "verify": verify,
    }
    app.objects.apply(
        Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", "podinfo", "apps", body)
    )


def _status(app: Any) -> dict[str, Any]:
    reconcile(app, "apps", "podinfo")
    return app.objects.get("OCIRepository", "apps", "podinfo").status


def _cond(status: dict[str, Any], ctype: str) -> tuple[str, str, str] | None:
    for c in status.get("conditions", []):
        if c["type"] == ctype:
            return c["status"], c["reason"], c["message"]
    return None


MATCH = {"issuer": f"^{GITHUB_ISSUER}$", "subject": "^https://github.com/org/app/"}


def _artifact(server: RegistryServer, tmp_path: Path, content: bytes = b"1") -> tuple[str, str]:
    repo = f"keyless/manifests{next(_n)}"
    return repo, oras_push(server, repo, "1.0.0", tarball({"a.yaml": content}), tmp_path)


def test_ocirepository_keyless_verified(oci_app, registry, sigstore, tmp_path) -> None:
    repo, digest = _artifact(registry, tmp_path)
    _sign(registry, repo, digest, sigstore)
    _apply(oci_app, registry, repo, {"provider": "cosign", "matchOIDCIdentity": [MATCH]})
    status = _status(oci_app)
    assert _cond(status, "SourceVerified") == (
        "True",
        "Succeeded",
        f"verified signature of revision 1.0.0@{digest}",
    )
    assert status["artifact"]["revision"] == f"1.0.0@{digest}"


@pytest.mark.parametrize(
    ("signer", "identity", "reason"),
    [
        ({}, {"issuer": "^https://gitlab.com$", "subject": ""}, "none of the expected identities"),
        ({}, {"issuer": "", "subject": "^https://github.com/other/"}, "none of the expected"),
        ({"rogue": True}, MATCH, "certificate is not trusted by the Fulcio roots"),
        ({"tamper": True}, MATCH, "invalid signature when validating ASN.1 encoded signature"),
        ({"other_digest": True}, MATCH, "invalid or missing digest in claim"),
        ({"bundle": "missing"}, MATCH, "no Rekor bundle on the signature"),
        ({"bundle": "bad-set"}, MATCH, "unable to verify SET"),
        ({"expired": True}, MATCH, "certificate expired before signatures were entered in log"),
        ({"unsigned": True}, MATCH, "no signatures found"),
    ],
    ids=[
        "issuer",
        "subject",
        "other-root",
        "tampered",
        "digest",
        "no-set",
        "bad-set",
        "expired",
        "unsigned",
    ],
)
def test_ocirepository_keyless_refused(
    oci_app, registry, sigstore, tmp_path, signer, identity, reason
) -> None:
    repo, digest = _artifact(registry, tmp_path)
    kw: dict[str, Any] = {}
    instance = sigstore
    if signer.get("rogue"):
        instance = LocalSigstore(rekor_key=sigstore.rekor_key, ct_key=sigstore.ct_key)
    if signer.get("other_digest"):
        kw["signed_digest"] = "sha256:" + "0" * 64
    if signer.get("expired"):
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        kw.update(signed_at=start, integrated_at=start + dt.timedelta(hours=1))
    kw.update({k: v for k, v in signer.items() if k in ("tamper", "bundle")})
    if not signer.get("unsigned"):
        _sign(registry, repo, digest, instance, **kw)
    _apply(oci_app, registry, repo, {"provider": "cosign", "matchOIDCIdentity": [identity]})
    status = _status(oci_app)
    verified = _cond(status, "SourceVerified")
    assert verified is not None and verified[:2] == ("False", "VerificationError")
    prefix = "failed to verify the signature using provider 'cosign keyless': "
    assert verified[2].startswith(prefix) and reason in verified[2]
    assert _cond(status, "Ready")[:2] == ("False", "VerificationError")
    assert "artifact" not in status and oci_app.events.events == []


def test_trusted_root_secret_ref(oci_app, registry, sigstore, trusted_root, tmp_path) -> None:
    repo, digest = _artifact(registry, tmp_path)
    _sign(registry, repo, digest, sigstore)
    # The setting names the public-good root; the object's secret names the test instance.
    oci_app.settings = oci_app.settings.with_overrides(sigstore_trusted_root="")
    verify = {"provider": "cosign", "trustedRootSecretRef": {"name": "sigstore-root"}}
    oci_app.secrets.put("apps", "sigstore-root", "Opaque", {"other": "x"}, uses=("registry",))
    _apply(oci_app, registry, repo, verify)
    status = _status(oci_app)
    assert _cond(status, "SourceVerified")[2] == (
        "failed to verify the signature using provider 'cosign keyless': failed to read trusted "
        "root from secret 'apps/sigstore-root': 'trusted_root.json' not found in secret "
        "'apps/sigstore-root'"
    )
    oci_app.secrets.put(
        "apps",
        "sigstore-root",
        "Opaque",
        {"trusted_root.json": trusted_root.decode()},
        uses=("registry",),
    )
    status = _status(oci_app)
    assert _cond(status, "SourceVerified")[0] == "True"
    assert status["artifact"]["revision"] == f"1.0.0@{digest}"
