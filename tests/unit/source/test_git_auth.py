"""GitAuth from Flux GitRepository secrets, SSH key and known_hosts parsing."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from tagpilot.source.auth import GitAuth
from tagpilot.source.errors import InvalidAuthError
from tagpilot.source.ssh import load_private_key, parse_known_hosts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ({}, GitAuth()),
        (
            {"username": b"git", "password": b"pw"},
            GitAuth(username="git", password="pw"),
        ),
        ({"bearerToken": b"tok"}, GitAuth(bearer_token="tok")),
        ({"ca.crt": b"CA1", "caFile": b"CA2"}, GitAuth(ca_bundle=b"CA1")),
        ({"caFile": b"CA2"}, GitAuth(ca_bundle=b"CA2")),
        (
            {"identity": b"KEY", "known_hosts": b"KH", "password": b"kp"},
            GitAuth(password="kp", ssh_identity=b"KEY", ssh_password="kp", known_hosts=b"KH"),
        ),
        ({"unrelated": b"x"}, GitAuth()),
    ],
)
def test_from_secret(secret: dict[str, bytes], expected: GitAuth) -> None:
    assert GitAuth.from_secret(secret) == expected


def test_repr_hides_secrets() -> None:
    auth = GitAuth.from_secret(
        {"username": b"u", "password": b"hunter2", "bearerToken": b"tok9", "identity": b"PRIV"}
    )
    text = repr(auth)
    assert "hunter2" not in text and "tok9" not in text and "PRIV" not in text


def test_non_utf8_value_is_typed() -> None:
    with pytest.raises(InvalidAuthError, match="password"):
        GitAuth.from_secret({"password": b"\xff\xfe"})


def _openssh(key: object, password: bytes | None = None) -> bytes:
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, enc
    )


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: ed25519.Ed25519PrivateKey.generate(), "ssh-ed25519"),
        (lambda: ec.generate_private_key(ec.SECP256R1()), "ecdsa-sha2-nistp256"),
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "ssh-rsa"),
    ],
)
def test_load_private_key_types(make: object, name: str) -> None:
    key = load_private_key(_openssh(make()), None)  # type: ignore[operator]
    assert key.get_name() == name


def test_load_encrypted_private_key() -> None:
    data = _openssh(ed25519.Ed25519PrivateKey.generate(), b"pass")
    assert load_private_key(data, "pass").get_name() == "ssh-ed25519"
    with pytest.raises(InvalidAuthError, match="no password"):
        load_private_key(data, None)
    with pytest.raises(InvalidAuthError):
        load_private_key(data, "wrong")


def test_load_garbage_key() -> None:
    with pytest.raises(InvalidAuthError):
        load_private_key(b"-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n", None)


def _pub() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def test_parse_known_hosts_forms() -> None:
    a, b = _pub(), _pub()
    data = (
        f"# comment\n\ngithub.com,140.82.1.1 {a}\n[127.0.0.1]:2222 {b}\n@revoked * {a}\n".encode()
    )
    keys = parse_known_hosts(data)
    assert keys.lookup("github.com") is not None
    assert keys.lookup("140.82.1.1") is not None
    assert keys.lookup("[127.0.0.1]:2222") is not None
    assert keys.lookup("127.0.0.1") is None


def test_parse_known_hosts_hashed() -> None:
    import paramiko

    hashed = paramiko.HostKeys.hash_host("gitlab.com")
    keys = parse_known_hosts(f"{hashed} {_pub()}\n".encode())
    assert keys.lookup("gitlab.com") is not None
    assert keys.lookup("github.com") is None


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"host not-a-key\n"])
def test_parse_known_hosts_empty(data: bytes) -> None:
    with pytest.raises(InvalidAuthError):
        parse_known_hosts(data)
