"""``create`` without ``--export`` for the kinds with their own apply path: a Receiver (ready at
once, with Flux's webhook path), a GitRepository with ``-u/-p`` (the credentials become a Secret
that the fetch from an authenticating Git server then uses)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from dulwich.repo import Repo

from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration

NS = "flux-system"
TOKEN = "a-receiver-token-of-at-least-32-characters"


def test_create_receiver_reports_flux_webhook_path(cli: Any, app: Any) -> None:
    app.secrets.put(NS, "hook-token", "Opaque", {"token": TOKEN})
    done = cli(
        "create",
        "receiver",
        "hook",
        "--type=generic",
        "--secret-ref=hook-token",
        "--resource=ImageRepository/app",
    )
    assert done.code == 0, done.err
    path = "/hook/" + hashlib.sha256(f"{TOKEN}hook{NS}".encode()).hexdigest()  # Flux's formula
    assert done.err == (
        "✚ generating Receiver\n"
        "► applying Receiver\n"
        "✔ Receiver created\n"
        "✔ Receiver hook is ready\n"
        f"✔ generated webhook URL {path}\n"
    )
    assert app.objects.require("Receiver", NS, "hook").status["webhookPath"] == path


def test_create_receiver_refusals(cli: Any, app: Any) -> None:
    kind = cli("create", "receiver", "bad", "--type=github", "--secret-ref=s", "--resource=A/b")
    assert (kind.code, kind.err) == (
        1,
        "✗ spec.resources[0].kind: 'A' is not one of Flux's kinds\n",
    )
    assert app.objects.get("Receiver", NS, "bad") is None
    done = cli(
        "create",
        "receiver",
        "nohook",
        "--type=github",
        "--secret-ref=absent",
        "--resource=ImageRepository/app",
    )
    assert done.code == 1
    assert done.err.startswith("✚ generating Receiver\n► applying Receiver\n✔ Receiver created\n✗ ")
    assert "absent" in done.err.splitlines()[-1]


def test_create_source_git_with_basic_auth_stores_a_secret(cli: Any, app: Any) -> None:
    with GitServer(username="bot", password="s3cret") as git:
        path = git.create_repo("fleet.git", {"a.yaml": b"a: 1\n"})
        head = Repo(str(path)).refs[b"refs/heads/main"].decode()
        url = git.url_for("fleet.git")
        done = cli(
            "create",
            "source",
            "git",
            "fleet",
            f"--url={url}",
            "--branch=main",
            "-u",
            "bot",
            "-p",
            "s3cret",
        )
        assert done.code == 0, done.err
        assert done.err.startswith("► git secret 'fleet' created in 'flux-system' namespace\n")
        assert done.err.endswith(f"✔ fetched revision: main@sha1:{head}\n")
        assert app.secrets.get(NS, "fleet").data == {"username": "bot", "password": "s3cret"}
        repo = app.objects.require("GitRepository", NS, "fleet")
        assert repo.spec["secretRef"] == {"name": "fleet"}

        wrong = cli(
            "create",
            "source",
            "git",
            "other",
            f"--url={url}",
            "--branch=main",
            "-u",
            "bot",
            "-p",
            "nope",
        )
        assert wrong.code == 1
        assert "GitRepository reconciliation failed: '" in wrong.err
