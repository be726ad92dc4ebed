"""HMAC checks: go-github v64 ``ValidateSignature``/``ValidatePayload`` and Nexus's HMAC-SHA1.

Every comparison is constant time (``hmac.compare_digest``); the signature is always computed
over the exact bytes received.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac

from tagpilot.golang.mime import parse_media_type, parse_query
from tagpilot.receiver.errors import PayloadError, WebhookAuthError

# Prefixes are compared case-sensitively, as go-github does ("SHA256=" fails).
_HASHES = frozenset({"sha1", "sha256", "sha512"})
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def validate_signature(signature: str, body: bytes, token: str) -> None:
    """Check ``<algo>=<hex>`` against HMAC(token, body), like go-github's ``ValidateSignature``.

    Parameters
    ----------
    signature : str
        Header value, e.g. ``sha256=5d...``; hex digits in either case.
    body : bytes
        Raw body.
    token : str
        HMAC key.

    Raises
    ------
    WebhookAuthError
        Missing, malformed, unknown algorithm, or wrong signature.
    """
    if not signature:
        raise WebhookAuthError("missing signature")
    algo, sep, hex_mac = signature.partition("=")
    if not sep:
        raise WebhookAuthError("malformed signature: no '=' separator")
    if algo not in _HASHES:
        raise WebhookAuthError("unknown hash type prefix (want sha1, sha256 or sha512)")
    try:
        # a2b_hex rejects whitespace and odd lengths like Go's hex.DecodeString.
        received = binascii.a2b_hex(hex_mac.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise WebhookAuthError("malformed signature: not hex") from None
    expected = hmac.new(_bytes(token), body, algo).digest()
    if not hmac.compare_digest(received, expected):
        raise WebhookAuthError("payload signature check failed")


def validate_payload(
    content_type: str, signature_256: str, signature_1: str, body: bytes, token: str
) -> bytes:
    """go-github v64 ``ValidatePayload`` (GitHub, Gitea and Bitbucket deliveries).

    The ``X-Hub-Signature-256`` value is used when non-empty, else ``X-Hub-Signature``, with no
    fallback when the first is wrong. The form body is parsed before the signature is checked,
    and the signature is skipped only when both the token and the header are empty.

    Parameters
    ----------
    content_type : str
        ``Content-Type`` header; media type ``application/json`` or form-urlencoded.
    signature_256, signature_1 : str
        The two signature headers (``""`` when absent).
    body : bytes
        Raw body.
    token : str
        HMAC key.

    Returns
    -------
    bytes
        The JSON payload: the body, or the form's first ``payload`` value.

    Raises
    ------
    PayloadError
        Invalid or unsupported Content-Type, or a malformed form.
    WebhookAuthError
        Bad or missing signature.
    """
    signature = signature_256 or signature_1
    try:
        media_type, _ = parse_media_type(content_type)
    except ValueError as exc:
        raise PayloadError(f"invalid Content-Type: {exc}") from None
    if media_type == _JSON:
        payload = body
    elif media_type == _FORM:
        try:
            form = parse_query(body)
        except ValueError as exc:
            raise PayloadError(f"invalid form body: {exc}") from None
        payload = form.get(b"payload", [b""])[0]
    else:
        raise PayloadError(f"unsupported Content-Type {media_type!r}")
    if token or signature:
        validate_signature(signature, body, token)
    return payload


def validate_nexus_signature(signature: str, body: bytes, token: str) -> None:
    """Nexus: lower-case hex HMAC-SHA1 compared as a string (upper-case hex fails).

    Raises
    ------
    WebhookAuthError
        Missing or wrong signature.
    """
    if not signature:
        raise WebhookAuthError("the Nexus signature is missing from header")
    expected = hmac.new(_bytes(token), body, hashlib.sha1).hexdigest()
    if not hmac.compare_digest(_bytes(signature), expected.encode("ascii")):
        raise WebhookAuthError("invalid Nexus signature")
