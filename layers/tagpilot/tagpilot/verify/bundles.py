"""cosign v3 signatures: Sigstore bundles attached to the artifact as OCI referrers.

Since cosign v3 (``--new-bundle-format``, the default), ``cosign sign`` writes no ``.sig`` tag:
it signs an in-toto statement whose subject is the image digest (predicate type
``https://sigstore.dev/cosign/sign/v1``) in a DSSE envelope, wraps it in a Sigstore bundle
(v0.3) with the verification material (a public-key hint, or the Fulcio certificate) and the
transparency log entry, and pushes that as a manifest whose ``subject`` is the image, with
``artifactType`` and one layer of media type ``application/vnd.dev.sigstore.bundle.v0.3+json``
(``pkg/oci/remote/write.go`` ``WriteAttestationNewBundleFormat``). Registries without the
referrers API get the referrers tag schema (an index tagged ``sha256-<hex>``).

Source-controller looks for bundles first and falls back to ``.sig`` signatures when there are
none (reference §6.1); a bundle verifies when its envelope's signature does (with a public key:
offline, the log entry ignored, as Flux's key mode; keyless: the whole bundle through
``sigstore``'s verifier, inclusion proof and checkpoint included) and its statement names the
artifact's digest. Any predicate type is accepted, as in Flux (an attestation over the digest
signed by the same identity counts). Discovery and parsing are here, and both verifications
(:func:`verify_with_keys`, :func:`verify_keyless`); :func:`tagpilot.verify.cosign.verify_image`
chooses between bundles and ``.sig`` signatures.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cryptography import x509

from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.content import get_blob, get_manifest, referrers
from tagpilot.registry.names import ImageName
from tagpilot.verify.common import (
    OIDCIdentity,
    VerificationResult,
    verify_signature,
)

BUNDLE_MEDIA_PREFIX = "application/vnd.dev.sigstore.bundle"
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
#: Referrers looked at (cosign reads them all; a registry could list thousands).
MAX_BUNDLES = 100
MAX_BUNDLE_BYTES = 1 << 20
_MIN_VERSION = (0, 3)


class BundleError(Exception):
    """A referrer that is not a usable Sigstore bundle (skipped, as cosign skips it)."""


@dataclass(frozen=True)
class SigstoreBundle:
    """The parts of a bundle that key verification and the digest check need."""

    raw: bytes
    payload_type: str
    payload: bytes
    signatures: tuple[bytes, ...]
    certificate: bytes | None  # DER of the signing certificate (keyless), else None

    def pae(self) -> bytes:
        """DSSE's pre-authentication encoding: what the envelope's signatures sign."""
        kind = self.payload_type.encode()
        return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(self.payload), self.payload)


def find_bundles(
    client: RegistryClient, image: ImageName, digest: str, auth: RegistryAuth, timeout: float
) -> tuple[list[SigstoreBundle], list[str]]:
    """The Sigstore bundles attached to ``image@digest``, and why other bundle referrers were
    skipped. Registry errors propagate (the verification fails and is retried)."""
    found: list[SigstoreBundle] = []
    skipped: list[str] = []
    listed = referrers(client, image, digest, auth, timeout)
    candidates = [
        d for d in listed if str(d.get("artifactType") or "").startswith(BUNDLE_MEDIA_PREFIX)
    ]
    for desc in candidates[:MAX_BUNDLES]:
        manifest = get_manifest(client, image, str(desc["digest"]), auth, timeout)
        layers = manifest.layers
        if len(layers) != 1 or not str(layers[0].get("mediaType", "")).startswith(
            BUNDLE_MEDIA_PREFIX
        ):
            skipped.append(f"Sigstore bundle {manifest.digest} skipped: not one bundle layer")
            continue
        raw = get_blob(
            client, image, str(layers[0].get("digest")), auth, timeout, max_size=MAX_BUNDLE_BYTES
        )
        try:
            found.append(parse_bundle(raw))
        except BundleError as exc:
            skipped.append(f"Sigstore bundle {manifest.digest} skipped: {exc}")
    return found, skipped


def parse_bundle(raw: bytes) -> SigstoreBundle:
    """Read a bundle's JSON (protobuf-specs ``Bundle``, v0.3 or later, with a DSSE envelope)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        raise BundleError("bundle is not valid JSON") from None
    if not isinstance(doc, dict):
        raise BundleError("bundle is not a JSON object")
    media = str(doc.get("mediaType", ""))
    if _version(media) < _MIN_VERSION:
        raise BundleError(f"bundle version too old: {media!r}")
    envelope = doc.get("dsseEnvelope")
    if not isinstance(envelope, dict):
        raise BundleError("bundle does not contain a DSSE envelope")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise BundleError("DSSE envelope has no signatures")
    material = doc.get("verificationMaterial")
    if not isinstance(material, dict):
        raise BundleError("bundle has no verification material")
    return SigstoreBundle(
        raw=raw,
        payload_type=str(envelope.get("payloadType", "")),
        payload=_b64(envelope.get("payload"), "payload"),
        signatures=tuple(
            _b64(s.get("sig") if isinstance(s, dict) else None, "signature") for s in signatures
        ),
        certificate=_certificate(material),
    )


def statement_error(bundle: SigstoreBundle, digest: str) -> str | None:
    """Why the envelope's in-toto statement does not bind the artifact, or ``None``."""
    if bundle.payload_type != INTOTO_PAYLOAD_TYPE:
        return f"unexpected DSSE payload type {bundle.payload_type!r}"
    try:
        statement = json.loads(bundle.payload)
    except ValueError:
        return "the DSSE payload is not an in-toto statement"
    if not isinstance(statement, dict) or statement.get("_type") not in STATEMENT_TYPES:
        return "the DSSE payload is not an in-toto statement"
    algorithm, _, value = digest.partition(":")
    subjects = statement.get("subject")
    for subject in subjects if isinstance(subjects, list) else []:
        digests = subject.get("digest") if isinstance(subject, dict) else None
        if isinstance(digests, dict) and digests.get(algorithm) == value:
            return None
    return f"no in-toto subject names {digest}"


def _version(media_type: str) -> tuple[int, int]:
    """``application/vnd.dev.sigstore.bundle.v0.3+json`` or ``...bundle+json;version=0.3``."""
    text = ""
    if media_type.startswith(BUNDLE_MEDIA_PREFIX + ".v"):
        text = media_type[len(BUNDLE_MEDIA_PREFIX) + 2 :].split("+", 1)[0]
    elif ";version=" in media_type:
        text = media_type.split(";version=", 1)[1]
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return (0, 0)
    return (int(parts[0]), int(parts[1]))


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BundleError(f"DSSE envelope {what} missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"DSSE envelope {what} is not base64") from None


def _certificate(material: dict[str, Any]) -> bytes | None:
    cert = material.get("certificate")
    if isinstance(cert, dict):
        return _b64(cert.get("rawBytes"), "certificate")
    chain = material.get("x509CertificateChain")
    if isinstance(chain, dict) and isinstance(chain.get("certificates"), list):
        first = chain["certificates"][0] if chain["certificates"] else None
        return _b64(first.get("rawBytes") if isinstance(first, dict) else None, "certificate")
    return None


def verify_with_keys(
    found: list[SigstoreBundle], digest: str, parsed: list[tuple[str, Any]]
) -> VerificationResult:
    """Key mode, as Flux: offline, the transparency log entry ignored; ``parsed`` is
    :func:`~tagpilot.verify.common.load_public_keys`' list."""
    errors: list[str] = []
    for key_name, key in parsed:
        for bundle in found:
            pae = bundle.pae()
            if not any(verify_signature(key, sig, pae) for sig in bundle.signatures):
                _add(errors, f"the bundle's signature does not verify with key '{key_name}'")
                continue
            problem = statement_error(bundle, digest)
            if problem:
                _add(errors, problem)
                continue
            return VerificationResult(
                True,
                f"verified Sigstore bundle with key '{key_name}'",
                key=key_name,
                signatures=len(found),
            )
    return VerificationResult(
        False, "no matching attestations: " + "; ".join(errors), signatures=len(found)
    )


def verify_keyless(
    found: list[SigstoreBundle],
    digest: str,
    identities: Sequence[OIDCIdentity],
    trusted_root: bytes | None,
) -> VerificationResult:
    """Keyless: each bundle through ``sigstore``'s verifier (chain, SCT, identity policy,
    inclusion proof and checkpoint, the log entry against the envelope), then the digest."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify import Verifier

    from tagpilot.verify import keyless, trustroot

    try:
        verifier = Verifier(trusted_root=trustroot.load_trusted_root(trusted_root))
    except trustroot.TrustRootError as exc:
        return VerificationResult(False, str(exc), signatures=len(found))
    policy = keyless.RegexpIdentities(identities)
    errors: list[str] = []
    for bundle in found:
        try:
            payload_type, payload = verifier.verify_dsse(Bundle.from_json(bundle.raw), policy)
        except (SigstoreError, ValueError, TypeError, KeyError) as exc:
            _add(errors, str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
            continue
        # The statement checked is the one sigstore verified, not our own parse of the JSON.
        verified = replace(bundle, payload_type=payload_type, payload=payload)
        problem = statement_error(verified, digest)
        if problem or bundle.certificate is None:
            _add(errors, problem or "the bundle has no signing certificate")
            continue
        cert = x509.load_der_x509_certificate(bundle.certificate)
        subjects = ", ".join(keyless.certificate_subjects(cert))
        return VerificationResult(
            True,
            f"verified keyless Sigstore bundle of {subjects} ({keyless.certificate_issuer(cert)})",
            subjects,
            len(found),
        )
    return VerificationResult(
        False, "no matching attestations: " + "; ".join(errors), None, len(found)
    )


def _add(errors: list[str], message: str) -> None:
    if message not in errors:
        errors.append(message)
