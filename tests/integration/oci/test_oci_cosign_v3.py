"""cosign v3 signatures (Sigstore bundles as OCI referrers) against docker-registry.

Bundles are written by :mod:`tests.support.cosignv3` as cosign v3 writes them, and found by
tagpilot through the referrers tag schema (docker-registry 2.8 has no referrers API: it answers
404 there, which is the fallback's cue). Key mode checks the DSSE envelope's signature offline;
keyless runs the whole bundle through ``sigstore``'s verifier against the tests' own trust root.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from tagpilot.api.resource import Resource
from tagpilot.reconcile.ocirepository import reconcile
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.names import parse_image_reference
from tagpilot.verify.cosign import OIDCIdentity, verify_image

from tests.support import cosign, cosignv3
from tests.support.fulcio import GITHUB_ISSUER, WORKFLOW, WORKFLOW_SUBJECTS, LocalSigstore
from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration
_n = itertools.count()
INSECURE = RegistryAuth.anonymous(insecure=True)
GITHUB = OIDCIdentity(f"^{GITHUB_ISSUER}$", WORKFLOW_SUBJECTS)


def _image(server: RegistryServer) -> tuple[str, str]:
    repo = f"v3/app{next(_n)}"
    return repo, push_image(server.url, repo, ["v1"], variant=repo)


def _verify(server: RegistryServer, client: RegistryClient, repo: str, digest: str, **kw: Any):
    name = parse_image_reference(f"{server.host}/{repo}")
    return verify_image(client, name, digest, auth=INSECURE, timeout=10, **kw)


def test_a_key_signed_bundle_verifies(registry: RegistryServer, client: RegistryClient) -> None:
    repo, digest = _image(registry)
    key = cosign.generate("ecdsa")
    bundle = cosignv3.key_bundle(key, cosignv3.statement(digest))
    cosignv3.push_bundle(registry.url, repo, digest, bundle)
    result = _verify(registry, client, repo, digest, keys={"cosign.pub": key.public_pem})
    assert result.verified, result.message
    assert (result.message, result.key) == (
        "verified Sigstore bundle with key 'cosign.pub'",
        "cosign.pub",
    )


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_other_key_types(registry: RegistryServer, client: RegistryClient, kind: str) -> None:
    repo, digest = _image(registry)
    key = cosign.generate(kind)
    cosignv3.push_bundle(
        registry.url, repo, digest, cosignv3.key_bundle(key, cosignv3.statement(digest))
    )
    assert _verify(registry, client, repo, digest, keys={"k.pub": key.public_pem}).verified


def test_bad_key_bundles_are_refused(registry: RegistryServer, client: RegistryClient) -> None:
    repo, digest = _image(registry)
    signer, stranger = cosign.generate(), cosign.generate()
    # a bundle over another digest, a tampered one, and one signed by another key
    other = "sha256:" + "1" * 64
    for bundle in (
        cosignv3.key_bundle(signer, cosignv3.statement(other)),
        cosignv3.key_bundle(signer, cosignv3.statement(digest), tamper=True),
        cosignv3.key_bundle(stranger, cosignv3.statement(digest)),
    ):
        cosignv3.push_bundle(registry.url, repo, digest, bundle)
    result = _verify(registry, client, repo, digest, keys={"k.pub": signer.public_pem})
    assert not result.verified and result.signatures == 3
    assert result.message == (
        "no matching attestations: "
        f"no in-toto subject names {digest}; "
        "the bundle's signature does not verify with key 'k.pub'"
    )
    # bundles present: the .sig signature is not looked at (Flux: bundles first)
    cosign.sign_and_push(registry.url, repo, digest, [signer], host=registry.host)
    assert not _verify(registry, client, repo, digest, keys={"k.pub": signer.public_pem}).verified


def test_sig_signatures_still_verify_beside_unrelated_referrers(
    registry: RegistryServer, client: RegistryClient
) -> None:
    repo, digest = _image(registry)
    key = cosign.generate()
    cosign.sign_and_push(registry.url, repo, digest, [key], host=registry.host)
    # an SBOM referrer (not a Sigstore bundle) does not count as a bundle
    cosignv3.push_bundle(registry.url, repo, digest, b"{}", artifact_type="application/spdx+json")
    result = _verify(registry, client, repo, digest, keys={"k.pub": key.public_pem})
    assert result.verified and result.message == "verified with key 'k.pub'"


def test_a_malformed_bundle_is_skipped_and_named(
    registry: RegistryServer, client: RegistryClient
) -> None:
    repo, digest = _image(registry)
    referrer = cosignv3.push_bundle(registry.url, repo, digest, b"not json")
    result = _verify(registry, client, repo, digest, keys={"k.pub": cosign.generate().public_pem})
    name = f"{registry.host}/{repo}@{digest}"
    assert result.message == (
        f"no matching signatures were found for '{name}' "
        f"(Sigstore bundle {referrer} skipped: bundle is not valid JSON)"
    )


def _keyless(server: RegistryServer, client: RegistryClient, repo: str, digest: str, root: bytes):
    return _verify(server, client, repo, digest, keys=None, identities=[GITHUB], trusted_root=root)


def test_a_keyless_bundle_verifies(
    registry: RegistryServer, client: RegistryClient, sigstore: LocalSigstore
) -> None:
    repo, digest = _image(registry)
    bundle = cosignv3.keyless_bundle(
        sigstore, cosignv3.statement(digest), subject=WORKFLOW, issuer=GITHUB_ISSUER
    )
    cosignv3.push_bundle(registry.url, repo, digest, bundle)
    result = _keyless(registry, client, repo, digest, sigstore.trusted_root())
    assert result.verified, result.message
    assert result.message == f"verified keyless Sigstore bundle of {WORKFLOW} ({GITHUB_ISSUER})"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"subject": "mallory@example.com"}, "none of the expected identities matched"),
        ({"issuer": "https://evil.example.com"}, "none of the expected identities matched"),
        ({"tamper": True}, "DSSE: invalid signature"),
        ({"checkpoint_key": "other"}, "checkpoint: invalid signature"),
        ({"digest": "sha256:" + "2" * 64}, "no in-toto subject names"),
    ],
)
def test_bad_keyless_bundles_are_refused(
    registry: RegistryServer,
    client: RegistryClient,
    sigstore: LocalSigstore,
    change: dict[str, Any],
    expected: str,
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    repo, digest = _image(registry)
    kw: dict[str, Any] = {"subject": WORKFLOW, "issuer": GITHUB_ISSUER}
    kw.update({k: v for k, v in change.items() if k != "digest"})
    if kw.get("checkpoint_key") == "other":
        kw["checkpoint_key"] = ec.generate_private_key(ec.SECP256R1())
    statement = cosignv3.statement(change.get("digest", digest))
    cosignv3.push_bundle(
        registry.url, repo, digest, cosignv3.keyless_bundle(sigstore, statement, **kw)
    )
    result = _keyless(registry, client, repo, digest, sigstore.trusted_root())
    assert not result.verified and result.signatures == 1
    assert result.message.startswith("no matching attestations: ") and expected in result.message


def test_a_keyless_bundle_of_another_sigstore_is_refused(
    registry: RegistryServer, client: RegistryClient, sigstore: LocalSigstore
) -> None:
    repo, digest = _image(registry)
    stranger = LocalSigstore(name="stranger")
    bundle = cosignv3.keyless_bundle(
        stranger, cosignv3.statement(digest), subject=WORKFLOW, issuer=GITHUB_ISSUER
    )
    cosignv3.push_bundle(registry.url, repo, digest, bundle)
    result = _keyless(registry, client, repo, digest, sigstore.trusted_root())
    assert not result.verified and result.message.startswith("no matching attestations: ")


def test_an_ocirepository_verifies_a_cosign_v3_signature(
    app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """End to end: an artifact pushed with oras, a cosign v3 key signature, the reconcile."""
    app.registry = RegistryClient(__import__("requests").Session())
    repo = f"v3/artifact{next(_n)}"
    digest = oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"a"}), tmp_path)
    key = cosign.generate()
    app.secrets.put("apps", "cosign", "Opaque", {"cosign.pub": key.public_pem}, uses=("registry",))
    spec = {
        "url": f"oci://{registry.host}/{repo}",
        "ref": {"tag": "1.0.0"},
        "interval": "5m",
        "insecure": True,
        "verify": {"provider": "cosign", "secretRef": {"name": "cosign"}},
    }
    app.objects.apply(Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", "a", "apps", spec))
    out = reconcile(app, "apps", "a")
    assert out.ready == "False" and "no matching signatures" in out.message
    cosignv3.push_bundle(
        registry.url, repo, digest, cosignv3.key_bundle(key, cosignv3.statement(digest))
    )
    out = reconcile(app, "apps", "a")
    status = app.objects.get("OCIRepository", "apps", "a").status
    verified = [c for c in status["conditions"] if c["type"] == "SourceVerified"]
    assert out.ready == "True", out.message
    assert verified[0]["status"] == "True" and verified[0]["reason"] == "Succeeded"
