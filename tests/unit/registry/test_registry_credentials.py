"""Docker config matching (Flux ``AuthFromSecret``) and certSecretRef/proxySecretRef parsing."""

from __future__ import annotations

import base64
import json

import pytest
from tagpilot.registry.auth import BasicCredentials, RegistryAuth, TLSConfig
from tagpilot.registry.credentials import (
    auth_from_secrets,
    docker_config_from_secret,
    proxy_from_secret,
    tls_from_secret,
)
from tagpilot.registry.dockerconfig import parse_docker_config, url_host
from tagpilot.registry.errors import AuthConfigError

pytestmark = pytest.mark.unit


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("key", "host"),
    [
        ("ghcr.io", "ghcr.io"),
        ("https://ghcr.io", "ghcr.io"),
        ("http://ghcr.io/", "ghcr.io"),
        ("https://index.docker.io/v1/", "index.docker.io"),
        ("docker.io", "docker.io"),
        ("localhost:5000", "localhost:5000"),
        ("127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("https://user@reg.example:443/path?x#y", "reg.example:443"),
    ],
)
def test_url_host(key: str, host: str) -> None:
    assert url_host(key) == host


@pytest.mark.parametrize("key", ["http://", "https://", "", "https:///path"])
def test_url_host_rejects_empty_hosts(key: str) -> None:
    with pytest.raises(AuthConfigError):
        url_host(key)


MATCHES = [
    # (auths key, registry looked up, expected match)
    ("https://index.docker.io/v1/", "index.docker.io", True),
    ("index.docker.io", "index.docker.io", True),
    ("docker.io", "index.docker.io", False),  # Flux: exact host only
    ("ghcr.io", "ghcr.io", True),
    ("https://ghcr.io", "ghcr.io", True),
    ("ghcr.io", "GHCR.io", False),
    ("localhost:5000", "localhost:5000", True),
    ("localhost:5000", "localhost", False),
    ("localhost", "localhost:5000", False),
]


@pytest.mark.parametrize(("key", "registry", "matches"), MATCHES)
def test_docker_config_host_matching(key: str, registry: str, matches: bool) -> None:
    config = parse_docker_config(json.dumps({"auths": {key: {"auth": _b64("u:p")}}}))
    if matches:
        assert RegistryAuth.from_docker_config(config, registry).basic == BasicCredentials("u", "p")
    else:
        with pytest.raises(AuthConfigError, match=f'auth for "{registry}" not found in secret'):
            config.lookup(registry)


@pytest.mark.parametrize(
    ("entry", "username", "password"),
    [
        ({"auth": _b64("user:pa:ss")}, "user", "pa:ss"),
        ({"auth": _b64("user:pw").rstrip("=")}, "user", "pw"),  # unpadded base64
        ({"username": "u", "password": "p"}, "u", "p"),
        ({"auth": _b64("a:b"), "username": "u", "password": "p"}, "a", "b"),  # auth wins
        ({"Username": "U", "PASSWORD": "P"}, "U", "P"),  # Go json: case-insensitive fields
    ],
)
def test_docker_config_entry_decoding(entry: dict[str, str], username: str, password: str) -> None:
    config = parse_docker_config(json.dumps({"auths": {"r.io": entry}}))
    assert config.lookup("r.io").username == username
    assert config.lookup("r.io").password == password


def test_identity_and_registry_tokens_are_kept() -> None:
    config = parse_docker_config(
        json.dumps({"Auths": {"r.io": {"identitytoken": "refresh", "registrytoken": "bearer"}}})
    )
    auth = RegistryAuth.from_docker_config(config, "r.io")
    assert (auth.basic, auth.identity_token, auth.registry_token) == (None, "refresh", "bearer")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"auths": []}', "'auths' must be an object"),
        ('{"auths": {"r.io": "x"}}', "entry 'r.io' must be an object"),
        ('{"auths": {"r.io": {"auth": "!!!"}}}', "unable to decode auth field"),
        ('{"auths": {"r.io": {"auth": "' + _b64("nocolon") + '"}}}', "base64(username:password)"),
        ('{"auths": {"r.io": {"username": 5}}}', "'username' must be a string"),
    ],
)
def test_docker_config_errors(raw: str, message: str) -> None:
    with pytest.raises(AuthConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_docker_config(raw)


def test_error_messages_do_not_leak_secrets() -> None:
    with pytest.raises(AuthConfigError) as info:
        parse_docker_config('{"auths": {"r.io": {"auth": "c2VjcmV0LXZhbHVl"}}}')  # "secret-value"
    assert "secret-value" not in str(info.value)
    assert "c2VjcmV0LXZhbHVl" not in str(info.value)


def test_repr_hides_secrets() -> None:
    auth = RegistryAuth.with_basic("user", "hunter2", tls=TLSConfig(b"CA", b"CERT", b"KEY"))
    assert "hunter2" not in repr(auth)
    assert "KEY" not in repr(auth)


def test_docker_config_from_secret_requires_key() -> None:
    with pytest.raises(AuthConfigError, match="no '.dockerconfigjson' key"):
        docker_config_from_secret({"config.json": "{}"})
    config = docker_config_from_secret({".dockerconfigjson": b'{"auths": {}}'})
    assert dict(config.auths) == {}


@pytest.mark.parametrize(
    ("data", "expected", "deprecated"),
    [
        ({"ca.crt": "CA"}, TLSConfig(b"CA"), ()),
        ({"tls.crt": b"C", "tls.key": b"K"}, TLSConfig(None, b"C", b"K"), ()),
        ({"ca.crt": "CA", "tls.crt": "C", "tls.key": "K"}, TLSConfig(b"CA", b"C", b"K"), ()),
        ({"caFile": "CA"}, TLSConfig(b"CA"), ("caFile",)),
        ({"caFile": "OLD", "ca.crt": "NEW"}, TLSConfig(b"NEW"), ()),
        ({"certFile": "C", "keyFile": "K"}, TLSConfig(None, b"C", b"K"), ("certFile", "keyFile")),
    ],
)
def test_tls_from_secret(
    data: dict[str, str | bytes], expected: TLSConfig, deprecated: tuple[str, ...]
) -> None:
    parsed = tls_from_secret(data)
    assert parsed.config == expected
    assert parsed.deprecated_keys == deprecated


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tls.crt": "C"}, "both 'tls.crt' and 'tls.key'"),
        ({"tls.key": "K"}, "both 'tls.crt' and 'tls.key'"),
        ({}, "must contain 'ca.crt'"),
        ({"ca.crt": ""}, "must contain 'ca.crt'"),
    ],
)
def test_tls_from_secret_errors(data: dict[str, str], message: str) -> None:
    with pytest.raises(AuthConfigError, match=message):
        tls_from_secret(data)


@pytest.mark.parametrize(
    ("data", "url"),
    [
        ({"address": "http://proxy:3128"}, "http://proxy:3128"),
        (
            {"address": "http://proxy:3128", "username": "u", "password": "p@ss"},
            "http://u:p%40ss@proxy:3128",
        ),
    ],
)
def test_proxy_from_secret(data: dict[str, str], url: str) -> None:
    assert proxy_from_secret(data) == url


@pytest.mark.parametrize("data", [{}, {"address": "proxy:3128"}, {"address": "socks5://p:1"}])
def test_proxy_from_secret_errors(data: dict[str, str]) -> None:
    with pytest.raises(AuthConfigError):
        proxy_from_secret(data)


def test_auth_from_secrets_combines_everything() -> None:
    auth = auth_from_secrets(
        "ghcr.io",
        docker_secret={
            ".dockerconfigjson": json.dumps({"auths": {"ghcr.io": {"auth": _b64("u:p")}}})
        },
        cert_secret={"ca.crt": "CA"},
        proxy_secret={"address": "http://proxy:8080"},
        insecure=True,
    )
    assert auth.basic == BasicCredentials("u", "p")
    assert auth.tls == TLSConfig(b"CA")
    assert auth.proxies() == {"http": "http://proxy:8080", "https": "http://proxy:8080"}
    assert auth.insecure


def test_auth_from_secrets_without_docker_secret_is_anonymous() -> None:
    auth = auth_from_secrets("ghcr.io")
    assert auth == RegistryAuth.anonymous()
    with pytest.raises(AuthConfigError, match='auth for "ghcr.io" not found in secretRef'):
        auth_from_secrets("ghcr.io", docker_secret={".dockerconfigjson": '{"auths": {}}'})
