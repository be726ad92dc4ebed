"""SSH transport (Paramiko vendor) against Debian's real ``sshd`` with strict host keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from tagpilot.source.auth import GitAuth
from tagpilot.source.commit import Signature, commit_files
from tagpilot.source.errors import (
    AuthenticationError,
    HostKeyMismatchError,
    InvalidAuthError,
    UnknownHostKeyError,
)
from tagpilot.source.fetch import fetch_branch, ls_remote
from tagpilot.source.push import push
from tagpilot.source.remote import open_remote

from tests.support import gitfixtures
from tests.support.sshserver import SSHServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ssh_server() -> Iterator[SSHServer]:
    with SSHServer() as server:
        bare = server.root / "app.git"
        gitfixtures.init_bare(bare)
        gitfixtures.commit_files(bare, {"deploy.yaml": b"image: app:1\n"})
        yield server


def _other_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def test_fetch_and_push_over_ssh(ssh_server: SSHServer) -> None:
    bare = ssh_server.root / "app.git"
    auth = GitAuth.from_secret(
        {"identity": ssh_server.client_key, "known_hosts": ssh_server.known_hosts}
    )
    with open_remote(ssh_server.url_for("app.git"), auth, timeout=10) as remote:
        checkout = fetch_branch(remote, "main")
        assert dict(checkout.iter_files("", lambda n: True)) == {"deploy.yaml": b"image: app:1\n"}
        commit = commit_files(
            checkout,
            "",
            {"deploy.yaml": b"image: app:2\n"},
            Signature("bot", "bot@example.com"),
            "update",
            None,
            datetime(2024, 1, 1, tzinfo=UTC),
        )
        push(remote, checkout, commit, "main")
    assert gitfixtures.rev_parse(bare, "main") == commit.decode()
    assert gitfixtures.read_file(bare, "main", "deploy.yaml") == b"image: app:2\n"


def test_scp_like_url(ssh_server: SSHServer) -> None:
    auth = GitAuth(ssh_identity=ssh_server.client_key, known_hosts=ssh_server.known_hosts)
    # scp-like syntax has no port: point known_hosts and the port through an ssh:// URL instead
    # when the port is not 22; here we only check the URL is accepted and parsed to SSH.
    remote = open_remote(f"{ssh_server.user}@127.0.0.1:{ssh_server.root / 'app.git'}", auth, 2)
    assert remote.url.startswith("ssh://")
    remote.close()


def test_mismatched_host_key_is_refused(ssh_server: SSHServer) -> None:
    wrong = f"[127.0.0.1]:{ssh_server.port} {_other_public_key()}\n".encode()
    auth = GitAuth(ssh_identity=ssh_server.client_key, known_hosts=wrong)
    with (
        open_remote(ssh_server.url_for("app.git"), auth, 10) as remote,
        pytest.raises(HostKeyMismatchError),
    ):
        ls_remote(remote)


def test_unknown_host_is_refused(ssh_server: SSHServer) -> None:
    # A key for the right host but another port does not make this server known.
    other = f"[127.0.0.1]:1 {ssh_server.host_public}\n".encode()
    auth = GitAuth(ssh_identity=ssh_server.client_key, known_hosts=other)
    with (
        open_remote(ssh_server.url_for("app.git"), auth, 10) as remote,
        pytest.raises(UnknownHostKeyError),
    ):
        ls_remote(remote)


def test_unauthorised_client_key_is_refused(ssh_server: SSHServer) -> None:
    stranger = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    auth = GitAuth(ssh_identity=stranger, known_hosts=ssh_server.known_hosts)
    with (
        open_remote(ssh_server.url_for("app.git"), auth, 10) as remote,
        pytest.raises(AuthenticationError),
    ):
        ls_remote(remote)


@pytest.mark.parametrize(
    "secret",
    [{"identity": b"k"}, {"known_hosts": b"h ssh-ed25519 AAAA"}, {}],
    ids=["no-known-hosts", "no-identity", "empty"],
)
def test_ssh_requires_identity_and_known_hosts(
    ssh_server: SSHServer, secret: dict[str, bytes]
) -> None:
    with pytest.raises(InvalidAuthError):
        open_remote(ssh_server.url_for("app.git"), GitAuth.from_secret(secret), 10)
