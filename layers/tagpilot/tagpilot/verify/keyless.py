"""Keyless cosign verification of one ``.sig`` layer, offline, as cosign and Flux do it.

A keyless signature layer carries, besides the signature, the Fulcio certificate
(``dev.sigstore.cosign/certificate``), its chain (``.../chain``) and the Rekor bundle
(``.../bundle``: ``{"SignedEntryTimestamp", "Payload": {"body", "integratedTime", "logIndex",
"logID"}}``). :func:`verify_layer` checks, in cosign's order (``pkg/cosign/verify.go``):

1. the Rekor SET (inclusion promise) over the canonical entry, with a Rekor key of the trust root;
2. the certificate chains to a Fulcio CA of the trust root *at the integrated time* (the chain
   annotation only adds untrusted intermediates), with the code-signing key usages;
3. the SCT embedded in the certificate, with a CT log key of the trust root;
4. the identity: :class:`RegexpIdentities` over the OIDC issuer extension and the SANs;
5. the integrated time lies within the certificate's validity;
6. the signature over the payload with the certificate's key, and the entry's body (a
   ``hashedrekord`` 0.0.1) names that signature, that certificate and the payload's SHA-256;
7. the payload names the artifact's digest (``critical.image.docker-manifest-digest``).

The ``sigstore`` library supplies the trust root model and keyrings, SCT verification and the
policy protocol. Its high-level ``Verifier`` cannot be used: since 3.x it requires a Rekor
*inclusion proof with checkpoint* in every bundle (sigstore-python #1088), which cosign's ``.sig``
bundles never carry (they hold the SET only; cosign verifies them offline with the SET, as Flux
does). Steps 1, 2, 5 and 6 are therefore written here with ``cryptography``, the way
``sigstore.verify.verifier`` writes them. ``verify_sct``, ``KeyringPurpose`` and ``KeyID`` come
from sigstore's private modules: ``sigstore`` is pinned exactly, and ``tests/unit/verify`` fails
if an upgrade changes them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from tagpilot.errors import TagpilotError
from tagpilot.golang import regexp
from tagpilot.verify.common import OIDCIdentity, verify_signature
from tagpilot.verify.cosign import BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION

#: Fulcio's OIDC issuer extensions: raw bytes (v1, what cosign reads) and DER UTF8String (v2).
OIDC_ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
OIDC_ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
#: Fulcio's ``otherName`` SAN (username identities).
FULCIO_OTHERNAME = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.7")


class KeylessError(TagpilotError):
    """Why one signature layer did not verify (cosign's text where it has one)."""


def certificate_issuer(cert: x509.Certificate) -> str:
    """The OIDC issuer Fulcio recorded (v1 raw extension, else the v2 DER string)."""
    try:
        ext = cert.extensions.get_extension_for_oid(OIDC_ISSUER_V1).value
        return bytes(ext.value).decode("utf-8", "replace")  # type: ignore[attr-defined]
    except x509.ExtensionNotFound:
        pass
    try:
        ext = cert.extensions.get_extension_for_oid(OIDC_ISSUER_V2).value
    except x509.ExtensionNotFound:
        return ""
    raw = bytes(ext.value)  # type: ignore[attr-defined]
    try:
        from cryptography.hazmat import asn1

        return str(asn1.decode_der(str, raw))
    except ValueError:
        return ""


def certificate_subjects(cert: x509.Certificate) -> list[str]:
    """Every SAN, in cosign's order: DNS names, emails, IP addresses, URIs, Fulcio other names."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names: list[str] = list(san.get_values_for_type(x509.DNSName))
    names += san.get_values_for_type(x509.RFC822Name)
    names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    names += san.get_values_for_type(x509.UniformResourceIdentifier)
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id == FULCIO_OTHERNAME:
            names.append(_der_utf8(other.value))
    return names


def _der_utf8(value: bytes) -> str:
    try:
        from cryptography.hazmat import asn1

        return str(asn1.decode_der(str, value))
    except ValueError:
        return value.decode("utf-8", "replace")


class RegexpIdentities:
    """A ``sigstore.verify.policy.VerificationPolicy``: any entry matching suffices (Flux).

    sigstore's own ``Identity`` policy compares exactly; Flux's ``matchOIDCIdentity`` holds Go
    regexps searched anywhere in the value (users anchor with ``^...$``), matched here with RE2
    through :func:`tagpilot.golang.regexp.match_string`. An empty regexp constrains nothing; an
    empty list accepts any identity Fulcio certified.
    """

    def __init__(self, identities: Sequence[OIDCIdentity]) -> None:
        self._identities = list(identities)

    def verify(self, cert: x509.Certificate) -> None:
        from sigstore.errors import VerificationError

        if not self._identities:
            return
        issuer = certificate_issuer(cert)
        subjects = certificate_subjects(cert)
        for entry in self._identities:
            if _matches(entry.issuer, [issuer], "issuer") and _matches(
                entry.subject, subjects, "subject"
            ):
                return
        raise VerificationError(
            "none of the expected identities matched what was in the certificate, got subjects "
            f"[{', '.join(subjects)}] with issuer {issuer}"
        )


def _matches(pattern: str, values: Sequence[str], what: str) -> bool:
    if not pattern:
        return True
    try:
        return any(regexp.match_string(pattern, value) for value in values)
    except regexp.RegexpSyntaxError as exc:
        from sigstore.errors import VerificationError

        raise VerificationError(f"malformed {what} in identity: {pattern} : {exc}") from None


@dataclass(frozen=True)
class RekorBundle:
    """cosign's ``dev.sigstore.cosign/bundle`` annotation."""

    signed_entry_timestamp: bytes
    body: str  # base64 of the canonical entry, as signed
    integrated_time: int
    log_index: int
    log_id: str  # hex

    @classmethod
    def parse(cls, text: str) -> RekorBundle:
        try:
            doc = json.loads(text)
            payload = doc["Payload"]
            bundle = cls(
                base64.b64decode(doc["SignedEntryTimestamp"], validate=True),
                str(payload["body"]),
                _int(payload["integratedTime"]),
                _int(payload["logIndex"]),
                str(payload["logID"]),
            )
            bytes.fromhex(bundle.log_id)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise KeylessError(f"invalid Rekor bundle: {exc}") from None
        return bundle

    def canonical(self) -> bytes:
        """The RFC 8785 JSON the SET signs (cosign ``VerifySET``; Rekor's order of keys)."""
        import rfc8785

        return rfc8785.dumps(
            {
                "body": self.body,
                "integratedTime": self.integrated_time,
                "logID": self.log_id,
                "logIndex": self.log_index,
            }
        )


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def verify_layer(
    root: Any,
    payload: bytes,
    signature: bytes,
    annotations: Mapping[str, str],
    policy: RegexpIdentities,
) -> x509.Certificate:
    """Verify one keyless signature layer (steps 1-6 of the module docstring).

    ``root`` is a ``sigstore.models.TrustedRoot`` (:func:`tagpilot.verify.trustroot.
    load_trusted_root`). Returns the verified certificate.

    Raises
    ------
    KeylessError
        The first check that failed; malformed material (certificate extensions, SCTs, times
        out of range) is reported the same way, never raised as another exception.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from sigstore.errors import Error

    malformed = (
        ValueError,
        TypeError,
        OverflowError,
        OSError,
        UnsupportedAlgorithm,
        x509.DuplicateExtension,
        x509.UnsupportedGeneralNameType,
        Error,
    )
    try:
        return _verify_layer(root, payload, signature, annotations, policy)
    except KeylessError:
        raise
    except malformed as exc:
        raise KeylessError(f"malformed signature material: {exc}") from None


def _verify_layer(
    root: Any,
    payload: bytes,
    signature: bytes,
    annotations: Mapping[str, str],
    policy: RegexpIdentities,
) -> x509.Certificate:
    from sigstore._internal.sct import verify_sct
    from sigstore._internal.trust import KeyringPurpose
    from sigstore._utils import KeyID
    from sigstore.errors import VerificationError

    cert, intermediates = _certificates(annotations)
    if BUNDLE_ANNOTATION not in annotations:
        raise KeylessError("no Rekor bundle on the signature (an online Rekor lookup is not done)")
    bundle = RekorBundle.parse(annotations[BUNDLE_ANNOTATION])
    try:
        root.rekor_keyring(KeyringPurpose.VERIFY).verify(
            key_id=KeyID(bytes.fromhex(bundle.log_id)),
            signature=bundle.signed_entry_timestamp,
            data=bundle.canonical(),
        )
    except VerificationError as exc:
        raise KeylessError(f"unable to verify SET: {exc}") from None
    signed_at = datetime.fromtimestamp(bundle.integrated_time, tz=UTC)
    # As cosign: the chain is checked at the certificate's start (short-lived certificates are
    # trusted forever), then the log's integrated time must fall inside its validity.
    chain = _verify_chain(root, cert, intermediates, cert.not_valid_before_utc)
    try:
        verify_sct(cert, chain, root.ct_keyring(KeyringPurpose.VERIFY))
    except VerificationError as exc:
        raise KeylessError(f"unable to verify SCT: {exc}") from None
    try:
        policy.verify(cert)
    except VerificationError as exc:
        raise KeylessError(str(exc)) from None
    _check_expiry(cert, signed_at)
    if not verify_signature(cert.public_key(), signature, payload):
        raise KeylessError("invalid signature when validating ASN.1 encoded signature")
    _check_entry_body(bundle.body, cert, signature, payload)
    return cert


def _check_expiry(cert: x509.Certificate, signed_at: datetime) -> None:
    """cosign ``CheckExpiry``: the signature entered the log while the certificate was valid."""

    def rfc3339(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    if cert.not_valid_after_utc < signed_at:
        raise KeylessError(
            "certificate expired before signatures were entered in log: "
            f"{rfc3339(cert.not_valid_after_utc)} is before {rfc3339(signed_at)}"
        )
    if cert.not_valid_before_utc > signed_at:
        raise KeylessError(
            "certificate was issued after signatures were entered in log: "
            f"{rfc3339(cert.not_valid_before_utc)} is after {rfc3339(signed_at)}"
        )


def _certificates(
    annotations: Mapping[str, str],
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    pem = annotations.get(CERTIFICATE_ANNOTATION)
    if not pem:
        raise KeylessError("no certificate found on signature")
    chain_pem = annotations.get(CHAIN_ANNOTATION) or ""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
        chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem else []
    except ValueError as exc:
        raise KeylessError(f"invalid certificate on signature: {exc}") from None
    return cert, chain


def _verify_chain(
    root: Any, cert: x509.Certificate, intermediates: list[x509.Certificate], at: datetime
) -> list[x509.Certificate]:
    """The chain from ``cert`` to a Fulcio CA, valid at ``at`` (leaf excluded)."""
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
        VerificationError,
    )

    # Fulcio certificates carry the code-signing EKU (checked below), not client-auth.
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store(root.get_fulcio_certs()))
        .time(at)
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        chain = list(verifier.verify(cert, intermediates).chain[1:])
    except (VerificationError, x509.UnsupportedGeneralNameType, ValueError) as exc:
        raise KeylessError(f"certificate is not trusted by the Fulcio roots: {exc}") from None
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise KeylessError(f"certificate lacks a key usage: {exc}") from None
    if not usage.digital_signature or ExtendedKeyUsageOID.CODE_SIGNING not in extended:
        raise KeylessError("certificate is not for code signing (key usage, extended key usage)")
    return chain


def _check_entry_body(
    body_b64: str, cert: x509.Certificate, signature: bytes, payload: bytes
) -> None:
    """The log entry must be a ``hashedrekord`` of this signature, certificate and payload."""
    try:
        body = json.loads(base64.b64decode(body_b64, validate=True))
        kind, version = body.get("kind"), body.get("apiVersion")
        spec = body["spec"]
        hashed = spec["data"]["hash"]
        logged_sig = base64.b64decode(spec["signature"]["content"], validate=True)
        logged_key = base64.b64decode(spec["signature"]["publicKey"]["content"], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise KeylessError(f"invalid Rekor entry body: {exc}") from None
    if (kind, version) != ("hashedrekord", "0.0.1"):
        raise KeylessError(f"unsupported Rekor entry {kind}/{version} (hashedrekord/0.0.1 only)")
    if (
        hashed.get("algorithm") != "sha256"
        or hashed.get("value") != hashlib.sha256(payload).hexdigest()
    ):
        raise KeylessError("Rekor entry does not match the payload's SHA-256")
    if logged_sig != signature:
        raise KeylessError("Rekor entry does not match the signature")
    try:
        logged_cert = x509.load_pem_x509_certificate(logged_key)
    except ValueError:
        raise KeylessError("Rekor entry does not hold a certificate") from None
    der = serialization.Encoding.DER
    if logged_cert.public_bytes(der) != cert.public_bytes(der):
        raise KeylessError("Rekor entry does not match the certificate")
