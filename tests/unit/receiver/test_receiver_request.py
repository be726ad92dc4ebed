"""API Gateway HTTP API v2 events to WebhookRequest."""

from __future__ import annotations

import base64

import pytest
from tagpilot.receiver.errors import RequestError
from tagpilot.receiver.request import Headers, from_apigw_v2

pytestmark = pytest.mark.unit


def event(**changes):
    base = {
        "version": "2.0",
        "rawPath": "/hook/abc",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-hub-signature-256": "sha256=00"},
        "requestContext": {"http": {"method": "POST"}, "stage": "$default"},
        "body": '{"a":"é"}',
        "isBase64Encoded": False,
    }
    base.update(changes)
    return base


def test_plain_body_is_utf8_bytes_and_headers_are_case_insensitive():
    request = from_apigw_v2(event())
    assert request.body == '{"a":"é"}'.encode()
    assert request.headers.get("X-Hub-Signature-256") == "sha256=00"
    assert request.headers.get("CONTENT-TYPE") == "application/json"
    assert request.headers.get("X-Missing") == ""
    assert (request.method, request.path, request.query) == ("POST", "/hook/abc", "")


def test_base64_body_is_decoded_to_the_exact_bytes():
    raw = b"\x00\xff{binary}"
    request = from_apigw_v2(event(body=base64.b64encode(raw).decode(), isBase64Encoded=True))
    assert request.body == raw


def test_invalid_base64_is_a_request_error():
    with pytest.raises(RequestError):
        from_apigw_v2(event(body="not base64!", isBase64Encoded=True))


@pytest.mark.parametrize("body", [None, ""])
def test_absent_body_is_empty(body):
    assert from_apigw_v2(event(body=body)).body == b""


def test_query_string_is_kept_for_the_404_rule():
    assert from_apigw_v2(event(rawQueryString="a=1")).query == "a=1"


@pytest.mark.parametrize(
    ("stage", "raw_path", "expected"),
    [
        ("$default", "/hook/abc", "/hook/abc"),
        ("prod", "/prod/hook/abc", "/hook/abc"),
        ("prod", "/hook/abc", "/hook/abc"),
        ("prod", "/production/hook/abc", "/production/hook/abc"),
    ],
)
def test_named_stage_prefix_is_removed(stage, raw_path, expected):
    context = {"http": {"method": "POST"}, "stage": stage}
    assert from_apigw_v2(event(rawPath=raw_path, requestContext=context)).path == expected


def test_comma_joined_repeated_headers_are_kept_whole():
    request = from_apigw_v2(event(headers={"x-signature": "sha256=aa,sha256=bb"}))
    assert request.headers.get("x-signature") == "sha256=aa,sha256=bb"


def test_method_is_upper_cased():
    context = {"http": {"method": "get"}, "stage": "$default"}
    assert from_apigw_v2(event(requestContext=context)).method == "GET"


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "1.0"},
        {"rawPath": None},
        {"requestContext": {}},
        {"headers": {"a": 1}},
        {"body": 5},
    ],
)
def test_malformed_events_are_refused(changes):
    with pytest.raises(RequestError):
        from_apigw_v2(event(**changes))


def test_headers_mapping_first_of_case_duplicates_wins():
    headers = Headers.of({"X-A": "1", "x-a": "2"})
    assert headers.get("x-A") == "1" and len(headers) == 1 and "x-a" in headers
