"""Pure parts of the client: Link parsing, token cache, TLS context building."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
import requests
from tagpilot.registry.auth import TLSConfig
from tagpilot.registry.client import _next_link
from tagpilot.registry.errors import AuthConfigError, MalformedResponseError
from tagpilot.registry.tls import build_ssl_context
from tagpilot.registry.tokens import TokenCache, TokenKey

from tests.support.certs import generate_pki

pytestmark = pytest.mark.unit

PAGE = "https://r.io/v2/a/tags/list?n=100"


def _response(link: str | None) -> requests.Response:
    response = requests.Response()
    if link is not None:
        response.headers["Link"] = link
    return response


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (None, None),
        ('</v2/a/tags/list?last=b&n=100>; rel="next"', "https://r.io/v2/a/tags/list?last=b&n=100"),
        (
            "<https://cdn.r.io/v2/a/tags/list?last=b>; rel=next",
            "https://cdn.r.io/v2/a/tags/list?last=b",
        ),
        ('<?last=b>; rel="next"', "https://r.io/v2/a/tags/list?last=b"),
        ('</p1>; rel="prev", </p3>; rel="next"', "https://r.io/p3"),
        ('</p3>; title="x,y"; rel="prev next"', "https://r.io/p3"),
        ('</p1>; rel="prev"', None),
    ],
)
def test_next_link(link: str | None, expected: str | None) -> None:
    assert _next_link(_response(link), PAGE) == expected


def test_next_link_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        _next_link(_response("garbage"), PAGE)


def test_token_cache_expiry_and_discard() -> None:
    cache = TokenCache(max_entries=2)
    key = TokenKey("https://auth/token", "svc", "repository:a:pull", "anonymous")
    cache.put(key, "t1", expires_at=100.0)
    assert cache.get(key, now=99.9) == "t1"
    assert cache.get(key, now=100.0) is None
    cache.put(key, "t2", expires_at=200.0)
    cache.discard(key)
    assert cache.get(key, now=0) is None


def test_token_cache_is_bounded() -> None:
    cache = TokenCache(max_entries=2)
    keys = [TokenKey("r", "s", f"repository:{i}:pull", "anonymous") for i in range(3)]
    for key in keys:
        cache.put(key, key.scope, expires_at=10.0)
    assert [cache.get(key, now=0) for key in keys] == [None, keys[1].scope, keys[2].scope]


@pytest.fixture(scope="module")
def pki():  # type: ignore[no-untyped-def]
    return generate_pki()


def test_ssl_context_with_ca_and_client_pair(pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = set(os.listdir(os.environ.get("TMPDIR", "/tmp")))
    context = build_ssl_context(TLSConfig(pki.ca.cert_pem, pki.client.cert_pem, pki.client.key_pem))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    subjects = [dict(x[0] for x in cert["subject"]) for cert in context.get_ca_certs()]
    assert {"commonName": "tagpilot test CA"} in subjects
    assert len(subjects) > 1  # system/certifi pool kept
    # The private key file exists only while OpenSSL loads it.
    after = set(os.listdir(os.environ.get("TMPDIR", "/tmp")))
    assert not [name for name in after - before if name.startswith("tagpilot-tls-")]


@pytest.mark.parametrize(
    ("field", "message"),
    [("ca", "'ca.crt' is not a valid PEM"), ("pair", "not a valid PEM certificate and key pair")],
)
def test_ssl_context_rejects_bad_pem(pki, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    if field == "ca":
        tls = TLSConfig(ca_pem=b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    else:  # a client certificate with the server's key
        tls = TLSConfig(None, pki.client.cert_pem, pki.server.key_pem)
    with pytest.raises(AuthConfigError, match=message):
        build_ssl_context(tls)
