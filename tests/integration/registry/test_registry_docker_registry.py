"""The registry client against a real docker-registry (distribution 2.8)."""

from __future__ import annotations

import time

import pytest
import requests
from tagpilot.registry.auth import RegistryAuth, TLSConfig
from tagpilot.registry.challenge import Challenge
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.errors import (
    ManifestNotFoundError,
    RegistryConnectionError,
    RepositoryNotFoundError,
    UnauthorizedError,
)
from tagpilot.registry.names import parse_image_reference
from tagpilot.registry.tokens import TokenCache, fetch_token
from tagpilot.registry.transport import Deadline

from tests.support.certs import TestPKI, generate_pki
from tests.support.registry import (
    DOCKER_MANIFEST,
    OCI_MANIFEST,
    RegistryServer,
    push_image,
    seed_tags,
)
from tests.support.registry import (
    TEST_USERS as USERS,
)
from tests.support.tokenissuer import TokenIssuer

pytestmark = pytest.mark.integration

ANON = RegistryAuth.anonymous(insecure=True)
ALICE = RegistryAuth.with_basic("alice", USERS["alice"], insecure=True)


@pytest.mark.parametrize("media_type", [OCI_MANIFEST, DOCKER_MANIFEST])
def test_anonymous_list_and_digest(
    plain_registry: RegistryServer, client: RegistryClient, media_type: str
) -> None:
    repo = f"anon/{media_type.rsplit('.', 2)[-2]}"
    digest_a = push_image(plain_registry.url, repo, ["1.0.0", "latest"], media_type=media_type)
    digest_b = push_image(plain_registry.url, repo, ["2.0.0"], media_type=media_type, variant="b")
    name = parse_image_reference(f"{plain_registry.host}/{repo}")

    assert sorted(client.list_tags(name, ANON, 10)) == ["1.0.0", "2.0.0", "latest"]
    assert client.head_digest(name, "1.0.0", ANON, 10) == digest_a
    assert client.head_digest(name, "2.0.0", ANON, 10) == digest_b
    assert digest_a != digest_b


def test_unknown_repository_and_tag(plain_registry: RegistryServer, client: RegistryClient) -> None:
    push_image(plain_registry.url, "known/app", ["v1"])
    with pytest.raises(RepositoryNotFoundError) as info:
        client.list_tags(parse_image_reference(f"{plain_registry.host}/missing/app"), ANON, 10)
    assert info.value.status == 404
    assert info.value.codes == ("NAME_UNKNOWN",)
    assert "NAME_UNKNOWN: repository name not known to registry" in str(info.value)
    with pytest.raises(ManifestNotFoundError):
        client.head_digest(
            parse_image_reference(f"{plain_registry.host}/known/app"), "v2", ANON, 10
        )


def test_emptied_repository_lists_no_tags(
    plain_registry: RegistryServer, client: RegistryClient
) -> None:
    digest = push_image(plain_registry.url, "emptied/app", ["v1"])
    resp = requests.delete(f"{plain_registry.url}/v2/emptied/app/manifests/{digest}", timeout=10)
    assert resp.status_code == 202
    assert (
        client.list_tags(parse_image_reference(f"{plain_registry.host}/emptied/app"), ANON, 10)
        == []
    )


def test_https_is_used_without_insecure(
    plain_registry: RegistryServer, client: RegistryClient
) -> None:
    # Plain-HTTP server, no insecure flag: tagpilot speaks TLS and fails (ggcr would use http).
    name = parse_image_reference(f"{plain_registry.host}/anon/app")
    with pytest.raises(RegistryConnectionError):
        client.list_tags(name, RegistryAuth.anonymous(), 10)


def test_htpasswd_basic_auth(htpasswd_registry: RegistryServer, client: RegistryClient) -> None:
    push_image(htpasswd_registry.url, "private/app", ["v1", "v2"], auth=("alice", USERS["alice"]))
    name = parse_image_reference(f"{htpasswd_registry.host}/private/app")

    assert sorted(client.list_tags(name, ALICE, 10)) == ["v1", "v2"]
    assert client.head_digest(name, "v2", ALICE, 10).startswith("sha256:")

    bad = RegistryAuth.with_basic("alice", "wrong-password", insecure=True)
    with pytest.raises(UnauthorizedError) as info:
        client.list_tags(name, bad, 10)
    assert "wrong-password" not in str(info.value)
    assert info.value.status == 401
    with pytest.raises(UnauthorizedError):
        client.list_tags(name, ANON, 10)


def test_tls_with_test_ca(
    tls_registry: RegistryServer, pki: TestPKI, client: RegistryClient
) -> None:
    push_image(tls_registry.url, "secure/app", ["v1"], session=tls_registry.session())
    name = parse_image_reference(f"{tls_registry.host}/secure/app")
    auth = RegistryAuth.anonymous(tls=TLSConfig(ca_pem=pki.ca.cert_pem))
    assert client.list_tags(name, auth, 10) == ["v1"]

    with pytest.raises(RegistryConnectionError) as info:
        client.list_tags(name, RegistryAuth.anonymous(), 10)
    assert "certificate verification failed" in str(info.value)
    assert info.value.reason == "certificate verification failed"

    other_ca = generate_pki("another CA").ca.cert_pem
    with pytest.raises(RegistryConnectionError):
        client.list_tags(name, RegistryAuth.anonymous(tls=TLSConfig(ca_pem=other_ca)), 10)


def test_tls_client_certificate(
    mtls_registry: RegistryServer, pki: TestPKI, client: RegistryClient
) -> None:
    push_image(mtls_registry.url, "mtls/app", ["v1"], session=mtls_registry.session())
    name = parse_image_reference(f"{mtls_registry.host}/mtls/app")
    with_cert = TLSConfig(pki.ca.cert_pem, pki.client.cert_pem, pki.client.key_pem)
    assert client.list_tags(name, RegistryAuth.anonymous(tls=with_cert), 10) == ["v1"]

    with pytest.raises(RegistryConnectionError):
        client.list_tags(name, RegistryAuth.anonymous(tls=TLSConfig(ca_pem=pki.ca.cert_pem)), 10)


def test_bearer_token_flow_and_cache(
    token_registry: RegistryServer, token_issuer: TokenIssuer
) -> None:
    push_image(token_registry.url, "tok/app", ["v1", "v2", "v3"], auth=("alice", USERS["alice"]))
    name = parse_image_reference(f"{token_registry.host}/tok/app")
    cache = TokenCache()
    with requests.Session() as session:
        client = RegistryClient(session, token_cache=cache)
        before = token_issuer.hits
        assert sorted(client.list_tags(name, ALICE, 10)) == ["v1", "v2", "v3"]
        assert token_issuer.hits == before + 1
        last = token_issuer.requests[-1]
        assert last["query"] == {
            "service": [token_issuer.service],
            "scope": ["repository:tok/app:pull"],
        }
        assert last["auth"] is True

        # Cached token: neither a second listing nor a digest lookup asks the issuer again.
        assert len(client.list_tags(name, ALICE, 10)) == 3
        assert client.head_digest(name, "v1", ALICE, 10).startswith("sha256:")
        assert token_issuer.hits == before + 1

        # Another identity gets its own token; anonymous pull is allowed by the issuer.
        assert len(client.list_tags(name, ANON, 10)) == 3
        assert token_issuer.hits == before + 2

        bad = RegistryAuth.with_basic("alice", "nope", insecure=True)
        with pytest.raises(UnauthorizedError) as info:
            client.list_tags(name, bad, 10)
        assert "token request" in str(info.value)
        assert "nope" not in str(info.value)


def test_bearer_token_credentials_never_sent_to_http_realm_without_insecure(
    token_registry: RegistryServer, pki: TestPKI
) -> None:
    # The client refuses before any request when the realm is plain HTTP and insecure is off.

    challenge = Challenge("bearer", {"realm": "http://127.0.0.1:9/token"})
    with pytest.raises(UnauthorizedError, match="plain-HTTP token realm"):
        fetch_token(
            requests.Session(),
            challenge,
            ["repository:a:pull"],
            basic=ALICE.basic,
            identity_token=None,
            deadline=Deadline(5, time.monotonic),
            allow_http=False,
            proxies=None,
        )


def test_identity_token_falls_back_to_get(
    token_registry: RegistryServer, token_issuer: TokenIssuer
) -> None:
    # The issuer has no OAuth2 endpoint (POST -> 404): the client retries with GET, like ggcr.
    push_image(token_registry.url, "oauth/app", ["v1"], auth=("alice", USERS["alice"]))
    auth = RegistryAuth(identity_token="refresh-token", insecure=True)
    name = parse_image_reference(f"{token_registry.host}/oauth/app")
    before = token_issuer.hits
    with requests.Session() as session:
        assert RegistryClient(session).list_tags(name, auth, 10) == ["v1"]
    assert token_issuer.hits == before + 2


def test_list_10000_tags(plain_registry: RegistryServer, client: RegistryClient) -> None:
    digest = push_image(plain_registry.url, "bench/app", ["seed"])
    seed_tags(plain_registry, "bench/app", [f"1.{i // 100}.{i % 100}" for i in range(9999)], "seed")
    name = parse_image_reference(f"{plain_registry.host}/bench/app")
    tags = client.list_tags(name, ANON, 30)  # timed in bench/scan, not here
    assert len(tags) == 10000
    assert client.head_digest(name, "1.99.98", ANON, 10) == digest
