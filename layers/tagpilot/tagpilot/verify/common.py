"""What every verifier shares: results, identities, public keys and raw signature checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from tagpilot.errors import TagpilotError

NO_KEYS = "no public keys (*.pub) found in the verification secret"


class VerificationError(TagpilotError):
    """A signature could not be checked at all (bad key, bad trust root, registry failure)."""


@dataclass(frozen=True)
class OIDCIdentity:
    """One ``matchOIDCIdentity`` entry: regexps searched (unanchored) in the certificate."""

    issuer: str
    subject: str


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :func:`verify_image`.

    Attributes
    ----------
    verified:
        A signature verified.
    message:
        Why not (Flux's error text), or what verified.
    key:
        The secret key name (key mode) or the certificate subject (keyless) that verified.
    signatures:
        How many signature layers the ``.sig`` manifest held.
    """

    verified: bool
    message: str
    key: str | None = None
    signatures: int = 0


def load_public_keys(secret: Mapping[str, str | bytes]) -> list[tuple[str, Any]]:
    """The ``*.pub`` entries of a secret, parsed, in name order.

    Raises
    ------
    VerificationError
        A ``.pub`` entry is not a PEM public key of a supported type (this aborts, as in Flux).
    """
    keys = []
    for name in sorted(secret):
        if not name.endswith(".pub"):
            continue
        value = secret[name]
        data = value.encode() if isinstance(value, str) else value
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise VerificationError(f"failed to load public key '{name}': {exc}") from None
        if not isinstance(
            key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey
        ):
            raise VerificationError(f"failed to load public key '{name}': unsupported key type")
        keys.append((name, key))
    return keys


def verify_signature(key: Any, signature: bytes, payload: bytes) -> bool:
    """One raw signature over ``payload`` with one public key (cosign's algorithms)."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True
