"""Verify cosign signatures of an image or artifact, as source-controller does.

Signatures of ``sha256:<hex>`` live in the same repository under the tag ``sha256-<hex>.sig``:
an OCI manifest with one layer per signature; the layer blob is the simple-signing payload and
the annotation ``dev.cosignproject.cosign/signature`` its base64 signature (reference §6.1).

Public keys (§6.2): every ``*.pub`` entry of the secret is tried (PEM ``PUBLIC KEY`` or PKCS#1
``RSA PUBLIC KEY``: ECDSA with SHA-256, RSA PKCS#1 v1.5 SHA-256, Ed25519); one key verifying one
signature suffices. Unlike Flux (which sets no claim verifier) the payload must also name the
artifact's digest in ``critical.image.docker-manifest-digest``, as the cosign CLI requires: a
signature moved to another ``.sig`` tag does not verify.

cosign v3 signatures, Sigstore bundles attached as OCI referrers, are looked for first and
verified when there are any (:mod:`tagpilot.verify.bundles`); otherwise the ``.sig`` tag is read,
as source-controller does.

Keyless (§6.3, no keys): each layer's Fulcio certificate, chain and Rekor bundle are verified
against a Sigstore trust root (:mod:`tagpilot.verify.keyless`, :mod:`tagpilot.verify.trustroot`),
and its identity matched against ``matchOIDCIdentity``; one layer passing suffices.

Example
-------
>>> result = verify_image(client, parse_image_reference("ghcr.io/org/app"), digest,
...                       auth=RegistryAuth.anonymous(), keys={"cosign.pub": pem})
... # doctest: +SKIP
>>> result.verified, result.message  # doctest: +SKIP
(True, 'verified signature of ...')
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.content import Manifest, get_blob, get_manifest, is_digest
from tagpilot.registry.errors import ManifestNotFoundError, RegistryError
from tagpilot.registry.names import ImageName
from tagpilot.verify.bundles import find_bundles, verify_keyless, verify_with_keys
from tagpilot.verify.common import (
    NO_KEYS,
    OIDCIdentity,
    VerificationError,
    VerificationResult,
    load_public_keys,
    verify_signature,
)

__all__ = [
    "OIDCIdentity",
    "Signature",
    "VerificationError",
    "VerificationResult",
    "load_public_keys",
    "payload_digest",
    "signature_tag",
    "simple_signing_payload",
    "verify_image",
    "verify_signature",
]

SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_TYPE = "cosign container image signature"
MAX_SIGNATURES = 1000
MAX_PAYLOAD_BYTES = 1 << 20


@dataclass(frozen=True)
class Signature:
    """One signature layer: its payload bytes, raw signature and annotations."""

    payload: bytes
    signature: bytes
    annotations: Mapping[str, str]


def signature_tag(digest: str) -> str:
    """``sha256:<hex>`` -> ``sha256-<hex>.sig``."""
    return digest.replace(":", "-", 1) + ".sig"


def simple_signing_payload(docker_reference: str, digest: str) -> bytes:
    """The payload cosign signs (``sigstore/sigstore pkg/signature/payload``), compact JSON."""
    body = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": SIGNATURE_TYPE,
        },
        "optional": None,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def verify_image(
    client: RegistryClient,
    image: ImageName,
    digest: str,
    *,
    auth: RegistryAuth,
    timeout: float = 60.0,
    keys: Mapping[str, str | bytes] | None = None,
    identities: Sequence[OIDCIdentity] | None = None,
    trusted_root: bytes | None = None,
) -> VerificationResult:
    """Verify the cosign signatures of ``image@digest``.

    Parameters
    ----------
    client, auth, timeout:
        How to reach the registry (signatures are read from the image's own repository).
    digest:
        ``sha256:<hex>`` of the manifest (or index) to verify.
    keys:
        Secret data; its ``*.pub`` entries are the public keys. ``None`` selects keyless.
    identities:
        Keyless only: accepted OIDC identities (empty or ``None``: any Fulcio identity).
    trusted_root:
        Keyless only: a Sigstore ``trusted_root.json`` instead of the public-good instance.

    Returns
    -------
    VerificationResult
        ``verified`` False with Flux's message when nothing verified; registry and key errors
        are reported the same way, never raised.
    """
    ref = f"{image.canonical}@{digest}"
    if not is_digest(digest):
        return VerificationResult(False, f"invalid digest '{digest}'")
    parsed: list[tuple[str, Any]] | None = None
    if keys is not None:  # read before any request, as Flux builds its verifier first
        try:
            parsed = load_public_keys(keys)
        except VerificationError as exc:
            return VerificationResult(False, str(exc))
        if not parsed:
            return VerificationResult(False, NO_KEYS)
    # cosign v3 bundles first; none, or a failed discovery, falls back to .sig (as Flux).
    try:
        found, skipped = find_bundles(client, image, digest, auth, timeout)
    except RegistryError as exc:  # said in the message if the .sig signatures fail too
        found, skipped = [], [f"looking for Sigstore bundles failed: {exc}"]
    if found:
        if parsed is None:
            return verify_keyless(found, digest, identities or (), trusted_root)
        return verify_with_keys(found, digest, parsed)
    result = _verify_sig_tag(
        client, image, digest, ref, auth, timeout, parsed, identities, trusted_root
    )
    if skipped and not result.verified:
        return VerificationResult(False, f"{result.message} ({'; '.join(skipped[:3])})")
    return result


def _verify_sig_tag(
    client: RegistryClient,
    image: ImageName,
    digest: str,
    ref: str,
    auth: RegistryAuth,
    timeout: float,
    parsed: list[tuple[str, Any]] | None,
    identities: Sequence[OIDCIdentity] | None,
    trusted_root: bytes | None,
) -> VerificationResult:
    """cosign v2's format: the layers of the ``sha256-<hex>.sig`` manifest."""
    try:
        signatures = list(_signatures(client, image, digest, auth, timeout))
    except RegistryError as exc:
        return VerificationResult(False, f"failed to fetch signatures for '{ref}': {exc}")
    if parsed is None:
        return _verify_keyless(signatures, digest, identities or (), trusted_root)
    for key_name, key in parsed:
        for sig in signatures:
            if _check(key, sig, digest):
                return VerificationResult(
                    True,
                    f"verified with key '{key_name}'",
                    key=key_name,
                    signatures=len(signatures),
                )
    return VerificationResult(
        False, f"no matching signatures were found for '{ref}'", signatures=len(signatures)
    )


def _verify_keyless(
    signatures: list[Signature],
    digest: str,
    identities: Sequence[OIDCIdentity],
    trusted_root: bytes | None,
) -> VerificationResult:
    # Imported here: sigstore takes most of a second to import, and key mode never needs it.
    from tagpilot.verify import keyless, trustroot

    count = len(signatures)
    if not signatures:
        return VerificationResult(False, "no signatures found")
    try:
        root = trustroot.load_trusted_root(trusted_root)
    except trustroot.TrustRootError as exc:
        return VerificationResult(False, str(exc), signatures=count)
    policy = keyless.RegexpIdentities(identities)
    errors: list[str] = []
    for sig in signatures:
        try:
            cert = keyless.verify_layer(root, sig.payload, sig.signature, sig.annotations, policy)
            claimed = payload_digest(sig.payload)
            if claimed != digest:
                raise keyless.KeylessError(f"invalid or missing digest in claim: {claimed}")
        except keyless.KeylessError as exc:
            if str(exc) not in errors:
                errors.append(str(exc))
            continue
        subjects = ", ".join(keyless.certificate_subjects(cert))
        issuer = keyless.certificate_issuer(cert)
        return VerificationResult(
            True, f"verified keyless signature of {subjects} ({issuer})", subjects, count
        )
    return VerificationResult(False, "no matching signatures: " + "; ".join(errors), None, count)


def _signatures(
    client: RegistryClient, image: ImageName, digest: str, auth: RegistryAuth, timeout: float
) -> Iterator[Signature]:
    try:
        manifest = get_manifest(client, image, signature_tag(digest), auth, timeout)
    except ManifestNotFoundError:
        return
    for layer in _signature_layers(manifest):
        annotations = layer.get("annotations") or {}
        encoded = annotations.get(SIGNATURE_ANNOTATION)
        if not isinstance(encoded, str):
            continue
        try:
            raw_sig = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        payload = get_blob(
            client, image, str(layer.get("digest")), auth, timeout, max_size=MAX_PAYLOAD_BYTES
        )
        yield Signature(payload, raw_sig, dict(annotations))


def _signature_layers(manifest: Manifest) -> list[dict[str, Any]]:
    return manifest.layers[:MAX_SIGNATURES]


def payload_digest(payload: bytes) -> str | None:
    """``critical.image.docker-manifest-digest`` of a simple-signing payload, if well formed."""
    try:
        body = json.loads(payload)
        critical = body["critical"]
        if critical.get("type") != SIGNATURE_TYPE:
            return None
        value = critical["image"]["docker-manifest-digest"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _check(key: Any, sig: Signature, digest: str) -> bool:
    if not verify_signature(key, sig.signature, sig.payload):
        return False
    if payload_digest(sig.payload) != digest:
        return False
    return _certificate_current(sig.annotations.get(CERTIFICATE_ANNOTATION))


def _certificate_current(pem: str | None) -> bool:
    """A certificate attached to a key-verified layer must not have expired (cosign)."""
    if not pem:
        return True
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return False
    now = datetime.now(UTC)
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
