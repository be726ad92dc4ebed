"""Per-type webhook validation: Flux's ``validate()`` (reference §3), type by type.

Order inside each type follows Flux: the Secret first, then authentication, then event
filtering (after authentication, so a forged request learns nothing about ``spec.events``),
then payload decoding where Flux decodes. Every failure is a
:class:`~tagpilot.receiver.errors.WebhookError` (the handler answers 400).

tagpilot hardening: the Secret's token must pass :func:`~tagpilot.receiver.spec.check_token`
(non-empty, 32+ characters), so the unsigned paths Flux allows with an empty token (github,
bitbucket, gitlab, harbor) cannot happen.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tagpilot.golang.json import DecodeError, Schema, decode_first, parse_value, unmarshal
from tagpilot.golang.strings import equal_fold
from tagpilot.receiver.cdevents import validate_cdevent
from tagpilot.receiver.errors import (
    EventNotAcceptedError,
    PayloadError,
    SecretMissingError,
    WeakTokenError,
    WebhookAuthError,
    WebhookError,
)
from tagpilot.receiver.gcr import GcrVerifier
from tagpilot.receiver.hints import ImageHint, image_hints, payload_action
from tagpilot.receiver.pubsub import decode_push
from tagpilot.receiver.request import Headers
from tagpilot.receiver.signatures import (
    validate_nexus_signature,
    validate_payload,
    validate_signature,
)
from tagpilot.receiver.spec import check_token


@dataclass(frozen=True)
class WebhookEvent:
    """What a validated request told us, safe to log (no token, signature or path).

    Attributes
    ----------
    receiver_type : str
        The Receiver's ``spec.type``.
    event : str or None
        The event header checked against ``spec.events`` (``X-GitHub-Event``, ``X-Event-Key``,
        ``X-Gitlab-Event``, ``Ce-Type``); ``None`` for types without event filtering.
    action : str or None
        The payload's own action/type (``published``, ``push``, ``INSERT``, ``PUSH_ARTIFACT``).
    images : tuple of ImageHint
        Images and tags the payload names (hints only; selection does not use them).
    """

    receiver_type: str
    event: str | None = None
    action: str | None = None
    images: tuple[ImageHint, ...] = ()


@dataclass(frozen=True)
class _Request:
    token: str
    secret: Mapping[str, str]
    headers: Headers
    body: bytes
    events: Sequence[str]
    gcr_verifier: GcrVerifier | None


def validate(
    receiver_type: str,
    events: Sequence[str],
    secret: Mapping[str, str] | None,
    headers: Mapping[str, str],
    body: bytes,
    *,
    gcr_verifier: GcrVerifier | None = None,
) -> WebhookEvent:
    """Authenticate, filter and decode one webhook request like Flux's ``validate()``.

    Parameters
    ----------
    receiver_type : str
        ``spec.type``.
    events : Sequence[str]
        ``spec.events`` (empty accepts all).
    secret : Mapping[str, str] or None
        The Receiver's Secret data (``token``; ``email`` and ``audience`` for gcr); ``None``
        when the Secret does not exist.
    headers : Mapping[str, str]
        Request headers (looked up case-insensitively).
    body : bytes
        Raw body, exactly as received.
    gcr_verifier : GcrVerifier, optional
        Token verifier, required for ``gcr`` receivers.

    Returns
    -------
    WebhookEvent

    Raises
    ------
    SecretMissingError, WebhookAuthError, EventNotAcceptedError, PayloadError
        All mean 400.

    Examples
    --------
    >>> token = "0123456789abcdef0123456789abcdef"
    >>> validate("gitlab", ["Tag Push Hook"], {"token": token},
    ...     {"X-Gitlab-Token": token, "X-Gitlab-Event": "tag push hook"}, b"").event
    'tag push hook'
    """
    validator = _VALIDATORS.get(receiver_type)
    if validator is None:
        raise WebhookError(f"receiver type {receiver_type!r} not supported")
    if secret is None:
        raise SecretMissingError("the Receiver's Secret does not exist")
    if "token" not in secret:
        raise SecretMissingError("invalid Secret data: required field 'token'")
    try:
        token = check_token(secret["token"])
    except WeakTokenError as exc:
        raise SecretMissingError(exc.message) from None
    request = _Request(
        token=token,
        secret=secret,
        headers=headers if isinstance(headers, Headers) else Headers.of(headers),
        body=body,
        events=events,
        gcr_verifier=gcr_verifier,
    )
    return validator(request)


def check_event(event: str, accepted: Sequence[str], sender: str) -> None:
    """Refuse an event header not in ``spec.events`` (``strings.EqualFold``; empty = all).

    Raises
    ------
    EventNotAcceptedError
        ``accepted`` is non-empty and no entry equals ``event`` case-insensitively (a missing
        header is ``""``).
    """
    if accepted and not any(equal_fold(event, item) for item in accepted):
        raise EventNotAcceptedError(f"the {sender} event {event[:100]!r} is not authorised")


def _equal_secret(received: str, token: str) -> bool:
    return hmac.compare_digest(
        received.encode("utf-8", "surrogatepass"), token.encode("utf-8", "surrogatepass")
    )


def _event(kind: str, payload: bytes, event: str | None = None) -> WebhookEvent:
    parsed = parse_value(payload)
    return WebhookEvent(
        receiver_type=kind,
        event=event,
        action=payload_action(kind, parsed),
        images=image_hints(kind, parsed),
    )


def _generic(request: _Request) -> WebhookEvent:
    return _event("generic", request.body)


def _generic_hmac(request: _Request) -> WebhookEvent:
    validate_signature(request.headers.get("X-Signature"), request.body, request.token)
    return _event("generic-hmac", request.body)


def _hub(kind: str, event_header: str, sender: str) -> Callable[[_Request], WebhookEvent]:
    def check(request: _Request) -> WebhookEvent:
        payload = validate_payload(
            request.headers.get("Content-Type"),
            request.headers.get("X-Hub-Signature-256"),
            request.headers.get("X-Hub-Signature"),
            request.body,
            request.token,
        )
        event = request.headers.get(event_header)
        check_event(event, request.events, sender)
        return _event(kind, payload, event)

    return check


def _gitlab(request: _Request) -> WebhookEvent:
    if not _equal_secret(request.headers.get("X-Gitlab-Token"), request.token):
        raise WebhookAuthError("the X-Gitlab-Token header value does not match the receiver token")
    event = request.headers.get("X-Gitlab-Event")
    check_event(event, request.events, "GitLab")
    return _event("gitlab", request.body, event)


def _harbor(request: _Request) -> WebhookEvent:
    if not _equal_secret(request.headers.get("Authorization"), request.token):
        raise WebhookAuthError("the Harbor Authorization header value does not match the token")
    return _event("harbor", request.body)


def _decoded(kind: str, schema: Schema, what: str) -> Callable[[_Request], WebhookEvent]:
    def check(request: _Request) -> WebhookEvent:
        try:
            decode_first(request.body, schema, what)
        except DecodeError as exc:
            raise PayloadError(str(exc)) from None
        return _event(kind, request.body)

    return check


def _nexus(request: _Request) -> WebhookEvent:
    signature = request.headers.get("X-Nexus-Webhook-Signature")
    validate_nexus_signature(signature, request.body, request.token)
    try:
        unmarshal(
            request.body, {"action": "string", "repositoryName": "string"}, "Nexus webhook payload"
        )
    except DecodeError as exc:
        raise PayloadError(str(exc)) from None
    return _event("nexus", request.body)


def _gcr(request: _Request) -> WebhookEvent:
    email, audience = request.secret.get("email", ""), request.secret.get("audience", "")
    if not email or not audience:
        raise SecretMissingError(
            "invalid Secret data: gcr receivers require 'email' and 'audience'"
        )
    if request.gcr_verifier is None:
        raise WebhookAuthError("cannot create ID token validator: no GCR verifier configured")
    request.gcr_verifier.verify(
        request.headers.get("Authorization"), email=email, audience=audience
    )
    data = decode_push(request.body)
    return WebhookEvent(
        receiver_type="gcr",
        action=data["action"] or None,
        images=image_hints("gcr", data),
    )


def _cdevents(request: _Request) -> WebhookEvent:
    event = request.headers.get("Ce-Type")
    parsed = validate_cdevent(request.body)
    check_event(event, request.events, "CDEvent")
    return WebhookEvent(receiver_type="cdevents", event=event, action=parsed["context"]["type"])


_VALIDATORS: Mapping[str, Callable[[_Request], WebhookEvent]] = {
    "generic": _generic,
    "generic-hmac": _generic_hmac,
    "github": _hub("github", "X-GitHub-Event", "GitHub"),
    "bitbucket": _hub("bitbucket", "X-Event-Key", "Bitbucket server"),
    "gitlab": _gitlab,
    "harbor": _harbor,
    "dockerhub": _decoded(
        "dockerhub",
        {"push_data": {"tag": "string"}, "repository": {"repo_url": "string"}},
        "DockerHub webhook payload",
    ),
    "quay": _decoded(
        "quay", {"docker_url": "string", "updated_tags": "strings"}, "Quay webhook payload"
    ),
    "acr": _decoded(
        "acr",
        {"action": "string", "target": {"repository": "string", "tag": "string"}},
        "ACR webhook payload",
    ),
    "nexus": _nexus,
    "gcr": _gcr,
    "cdevents": _cdevents,
}
