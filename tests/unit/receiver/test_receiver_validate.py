"""Per-type validation (reference §3), driven by the committed samples and mutations of them."""

from __future__ import annotations

import hmac

import pytest
from tagpilot.api.receiver import RECEIVER_TYPES
from tagpilot.receiver.errors import (
    EventNotAcceptedError,
    PayloadError,
    SecretMissingError,
    WebhookAuthError,
    WebhookError,
)
from tagpilot.receiver.validate import validate

pytestmark = pytest.mark.unit

WRONG_TOKEN = "f" * 64

#: The header that authenticates each type and a wrong value for it ("" = no authentication).
AUTH_HEADERS = {
    "generic": "",
    "generic-hmac": "X-Signature",
    "github": "X-Hub-Signature-256",
    "bitbucket": "X-Hub-Signature",
    "gitlab": "X-Gitlab-Token",
    "harbor": "Authorization",
    "dockerhub": "",
    "quay": "",
    "acr": "",
    "nexus": "X-Nexus-Webhook-Signature",
    "gcr": "Authorization",
    "cdevents": "",
}
AUTHENTICATED = sorted(kind for kind, header in AUTH_HEADERS.items() if header)

#: Reference §3 "Body handling": types whose body Flux decodes reject malformed JSON.
DECODES_BODY = {"dockerhub", "quay", "acr", "nexus", "gcr", "cdevents"}

#: Reference §3 "spec.events checked against" column.
EVENT_HEADERS = {
    "github": "X-GitHub-Event",
    "bitbucket": "X-Event-Key",
    "gitlab": "X-Gitlab-Event",
    "cdevents": "Ce-Type",
}


def forged_value(kind: str, body: bytes) -> str:
    """A well-formed credential made with the wrong token."""

    def mac(algo: str) -> str:
        return hmac.new(WRONG_TOKEN.encode(), body, algo).hexdigest()

    return {
        "generic-hmac": "sha256=" + mac("sha256"),
        "github": "sha256=" + mac("sha256"),
        "bitbucket": "sha256=" + mac("sha256"),
        "gitlab": WRONG_TOKEN,
        "harbor": WRONG_TOKEN,
        "nexus": mac("sha1"),
    }[kind]


def run(sample, request=None, *, events=None, secret=None, verifier=None):
    request = request or sample.request
    return validate(
        sample.receiver.spec.type,
        sample.receiver.spec.events if events is None else events,
        sample.secret if secret is None else secret,
        request.headers,
        request.body,
        gcr_verifier=verifier,
    )


def _tamper_jwt(authorization: str) -> str:
    head, payload, signature = authorization.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return ".".join((head, payload, signature[:10] + flipped + signature[11:]))


@pytest.mark.parametrize("kind", AUTHENTICATED)
def test_forged_credential_is_refused(samples, sample_gcr_verifier, kind):
    sample = samples[kind]
    header = AUTH_HEADERS[kind]
    if kind == "gcr":
        value = _tamper_jwt(sample.request.headers.get(header))
    else:
        value = forged_value(kind, sample.request.body)
    request = sample.with_headers(**{header: value})
    with pytest.raises(WebhookAuthError):
        run(sample, request, verifier=sample_gcr_verifier)


@pytest.mark.parametrize("kind", AUTHENTICATED)
def test_missing_credential_is_refused(samples, sample_gcr_verifier, kind):
    sample = samples[kind]
    changes = {AUTH_HEADERS[kind]: None}
    if kind in ("github", "bitbucket"):
        changes.update({"X-Hub-Signature": None, "X-Hub-Signature-256": None})
    with pytest.raises(WebhookAuthError):
        run(sample, sample.with_headers(**changes), verifier=sample_gcr_verifier)


@pytest.mark.parametrize("kind", [kind for kind in AUTHENTICATED if kind != "gcr"])
def test_a_rotated_token_refuses_requests_signed_with_the_old_one(samples, kind):
    sample = samples[kind]
    with pytest.raises(WebhookAuthError):
        run(sample, secret={**sample.secret, "token": WRONG_TOKEN})


@pytest.mark.parametrize("kind", sorted(RECEIVER_TYPES))
def test_malformed_json(samples, sample_gcr_verifier, signer, kind):
    sample = samples[kind]
    body = b'{"push_data": {'
    changes = signer(kind, sample.token, body)
    request = sample.with_headers(**changes)
    request = type(request)(request.method, request.path, request.query, request.headers, body)
    if kind in DECODES_BODY:
        with pytest.raises(PayloadError):
            run(sample, request, verifier=sample_gcr_verifier)
    else:
        assert run(sample, request, verifier=sample_gcr_verifier).receiver_type == kind


@pytest.mark.parametrize("kind", sorted(EVENT_HEADERS))
def test_event_not_in_spec_events_is_refused(samples, kind):
    with pytest.raises(EventNotAcceptedError):
        run(samples[kind], events=["something-else"])


@pytest.mark.parametrize("kind", sorted(EVENT_HEADERS))
def test_missing_event_header_fails_a_non_empty_list(samples, kind):
    sample = samples[kind]
    with pytest.raises(EventNotAcceptedError):
        run(sample, sample.with_headers(**{EVENT_HEADERS[kind]: None}))


@pytest.mark.parametrize("kind", sorted(EVENT_HEADERS))
def test_event_match_is_case_insensitive_and_empty_list_accepts_all(samples, kind):
    sample = samples[kind]
    header = sample.request.headers.get(EVENT_HEADERS[kind])
    assert run(sample, events=[header.swapcase()]).event == header
    assert run(sample, sample.with_headers(**{EVENT_HEADERS[kind]: "other"}), events=[]).event == (
        "other"
    )


@pytest.mark.parametrize("kind", ["github", "bitbucket", "gitlab"])
def test_authentication_is_checked_before_event_filtering(samples, kind):
    sample = samples[kind]
    request = sample.with_headers(
        **{AUTH_HEADERS[kind]: forged_value(kind, sample.request.body), EVENT_HEADERS[kind]: "x"}
    )
    with pytest.raises(WebhookAuthError):
        run(sample, request, events=["only-this"])


def test_cdevents_body_is_checked_before_the_event(samples):
    sample = samples["cdevents"]
    request = sample.with_headers(Ce_Type="other")
    request = type(request)(request.method, request.path, "", request.headers, b"{}")
    with pytest.raises(PayloadError):
        run(sample, request, events=["only-this"])


@pytest.mark.parametrize("kind", sorted(set(RECEIVER_TYPES) - set(EVENT_HEADERS)))
def test_types_without_event_support_ignore_spec_events(samples, sample_gcr_verifier, kind):
    assert run(samples[kind], events=["never-sent"], verifier=sample_gcr_verifier).event is None


@pytest.mark.parametrize(
    ("secret", "error"),
    [
        (None, SecretMissingError),
        ({}, SecretMissingError),
        ({"token": ""}, SecretMissingError),
        ({"token": "short-token"}, SecretMissingError),
    ],
)
@pytest.mark.parametrize("kind", sorted(RECEIVER_TYPES))
def test_secret_problems_fail_every_type(samples, kind, secret, error):
    sample = samples[kind]
    with pytest.raises(error):
        validate(kind, [], secret, sample.request.headers, sample.request.body)


@pytest.mark.parametrize("missing", ["email", "audience"])
def test_gcr_requires_email_and_audience_before_any_token_work(samples, missing):
    sample = samples["gcr"]
    secret = {k: v for k, v in sample.secret.items() if k != missing}
    with pytest.raises(SecretMissingError):
        run(sample, sample.with_headers(Authorization=None), secret=secret)


def test_gcr_without_verifier_is_an_auth_failure(samples):
    with pytest.raises(WebhookAuthError):
        run(samples["gcr"], verifier=None)


def test_unknown_type_is_refused(samples):
    sample = samples["generic"]
    with pytest.raises(WebhookError):
        validate("generic-oidc", [], sample.secret, {}, b"")
