"""Deadlines that hold: a registry or Git server that trickles its answer one byte at a time ends
the operation at its timeout (connect, status line, headers and body together), and an enclosing
deadline (a Lambda invocation's remaining time) shortens it.

The peers below would keep a plain per-read timeout waiting for minutes (each byte arrives well
within it); the bounds asserted are several times the deadline, far below the trickle's length.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.deadline import Deadline
from tagpilot.reconcile.dispatch import dispatch_keys
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.errors import RegistryTimeoutError
from tagpilot.registry.names import parse_image_reference
from tagpilot.runtime.local_worker import LocalWorker
from tagpilot.source.auth import GitAuth
from tagpilot.source.commit import Signature, commit_files
from tagpilot.source.errors import GitTimeoutError
from tagpilot.source.fetch import fetch_branch, ls_remote
from tagpilot.source.push import push
from tagpilot.source.remote import open_remote

from tests.support import gitfixtures
from tests.support.gitserver import GitServer
from tests.support.hostile import HostileServer, Peer, http_response
from tests.support.sshserver import SSHServer

pytestmark = pytest.mark.integration

TAGS = b'{"name": "org/app", "tags": ["1.0.0", "1.1.0"]}' + b" " * 200  # ~2 min at 0.5 s/byte
#: Far below the trickle's length (minutes), far above the deadlines (1-2 s): not a timing test.
BOUND = 15.0


def trickle_headers(peer: Peer) -> None:
    peer.trickle(http_response(TAGS), every=0.5)


def trickle_body(peer: Peer) -> None:
    head, _, body = http_response(TAGS).partition(b"\r\n\r\n")
    peer.send(head + b"\r\n\r\n")
    peer.trickle(body, every=0.5)


def list_tags(host: str, timeout: float) -> list[str]:
    client = RegistryClient(requests.Session())
    image = parse_image_reference(f"{host}/org/app")
    return client.list_tags(image, RegistryAuth.anonymous(insecure=True), timeout)


@pytest.mark.parametrize("respond", [trickle_headers, trickle_body], ids=["headers", "body"])
def test_registry_trickle_ends_at_the_timeout(respond: Any) -> None:
    with HostileServer(respond) as peer:
        started = time.monotonic()
        with pytest.raises(RegistryTimeoutError, match="deadline of 2s exceeded"):
            list_tags(peer.host, 2.0)
        assert time.monotonic() - started < BOUND


def test_an_enclosing_deadline_shortens_the_timeout() -> None:
    with HostileServer(trickle_body) as peer, Deadline(1.0).active():
        started = time.monotonic()
        with pytest.raises(RegistryTimeoutError, match="deadline of 1s exceeded"):
            list_tags(peer.host, 20.0)
        assert time.monotonic() - started < BOUND


def test_a_trickling_registry_fails_the_scan_with_a_status(app: Any) -> None:
    with HostileServer(trickle_body) as peer:
        app.objects.apply(
            Resource(
                "image.toolkit.fluxcd.io/v1",
                "ImageRepository",
                "slow",
                "apps",
                spec={
                    "image": f"{peer.host}/org/app",
                    "interval": "5m",
                    "timeout": "2s",
                    "insecure": True,
                },
            )
        )
        assert dispatch_keys(app, "ImageRepository", ["apps/slow"], now=app.clock()) == 1
        started = time.monotonic()
        [outcome] = LocalWorker(app).drain()
        assert time.monotonic() - started < BOUND
    assert (outcome.ready, outcome.reason) == ("False", "ReadOperationFailed")
    status = app.objects.require("ImageRepository", "apps", "slow").status
    cond = conditions.get(status, conditions.READY) or {}
    assert "deadline of 2s exceeded" in cond["message"]


def git_trickle(peer: Peer) -> None:
    # A smart-HTTP advertisement that never finishes arriving.
    advert = b"001e# service=git-upload-pack\n0000" + b"0" * 400
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n"
        b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
    )
    peer.send(head)
    peer.trickle(advert, every=0.5)


@pytest.mark.parametrize("operation", ["ls-remote", "fetch"])
def test_git_trickle_ends_at_the_timeout(operation: str) -> None:
    with HostileServer(git_trickle) as peer:
        remote = open_remote(f"{peer.url}/org/app.git", timeout=2.0)
        started = time.monotonic()
        with pytest.raises(GitTimeoutError, match="deadline of 2s exceeded"):
            if operation == "ls-remote":
                ls_remote(remote)
            else:
                fetch_branch(remote, "main")
        assert time.monotonic() - started < BOUND
        remote.close()


def test_git_deadline_does_not_cut_a_healthy_server_short() -> None:
    with GitServer() as git:
        git.create_repo("app.git", {"a.yaml": b"a: 1\n"})
        with open_remote(git.url_for("app.git"), timeout=30.0) as remote:
            assert b"refs/heads/main" in ls_remote(remote)
            with fetch_branch(remote, "main") as checkout:
                assert dict(checkout.iter_files("", lambda _n: True)) == {"a.yaml": b"a: 1\n"}


# -- Git over SSH ------------------------------------------------------------------------------

#: A pkt-line header announcing 65,520 bytes, then one byte every 0.3 s: each read succeeds well
#: within a per-read timeout and the whole line would take hours.
#: SSH operations must end within their timeout plus this (a watchdog closes the connection at
#: the deadline; the rest is thread wake-up and teardown on a loaded 2-core machine).
MARGIN = 3.0
SLOW_COMMAND = "sh -c 'printf fff0; while :; do printf a; sleep 0.3; done'"


def ssh_banner_trickle(peer: Peer) -> None:
    # Before any SSH packet: an endless banner preamble, one byte every 0.3 s (Paramiko's
    # banner_timeout is per read and allows 100 such lines).
    peer.trickle(b"x" * 500, every=0.3)


def ssh_operation(remote: Any, operation: str) -> None:
    if operation == "ls-remote":
        ls_remote(remote)
    else:
        fetch_branch(remote, "main")


@pytest.mark.parametrize("operation", ["ls-remote", "fetch"])
def test_ssh_trickle_during_the_handshake_ends_at_the_timeout(operation: str) -> None:
    key_source = SSHServer()  # only for a valid key pair; this server is never started
    with HostileServer(ssh_banner_trickle, read_head=False) as peer:
        known = f"[127.0.0.1]:{peer.port} {key_source.host_public}\n".encode()
        auth = GitAuth(ssh_identity=key_source.client_key, known_hosts=known)
        remote = open_remote(f"ssh://git@127.0.0.1:{peer.port}/org/app.git", auth, 2.0)
        started = time.monotonic()
        with pytest.raises(GitTimeoutError, match="deadline of 2s exceeded"):
            ssh_operation(remote, operation)
        elapsed = time.monotonic() - started
        remote.close()
    key_source.stop()
    assert peer.requests == [""], "the client connected (a raw peer records an empty head)"
    assert elapsed < 2.0 + MARGIN, elapsed


@pytest.mark.parametrize("operation", ["ls-remote", "fetch", "push"])
def test_ssh_trickle_during_the_transfer_ends_at_the_timeout(operation: str) -> None:
    with (
        GitServer() as git,
        SSHServer(force_command=SLOW_COMMAND) as server,
    ):
        git.create_repo("app.git", {"a.yaml": b"a: 1\n"})
        auth = GitAuth(ssh_identity=server.client_key, known_hosts=server.known_hosts)
        remote = open_remote(server.url_for("app.git"), auth, 3.0)
        with open_remote(git.url_for("app.git")) as http, fetch_branch(http, "main") as checkout:
            commit = commit_files(
                checkout,
                "",
                {"a.yaml": b"a: 2\n"},
                Signature("bot", "bot@example.com"),
                "update",
                None,
                datetime(2024, 1, 1, tzinfo=UTC),
            )
            started = time.monotonic()
            with pytest.raises(GitTimeoutError, match="deadline of 3s exceeded"):
                if operation == "push":
                    push(remote, checkout, commit, "main")
                else:
                    ssh_operation(remote, operation)
            elapsed = time.monotonic() - started
        remote.close()
    assert elapsed < 3.0 + MARGIN, elapsed


def test_ssh_deadline_does_not_cut_a_healthy_server_short() -> None:
    with SSHServer() as server:
        bare = server.root / "app.git"
        gitfixtures.init_bare(bare)
        gitfixtures.commit_files(bare, {"a.yaml": b"a: 1\n"})
        auth = GitAuth(ssh_identity=server.client_key, known_hosts=server.known_hosts)
        with open_remote(server.url_for("app.git"), auth, 30.0) as remote:
            assert b"refs/heads/main" in ls_remote(remote)
            with fetch_branch(remote, "main") as checkout:
                assert dict(checkout.iter_files("", lambda _n: True)) == {"a.yaml": b"a: 1\n"}
