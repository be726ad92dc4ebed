"""Type-specific validation rules (reference §3.2 to §3.12) beyond the cross-type matrix."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote_plus

import pytest
from tagpilot.receiver.errors import EventNotAcceptedError, PayloadError, WebhookAuthError
from tagpilot.receiver.validate import validate

pytestmark = pytest.mark.unit

WRONG_TOKEN = "f" * 64


def run(sample, request=None, *, events=None):
    request = request or sample.request
    return validate(
        sample.receiver.spec.type,
        sample.receiver.spec.events if events is None else events,
        sample.secret,
        request.headers,
        request.body,
    )


def with_body(sample, body, request=None):
    request = request or sample.request
    return type(request)(request.method, request.path, "", request.headers, body)


# -- generic-hmac: go-github ValidateSignature ---------------------------------------------------


@pytest.mark.parametrize(
    ("make_header", "ok"),
    [
        (lambda mac: "sha1=" + mac("sha1"), True),
        (lambda mac: "sha256=" + mac("sha256"), True),
        (lambda mac: "sha512=" + mac("sha512"), True),
        (lambda mac: "sha256=" + mac("sha256").upper(), True),
        (lambda mac: "SHA256=" + mac("sha256"), False),
        (lambda mac: "md5=" + mac("md5"), False),
        (lambda mac: "sha256" + mac("sha256"), False),
        (lambda mac: "sha256=" + mac("sha256")[:-1], False),
        (lambda mac: "sha256= " + mac("sha256"), False),
        (lambda mac: "sha1=" + mac("sha256"), False),
        (lambda mac: "sha256=", False),
    ],
)
def test_generic_hmac_signature_formats(samples, make_header, ok):
    sample = samples["generic-hmac"]

    def mac(algo):
        return hmac.new(sample.token.encode(), sample.request.body, algo).hexdigest()

    request = sample.with_headers(X_Signature=make_header(mac))
    if ok:
        assert run(sample, request).receiver_type == "generic-hmac"
    else:
        with pytest.raises(WebhookAuthError):
            run(sample, request)


# -- github / bitbucket: go-github ValidatePayload ------------------------------------------------


def _hub_sig(token, body, algo="sha256"):
    return f"{algo}=" + hmac.new(token.encode(), body, algo).hexdigest()


def test_github_does_not_fall_back_to_sha1_when_sha256_is_wrong(samples):
    sample = samples["github"]
    request = sample.with_headers(
        X_Hub_Signature_256=_hub_sig(WRONG_TOKEN, sample.request.body),
        X_Hub_Signature=_hub_sig(sample.token, sample.request.body, "sha1"),
    )
    with pytest.raises(WebhookAuthError):
        run(sample, request)


def test_github_accepts_sha1_alone(samples):
    sample = samples["github"]
    request = sample.with_headers(
        X_Hub_Signature_256=None,
        X_Hub_Signature=_hub_sig(sample.token, sample.request.body, "sha1"),
    )
    assert run(sample, request).event == "package"


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/json", True),
        ("Application/JSON", True),
        ("application/json; charset=utf-8", True),
        ('application/json; charset="utf-8"', True),
        ("application/json;", True),
        (None, False),
        ("", False),
        ("text/plain", False),
        ("application/json; charset", False),
        ("application/json; a=1; a=2", False),
        ("application/json/x", False),
        ("application/vnd.github+json", False),
    ],
)
def test_github_content_type(samples, content_type, ok):
    sample = samples["github"]
    request = sample.with_headers(Content_Type=content_type)
    if ok:
        assert run(sample, request).event == "package"
    else:
        with pytest.raises(PayloadError):
            run(sample, request)


def _form_request(sample, form: bytes):
    request = sample.with_headers(
        Content_Type="application/x-www-form-urlencoded",
        X_Hub_Signature_256=_hub_sig(sample.token, form),
        X_Hub_Signature=None,
    )
    return with_body(sample, form, request)


def test_github_form_delivery_extracts_the_payload_field(samples):
    sample = samples["github"]
    form = b"payload=" + quote_plus(sample.request.body.decode()).encode()
    event = run(sample, _form_request(sample, form))
    assert event.action == "published"
    assert "1.4.2" in {hint.tag for hint in event.images}


@pytest.mark.parametrize("form", [b"payload=%zz", b"payload=%4", b"a=1;b=2"])
def test_github_malformed_form_is_refused_even_when_signed(samples, form):
    sample = samples["github"]
    with pytest.raises(PayloadError):
        run(sample, _form_request(sample, form))


def test_bitbucket_uses_x_event_key(samples):
    sample = samples["bitbucket"]
    assert run(sample).event == "repo:refs_changed"
    with pytest.raises(EventNotAcceptedError):
        run(sample, sample.with_headers(X_Event_Key="diagnostics:ping"))


# -- gitlab / harbor -----------------------------------------------------------------------------


def test_gitlab_token_is_not_trimmed(samples):
    sample = samples["gitlab"]
    with pytest.raises(WebhookAuthError):
        run(sample, sample.with_headers(X_Gitlab_Token=sample.token + " "))


def test_harbor_compares_the_whole_authorization_value(samples):
    sample = samples["harbor"]
    with pytest.raises(WebhookAuthError):
        run(sample, sample.with_headers(Authorization="Bearer " + sample.token))


def test_harbor_does_not_read_the_body(samples):
    sample = samples["harbor"]
    request = with_body(sample, b"\xff")
    assert run(sample, request).images == ()


# -- nexus ---------------------------------------------------------------------------------------


def _nexus_request(sample, body: bytes, signature: str):
    return with_body(sample, body, sample.with_headers(X_Nexus_Webhook_Signature=signature))


@pytest.mark.parametrize(
    ("transform", "ok"),
    [
        (lambda hexmac: hexmac, True),
        (lambda hexmac: hexmac.upper(), False),
        (lambda hexmac: "sha1=" + hexmac, False),
    ],
)
def test_nexus_signature_is_exact_lowercase_hex(samples, transform, ok):
    sample = samples["nexus"]
    body = sample.request.body
    hexmac = hmac.new(sample.token.encode(), body, hashlib.sha1).hexdigest()
    request = _nexus_request(sample, body, transform(hexmac))
    if ok:
        assert run(sample, request).action == "CREATED"
    else:
        with pytest.raises(WebhookAuthError):
            run(sample, request)


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (b'{"action":"CREATED"} ', True),
        (b'{"action":"CREATED"} x', False),
        (b'{"action":"CREATED"}{}', False),
        (b'{"action":1}', False),
        (b"", False),
    ],
)
def test_nexus_body_is_strictly_unmarshalled(samples, body, ok):
    sample = samples["nexus"]
    hexmac = hmac.new(sample.token.encode(), body, hashlib.sha1).hexdigest()
    request = _nexus_request(sample, body, hexmac)
    if ok:
        assert run(sample, request).receiver_type == "nexus"
    else:
        with pytest.raises(PayloadError):
            run(sample, request)


# -- dockerhub / quay / acr: json.Decoder rules -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "ok"),
    [
        ("dockerhub", b'{"push_data":{"tag":"1"}} trailing garbage', True),
        ("dockerhub", b"null", True),
        ("dockerhub", b'  \n{"unknown": [1, {"x": null}]}', True),
        ("dockerhub", b'{"PUSH_DATA":{"TAG":"1"}}', True),
        ("dockerhub", b'{"PUSH_DATA":{"TAG":1}}', False),
        ("dockerhub", b'{"push_data":{"tag":1}}', False),
        ("dockerhub", b'{"push_data":"x"}', False),
        ("dockerhub", b'{"push_data":{"tag":"1"},"push_data":{"tag":false}}', False),
        ("dockerhub", b'{"push_data":{"tag":null}}', True),
        ("dockerhub", b"[]", False),
        ("dockerhub", b'"text"', False),
        ("dockerhub", b"", False),
        ("dockerhub", b" \r\n\t", False),
        ("dockerhub", b'{"x": NaN}', False),
        ("dockerhub", b"\xef\xbb\xbf{}", False),
        ("quay", b'{"updated_tags":["a",null]}', True),
        ("quay", b'{"updated_tags":{"a":"sha"}}', False),
        ("quay", b'{"updated_tags":[1]}', False),
        ("quay", b'{"docker_url":null,"updated_tags":null}', True),
        ("acr", b'{"action":"push","target":{"repository":"a","tag":"b"}}', True),
        ("acr", b'{"target":"a"}', False),
        ("acr", b'{"target":{"tag":["b"]}}', False),
    ],
)
def test_decoded_bodies_follow_go_json_decoder_rules(samples, kind, body, ok):
    sample = samples[kind]
    request = with_body(sample, body)
    if ok:
        assert run(sample, request).receiver_type == kind
    else:
        with pytest.raises(PayloadError):
            run(sample, request)


def test_deeply_nested_body_is_a_payload_error_not_a_crash(samples):
    sample = samples["dockerhub"]
    body = b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    request = with_body(sample, body)
    with pytest.raises(PayloadError):
        run(sample, request)


# -- cdevents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["context"].pop("id"),
        lambda e: e["context"].update(type="com.example.push"),
        lambda e: e["context"].update(timestamp="yesterday"),
        lambda e: e["context"].pop("specversion"),
        lambda e: e["context"].update(specversion="v1"),
        lambda e: e.pop("subject"),
        lambda e: e["subject"].update(content="x"),
    ],
)
def test_cdevents_minimal_schema(samples, mutate):
    sample = samples["cdevents"]
    event = json.loads(sample.request.body)
    mutate(event)
    body = json.dumps(event).encode()
    request = with_body(sample, body)
    with pytest.raises(PayloadError):
        run(sample, request)


def test_cdevents_accepts_spec_0_4_version_key(samples):
    sample = samples["cdevents"]
    event = json.loads(sample.request.body)
    event["context"]["version"] = event["context"].pop("specversion")
    body = json.dumps(event).encode()
    request = with_body(sample, body)
    assert run(sample, request).action == "dev.cdevents.artifact.published.0.2.0"
