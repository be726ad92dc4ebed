"""Keyless verification of one signature layer, each check on its own (no registry, no network).

The layers are made by the tests' own Sigstore instance (:mod:`tests.support.fulcio`); each case
changes one thing a valid layer has and expects the check that owns it to refuse.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from tagpilot.verify import keyless
from tagpilot.verify.cosign import OIDCIdentity
from tagpilot.verify.trustroot import TrustRootError, load_trusted_root

from tests.support.cosign import payload
from tests.support.fulcio import LocalSigstore, _pem

pytestmark = pytest.mark.unit
DIGEST = "sha256:" + "ab" * 32
ANY = keyless.RegexpIdentities([])


@pytest.fixture(scope="module")
def instance() -> LocalSigstore:
    return LocalSigstore()


@pytest.fixture(scope="module")
def root(instance: LocalSigstore) -> Any:
    return load_trusted_root(instance.trusted_root())


def _verify(root: Any, signed: Any, policy: keyless.RegexpIdentities = ANY) -> x509.Certificate:
    return keyless.verify_layer(root, signed.payload, signed.signature, signed.annotations, policy)


def _layer(instance: LocalSigstore, *, entry_payload: bytes | None = None, **rekor: Any):
    """A valid layer whose Rekor entry may name another payload, signature or certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = instance.issue(key, subject="dev@example.com", issuer="https://idp", not_before=now)
    body = payload("registry.test/app", DIGEST)
    signature = bytes(key.sign(body, ec.ECDSA(hashes.SHA256())))
    bundle = instance.rekor_bundle(
        rekor.get("cert", cert),
        rekor.get("signature", signature),
        entry_payload or body,
        int(now.timestamp()) + 5,
    )
    annotations = {
        "dev.sigstore.cosign/certificate": _pem(cert),
        "dev.sigstore.cosign/bundle": json.dumps(bundle),
    }
    return body, signature, annotations


def test_a_valid_layer_verifies(instance, root) -> None:
    body, signature, annotations = _layer(instance)
    cert = keyless.verify_layer(root, body, signature, annotations, ANY)
    assert keyless.certificate_subjects(cert) == ["dev@example.com"]
    assert keyless.certificate_issuer(cert) == "https://idp"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("payload", "Rekor entry does not match the payload's SHA-256"),
        ("signature", "Rekor entry does not match the signature"),
        ("cert", "Rekor entry does not match the certificate"),
    ],
)
def test_the_log_entry_must_name_this_signature(instance, root, change, reason) -> None:
    # A genuine entry, SET and all, of other materials: only the consistency check refuses it.
    other_key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    other = {
        "payload": {"entry_payload": b"another payload"},
        "signature": {"signature": b"\x30\x06\x02\x01\x01\x02\x01\x01"},
        "cert": {
            "cert": instance.issue(other_key, subject="x@example.com", issuer="i", not_before=now)
        },
    }[change]
    body, signature, annotations = _layer(instance, **other)
    with pytest.raises(keyless.KeylessError, match=f"^{reason}$"):
        keyless.verify_layer(root, body, signature, annotations, ANY)


def test_only_hashedrekord_entries(instance, root) -> None:
    body, signature, annotations = _layer(instance)
    bundle = json.loads(annotations["dev.sigstore.cosign/bundle"])
    entry = json.loads(base64.b64decode(bundle["Payload"]["body"]))
    entry["kind"] = "rekord"
    # Re-sign the SET so that the kind is the only problem.
    bundle["Payload"]["body"] = base64.b64encode(json.dumps(entry).encode()).decode()
    promise = {k: bundle["Payload"][k] for k in ("body", "integratedTime", "logID", "logIndex")}
    canonical = json.dumps(promise, sort_keys=True, separators=(",", ":")).encode()
    sig = instance.rekor_key.sign(canonical, ec.ECDSA(hashes.SHA256()))
    bundle["SignedEntryTimestamp"] = base64.b64encode(sig).decode()
    annotations["dev.sigstore.cosign/bundle"] = json.dumps(bundle)
    with pytest.raises(keyless.KeylessError, match=r"unsupported Rekor entry rekord/0\.0\.1"):
        keyless.verify_layer(root, body, signature, annotations, ANY)


@pytest.mark.parametrize(
    ("bundle", "reason"),
    [
        ("not json", "invalid Rekor bundle: "),
        ('{"SignedEntryTimestamp": "AA==", "Payload": {}}', "invalid Rekor bundle: 'body'"),
        (
            '{"SignedEntryTimestamp": "AA==", "Payload": {"body": "", "integratedTime": "1",'
            ' "logIndex": 1, "logID": "00"}}',
            "invalid Rekor bundle: expected an integer",
        ),
    ],
)
def test_malformed_bundles(instance, root, bundle, reason) -> None:
    body, signature, annotations = _layer(instance)
    annotations["dev.sigstore.cosign/bundle"] = bundle
    with pytest.raises(keyless.KeylessError, match=f"^{reason}"):
        keyless.verify_layer(root, body, signature, annotations, ANY)


def test_an_integrated_time_out_of_range_is_an_error_not_a_crash(instance, root) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = instance.issue(key, subject="dev@example.com", issuer="https://idp", not_before=now)
    body = payload("registry.test/app", DIGEST)
    signature = bytes(key.sign(body, ec.ECDSA(hashes.SHA256())))
    bundle = instance.rekor_bundle(cert, signature, body, 10**20)  # SET valid, time absurd
    annotations = {
        "dev.sigstore.cosign/certificate": _pem(cert),
        "dev.sigstore.cosign/bundle": json.dumps(bundle),
    }
    with pytest.raises(keyless.KeylessError, match="^malformed signature material: "):
        keyless.verify_layer(root, body, signature, annotations, ANY)


def test_a_key_signed_layer_has_no_certificate(instance, root) -> None:
    with pytest.raises(keyless.KeylessError, match="^no certificate found on signature$"):
        keyless.verify_layer(root, b"{}", b"sig", {}, ANY)


def test_identity_regexps(instance, root) -> None:
    signed = instance.sign(
        "registry.test/app", DIGEST, subject="dev@example.com", issuer="https://idp"
    )
    ok = [OIDCIdentity("", ""), OIDCIdentity("^https://idp$", "^dev@example\\.com$")]
    for identity in ok:
        _verify(root, signed, keyless.RegexpIdentities([identity]))
    with pytest.raises(keyless.KeylessError, match="^malformed subject in identity: \\( : "):
        _verify(root, signed, keyless.RegexpIdentities([OIDCIdentity("", "(")]))
    # A certificate issued only with the v2 (DER) issuer extension still names its issuer.
    assert keyless.certificate_issuer(_v2_only(instance)) == "https://v2.example"


def _v2_only(instance: LocalSigstore) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = b"https://v2.example"
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(instance.fulcio.subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
        .add_extension(
            x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                b"\x0c" + bytes([len(issuer)]) + issuer,
            ),
            critical=False,
        )
        .sign(instance.fulcio_key, hashes.SHA256())
    )


def test_trust_roots() -> None:
    public = load_trusted_root(None)
    assert public.get_fulcio_certs()  # the bundled public-good root parses, offline
    assert load_trusted_root(None) is public  # parsed once
    with pytest.raises(TrustRootError, match="^unable to parse trusted root: "):
        load_trusted_root(b"[]")
    empty = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        **{part: [] for part in ("tlogs", "certificateAuthorities", "ctlogs")},
        "timestampAuthorities": [],
    }
    with pytest.raises(TrustRootError, match="Fulcio certificates not found"):
        load_trusted_root(json.dumps(empty).encode())
