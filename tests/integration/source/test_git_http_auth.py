"""HTTP(S) transports against a real ``git http-backend``: credentials, bearer tokens, TLS."""

from __future__ import annotations

import pytest
from tagpilot.source.auth import GitAuth
from tagpilot.source.errors import (
    AuthenticationError,
    GitTransportError,
    InvalidAuthError,
    RepositoryNotFoundError,
)
from tagpilot.source.fetch import fetch_branch, ls_remote
from tagpilot.source.remote import open_remote

from tests.support import gitfixtures
from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration

FILES = {"deploy.yaml": b"image: app:1\n"}


@pytest.fixture
def basic_server():
    with GitServer(username="bot", password="s3cret") as server:
        server.create_repo("app.git", FILES)
        yield server


@pytest.fixture
def bearer_server():
    with GitServer(bearer_token="tok-123") as server:
        server.create_repo("app.git", FILES)
        yield server


def test_basic_auth_with_good_credentials_fetches(basic_server: GitServer) -> None:
    auth = GitAuth.from_secret({"username": b"bot", "password": b"s3cret"})
    with open_remote(basic_server.url_for("app.git"), auth, timeout=10) as remote:
        checkout = fetch_branch(remote, "main")
    head = gitfixtures.rev_parse(basic_server.repo_path("app.git"), "main")
    assert checkout.commit_id.decode() == head
    assert dict(checkout.iter_files("", lambda n: True)) == FILES
    assert {r.user for r in basic_server.requests} == {"bot"}


@pytest.mark.parametrize(
    "secret",
    [
        {"username": b"bot", "password": b"wrong"},
        {"username": b"eve", "password": b"s3cret"},
        {},
    ],
    ids=["bad-password", "bad-user", "anonymous"],
)
def test_basic_auth_refused_is_typed(basic_server: GitServer, secret: dict[str, bytes]) -> None:
    with (
        open_remote(basic_server.url_for("app.git"), GitAuth.from_secret(secret), 10) as remote,
        pytest.raises(AuthenticationError) as info,
    ):
        ls_remote(remote)
    assert "wrong" not in str(info.value) and "s3cret" not in str(info.value)


def test_credentials_in_url_are_used_but_not_shown(basic_server: GitServer) -> None:
    url = basic_server.url_for("app.git").replace("http://", "http://bot:s3cret@")
    with open_remote(url, None, 10) as remote:
        assert "s3cret" not in remote.url
        refs = ls_remote(remote)
    assert b"refs/heads/main" in refs


def test_bearer_token(bearer_server: GitServer) -> None:
    with open_remote(bearer_server.url_for("app.git"), GitAuth(bearer_token="tok-123"), 10) as r:
        assert b"refs/heads/main" in ls_remote(r)
    with (
        open_remote(bearer_server.url_for("app.git"), GitAuth(bearer_token="nope"), 10) as r,
        pytest.raises(AuthenticationError),
    ):
        ls_remote(r)


def test_bearer_token_wins_over_basic_credentials(bearer_server: GitServer) -> None:
    secret = {"bearerToken": b"tok-123", "username": b"bot", "password": b"x"}
    with open_remote(bearer_server.url_for("app.git"), GitAuth.from_secret(secret), 10) as r:
        assert b"refs/heads/main" in ls_remote(r)


def test_password_without_username_is_invalid() -> None:
    with pytest.raises(InvalidAuthError):
        open_remote("https://example.com/repo.git", GitAuth(password="x"), 10)


def test_https_with_custom_ca() -> None:
    with GitServer(tls=True) as server:
        server.create_repo("app.git", FILES)
        assert server.ca_pem is not None
        trusted = GitAuth.from_secret({"ca.crt": server.ca_pem})
        with open_remote(server.url_for("app.git"), trusted, 10) as remote:
            assert fetch_branch(remote, "main").commit_id
        # Without the CA the certificate is not trusted: verification is always on.
        with (
            open_remote(server.url_for("app.git"), GitAuth(), 10) as remote,
            pytest.raises(GitTransportError),
        ):
            ls_remote(remote)


def test_missing_repository_is_typed(git_server: GitServer) -> None:
    with (
        open_remote(git_server.url_for("nope.git"), None, 10) as remote,
        pytest.raises(RepositoryNotFoundError),
    ):
        ls_remote(remote)


def test_connection_refused_is_a_transport_error() -> None:
    with GitServer() as server:
        url = server.url_for("app.git")
    with open_remote(url, None, 2) as remote, pytest.raises(GitTransportError):
        ls_remote(remote)
