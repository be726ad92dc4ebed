"""The Go standard-library rules the receiver reproduces (mime, url, json, time, EqualFold)."""

from __future__ import annotations

import pytest
from tagpilot.golang.json import DecodeError, decode_first, parse_value, unmarshal
from tagpilot.golang.mime import parse_media_type, parse_query
from tagpilot.golang.strings import equal_fold
from tagpilot.golang.time import is_rfc3339, parse_rfc3339

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", ("application/json", {})),
        (" APPLICATION/Json ", ("application/json", {})),
        ("application/json;charset=UTF-8", ("application/json", {"charset": "UTF-8"})),
        ('text/plain; a="b;c"; d=e', ("text/plain", {"a": "b;c", "d": "e"})),
        ('text/plain; a="x\\"y"', ("text/plain", {"a": 'x"y'})),
        ("text/plain; A=1", ("text/plain", {"a": "1"})),
        ("text/plain;", ("text/plain", {})),
        ("text", ("text", {})),
    ],
)
def test_parse_media_type(value, expected):
    assert parse_media_type(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "/json",
        "text/",
        "text/plain/x",
        "text plain",
        "text/plain; a",
        "text/plain; a=",
        'text/plain; a="unterminated',
        "text/plain; a=1; a=2",
        "text/plain; a=1 b=2",
        'text/plain; a="x\\\ny"',
    ],
)
def test_parse_media_type_errors(value):
    with pytest.raises(ValueError):
        parse_media_type(value)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"a=1&b=2&a=3", {b"a": [b"1", b"3"], b"b": [b"2"]}),
        (b"a&&b=", {b"a": [b""], b"b": [b""]}),
        (b"k%20y=v+w%2B", {b"k y": [b"v w+"]}),
        (b"a=%C3%A9", {b"a": ["é".encode()]}),
        (b"", {}),
    ],
)
def test_parse_query(query, expected):
    assert parse_query(query) == expected


@pytest.mark.parametrize("query", [b"a=%", b"a=%4", b"a=%4g", b"%zz=1", b"a=1;b=2", b"ok=1&bad=%"])
def test_parse_query_errors(query):
    with pytest.raises(ValueError):
        parse_query(query)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2026-01-01T00:00:00Z", True),
        ("2026-01-01T00:00:00.123456789Z", True),
        ("2026-01-01T00:00:00+23:59", True),
        ("0000-01-01T00:00:00Z", True),
        ("2024-02-29T00:00:00Z", True),
        ("2026-02-29T00:00:00Z", False),
        ("2026-01-01t00:00:00Z", False),
        ("2026-01-01T00:00:00z", False),
        ("2026-01-01T00:00:00", False),
        ("2026-01-01T24:00:00Z", False),
        ("2026-01-01T00:00:60Z", False),
        ("2026-01-01T00:00:00+24:00", False),
        ("2026-01-01T00:00:00.Z", False),
        ("2026-01-01T00:00:00,5Z", False),
        ("2026-1-01T00:00:00Z", False),
        ("2026-01-01T00:00:00+0100", False),
        ("２０２６-01-01T00:00:00Z", False),
    ],
)
def test_rfc3339(text, ok):
    assert is_rfc3339(text) is ok


def test_parse_rfc3339_offset():
    parsed = parse_rfc3339("2026-01-01T01:00:00+01:00")
    assert parsed is not None and parsed.timestamp() == 1767225600
    assert parse_rfc3339("0000-01-01T00:00:00Z") is None


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("Push Hook", "push hook", True),
        ("package", "PACKAGE", True),
        ("\u212a", "k", True),  # Kelvin sign folds to k in Go
        ("ſ", "S", True),  # long s folds to s in Go
        ("straße", "STRASSE", False),  # Go folds rune by rune, no ß -> ss
        ("push", "push ", False),
    ],
)
def test_equal_fold(left, right, equal):
    assert equal_fold(left, right) is equal


SCHEMA = {"push_data": {"tag": "string"}, "repository": {"repo_url": "string"}}


def test_decode_first_returns_go_values():
    decoded = decode_first(b'{"Push_Data":{"tag":"1.0"},"x":1} junk', SCHEMA, "p")
    assert decoded == {"push_data": {"tag": "1.0"}, "repository": {"repo_url": ""}}


def test_exact_key_match_wins_and_last_value_counts():
    decoded = decode_first(b'{"push_data":{"tag":"a","TAG":"b"}}', SCHEMA, "p")
    assert decoded["push_data"]["tag"] == "b"


def test_unicode_folding_matches_field_names_like_go():
    decoded = decode_first('{"puſh_data":{"tag":"x"}}'.encode(), SCHEMA, "p")
    assert decoded["push_data"]["tag"] == "x"


def test_invalid_utf8_is_replaced_not_rejected():
    decoded = decode_first(b'{"push_data":{"tag":"a\xffb"}}', SCHEMA, "p")
    assert decoded["push_data"]["tag"] == "a\ufffdb"


def test_unmarshal_rejects_trailing_data_but_decode_first_does_not():
    assert decode_first(b"{} {}", SCHEMA, "p")["push_data"] == {"tag": ""}
    with pytest.raises(DecodeError):
        unmarshal(b"{} {}", SCHEMA, "p")


@pytest.mark.parametrize("body", [b"Infinity", b'{"a": -Infinity}', b"{'a': 1}", b'{"a":1,}'])
def test_non_json_is_refused(body):
    with pytest.raises(DecodeError):
        decode_first(body, SCHEMA, "p")


def test_parse_value_is_lenient_for_hints():
    assert parse_value(b'{"a":[1,{"b":null}]}x') == {"a": [1, {"b": None}]}
    assert parse_value(b"not json") is None
