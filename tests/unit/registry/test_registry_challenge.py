"""``WWW-Authenticate`` parsing and ``Retry-After`` parsing."""

from __future__ import annotations

import pytest
from tagpilot.registry.challenge import Challenge, parse_www_authenticate
from tagpilot.registry.retryafter import parse_retry_after

pytestmark = pytest.mark.unit

CHALLENGES = [
    (
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/alpine:pull"',
        [
            Challenge(
                "bearer",
                {
                    "realm": "https://auth.docker.io/token",
                    "service": "registry.docker.io",
                    "scope": "repository:library/alpine:pull",
                },
            )
        ],
    ),
    (
        'Bearer realm="https://ghcr.io/token",scope="repository:a/b:pull,push",service="ghcr.io"',
        [
            Challenge(
                "bearer",
                {
                    "realm": "https://ghcr.io/token",
                    "scope": "repository:a/b:pull,push",
                    "service": "ghcr.io",
                },
            )
        ],
    ),
    (
        'Basic realm="https://123.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
        [
            Challenge(
                "basic",
                {
                    "realm": "https://123.dkr.ecr.us-east-1.amazonaws.com/",
                    "service": "ecr.amazonaws.com",
                },
            )
        ],
    ),
    ('basic realm="Registry Realm"', [Challenge("basic", {"realm": "Registry Realm"})]),
    (
        'Bearer realm="https://a/t", Basic realm="x"',
        [Challenge("bearer", {"realm": "https://a/t"}), Challenge("basic", {"realm": "x"})],
    ),
    (
        'Basic realm="x", Bearer realm="https://a/t",service="s"',
        [
            Challenge("basic", {"realm": "x"}),
            Challenge("bearer", {"realm": "https://a/t", "service": "s"}),
        ],
    ),
    (
        'Bearer  Realm = "q\\"uote" , service=plain',
        [Challenge("bearer", {"realm": 'q"uote', "service": "plain"})],
    ),
    ("Negotiate", [Challenge("negotiate", {})]),
    ("Negotiate, Basic realm=r", [Challenge("negotiate", {}), Challenge("basic", {"realm": "r"})]),
    (
        'Bearer error="insufficient_scope",realm="https://a/t"',
        [Challenge("bearer", {"error": "insufficient_scope", "realm": "https://a/t"})],
    ),
    ("", []),
    ('Bearer realm="unterminated', [Challenge("bearer", {"realm": "unterminated"})]),
]


@pytest.mark.parametrize(("header", "expected"), CHALLENGES)
def test_parse_www_authenticate(header: str, expected: list[Challenge]) -> None:
    assert parse_www_authenticate(header) == expected


def test_challenge_get_is_case_insensitive() -> None:
    (challenge,) = parse_www_authenticate('Bearer REALM="r"')
    assert challenge.get("Realm") == "r"
    assert challenge.get("service", "none") == "none"


NOW = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wednesday, 21-Oct-15 07:29:00 GMT", 60.0),
        ("Wed Oct 21 07:28:10 2015", 10.0),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # past date: retry now
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=lambda: NOW) == expected
