"""Verification of the Google-signed OIDC token of a Pub/Sub push (``gcr`` receivers).

Mirrors Flux's ``authenticateGCRRequest`` (``idtoken.Validate`` then issuer, email and
``email_verified`` checks) with ``cryptography`` and an injected JWKS fetcher:

1. ``Authorization`` must start with ``Bearer `` (case-sensitive);
2. the JWT must be RS256 with a ``kid`` found in Google's JWKS, signature valid;
3. ``aud`` equals the Secret's ``audience`` exactly; ``exp``/``iat`` within a small leeway;
4. ``iss`` is ``accounts.google.com`` or ``https://accounts.google.com``;
5. ``email`` equals the Secret's ``email`` and ``email_verified`` is ``true``.

Deviations from Go's ``idtoken``: ES256 tokens are refused (Pub/Sub signs with RS256), and a
leeway applies to ``exp`` plus an ``iat`` check (Go has neither).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tagpilot.receiver.errors import WebhookAuthError

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
BEARER_PREFIX = "Bearer "

#: Fetches a JWKS document (``{"keys": [...]}``) from a URL; raises ``OSError``/``ValueError``.
KeyFetcher = Callable[[str], Mapping[str, Any]]

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class GcrVerifier(Protocol):
    """What :func:`tagpilot.receiver.validate.validate` needs for ``gcr`` receivers."""

    def verify(self, authorization: str, *, email: str, audience: str) -> Mapping[str, Any]:
        """Return the verified claims or raise :class:`WebhookAuthError`."""
        ...


class GcrTokenVerifier:
    """Verify Pub/Sub push tokens against Google's JWKS, caching the keys.

    Parameters
    ----------
    key_fetcher : KeyFetcher
        Returns the JWKS at a URL (build one with :func:`http_key_fetcher`).
    certs_url : str
        JWKS URL, Google's by default.
    clock : Callable[[], float]
        Seconds since the epoch.
    leeway_seconds : int
        Clock skew tolerated on ``exp`` and ``iat``.
    cache_seconds : int
        How long fetched keys are reused.
    refetch_seconds : int
        Minimum delay before an unknown ``kid`` triggers another fetch (key rotation without
        letting forged ``kid`` values hammer Google).

    Examples
    --------
    >>> verifier = GcrTokenVerifier(lambda url: {"keys": []})
    >>> verifier.verify("Basic x", email="a@b", audience="https://h/hook/1")
    Traceback (most recent call last):
    ...
    tagpilot.receiver.errors.WebhookAuthError: the Authorization header is missing or malformed
    """

    def __init__(
        self,
        key_fetcher: KeyFetcher,
        *,
        certs_url: str = GOOGLE_CERTS_URL,
        clock: Callable[[], float] = time.time,
        leeway_seconds: int = 30,
        cache_seconds: int = 3600,
        refetch_seconds: int = 60,
    ) -> None:
        self._fetch = key_fetcher
        self._url = certs_url
        self._clock = clock
        self._leeway = leeway_seconds
        self._cache_seconds = cache_seconds
        self._refetch_seconds = refetch_seconds
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._fetched_at: float | None = None

    def verify(self, authorization: str, *, email: str, audience: str) -> Mapping[str, Any]:
        """Verify ``Authorization: Bearer <JWT>``; return the claims.

        Raises
        ------
        WebhookAuthError
            Any failed check; the message never contains the token.
        """
        if not authorization.startswith(BEARER_PREFIX):
            raise WebhookAuthError("the Authorization header is missing or malformed")
        header, claims, signing_input, signature = _split(authorization[len(BEARER_PREFIX) :])
        if claims.get("aud") != audience:
            raise WebhookAuthError(
                "invalid ID token: audience does not match the Secret's audience"
            )
        self._check_times(claims)
        if header.get("alg") != "RS256":
            raise WebhookAuthError("invalid ID token: expected a JWT signed with RS256")
        key = self._key(header.get("kid"))
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise WebhookAuthError("invalid ID token: bad signature") from None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise WebhookAuthError("token issuer is not accounts.google.com")
        token_email = claims.get("email")
        if not isinstance(token_email, str) or not hmac.compare_digest(
            token_email.encode("utf-8", "surrogatepass"), email.encode("utf-8", "surrogatepass")
        ):
            raise WebhookAuthError("token email does not match the Secret's email")
        if claims.get("email_verified") is not True:
            raise WebhookAuthError("token email is not verified")
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not _is_int(exp) or not _is_int(iat):
            raise WebhookAuthError("invalid ID token: exp and iat must be integers")
        if now > exp + self._leeway:
            raise WebhookAuthError("invalid ID token: token expired")
        if iat > now + self._leeway:
            raise WebhookAuthError("invalid ID token: issued in the future")

    def _key(self, kid: object) -> rsa.RSAPublicKey:
        if not isinstance(kid, str) or not kid:
            raise WebhookAuthError("invalid ID token: no kid in header")
        now = self._clock()
        age = None if self._fetched_at is None else now - self._fetched_at
        stale = age is None or age > self._cache_seconds
        if stale or (kid not in self._keys and age is not None and age > self._refetch_seconds):
            self._keys = self._load_keys()
            self._fetched_at = now
        key = self._keys.get(kid)
        if key is None:
            raise WebhookAuthError("invalid ID token: signing key not found")
        return key

    def _load_keys(self) -> dict[str, rsa.RSAPublicKey]:
        try:
            document = self._fetch(self._url)
        except (OSError, ValueError):
            raise WebhookAuthError("cannot fetch the token signing keys") from None
        keys: dict[str, rsa.RSAPublicKey] = {}
        entries = document.get("keys") if isinstance(document, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping) or entry.get("kty") != "RSA":
                continue
            try:
                numbers = rsa.RSAPublicNumbers(_b64int(entry["e"]), _b64int(entry["n"]))
                keys[str(entry["kid"])] = numbers.public_key()
            except (KeyError, ValueError, TypeError, WebhookAuthError):
                continue  # one bad key must not hide the others
        return keys


def http_key_fetcher(session: Any, *, timeout: float = 5.0) -> KeyFetcher:
    """Build a :data:`KeyFetcher` from a ``requests``-like session (``get``, ``json()``).

    The session is injected so this module imports no HTTP library.
    """

    def fetch(url: str) -> Mapping[str, Any]:
        response = session.get(url, timeout=timeout)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, Mapping):
            raise ValueError("JWKS is not a JSON object")
        return document

    return fetch


def _split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise WebhookAuthError("invalid ID token: not a JWT")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise WebhookAuthError("invalid ID token: undecodable header or claims") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise WebhookAuthError("invalid ID token: header and claims must be objects")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", errors="replace")
    return header, claims, signing_input, _b64url(parts[2])


def _b64url(part: str) -> bytes:
    # Go's RawURLEncoding: URL alphabet, no padding characters allowed.
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise WebhookAuthError("invalid ID token: bad base64url segment")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise WebhookAuthError("invalid ID token: bad base64url segment") from None


def _b64int(value: object) -> int:
    if not isinstance(value, str):
        raise TypeError("JWK number must be a string")
    return int.from_bytes(_b64url(value), "big")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
