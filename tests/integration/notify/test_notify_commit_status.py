"""Commit-status types against recording servers: SHA, state, context, the skip of a repeat, and
TLS verified against the Provider's ``certSecretRef`` CA."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tagpilot.notify.event import Event
from tagpilot.notify.providers import NOTIFIERS
from tagpilot.notify.providers.base import PermanentError, ProviderConfig
from tagpilot.notify.transport import HttpSender

from tests.support.certs import generate_pki
from tests.support.recording import recording_server

pytestmark = pytest.mark.integration

SHA = "696f056df216eea4f9401adbee0ff744d4df390f"
UID = "0c9c2e41-1111-4222-8333-444455556666"
EVENT = Event(
    involved_object={
        "kind": "Kustomization",
        "namespace": "flux-system",
        "name": "apps",
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    },
    severity="info",
    timestamp="2026-07-01T10:04:05Z",
    message="Reconciliation finished",
    reason="ReconciliationSucceeded",
    reporting_controller="kustomize-controller",
    metadata={"revision": f"main@sha1:{SHA}"},
)


def _cfg(kind: str, address: str, **extra: Any) -> ProviderConfig:
    return ProviderConfig(
        type=kind, namespace="flux-system", name="gh", uid=UID, address=address, **extra
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pki = generate_pki()
    directory = tmp_path_factory.mktemp("pki")
    return pki, pki.server.write(directory, "server")


def test_github_enterprise_over_tls_with_the_provider_ca(pki: Any) -> None:
    ca, files = pki
    with recording_server(cert=files) as server:
        cfg = _cfg(
            "github", f"{server.url}/org/app.git", token="ghp", ca_pem=ca.ca.cert_pem.decode()
        )
        NOTIFIERS["github"](cfg, EVENT, HttpSender(cfg))
        get, post = server.requests
    assert (get.method, get.path) == (
        "GET",
        f"/api/v3/repos/org/app/commits/{SHA}/statuses?per_page=50",
    )
    assert (post.method, post.path) == ("POST", f"/api/v3/repos/org/app/statuses/{SHA}")
    assert post.headers["Authorization"] == "Bearer ghp"
    assert post.json() == {
        "state": "success",
        "description": "reconciliation succeeded",
        "context": "kustomization/apps/0c9c2e41",
    }


def test_tls_is_verified_without_the_ca(pki: Any) -> None:
    _, files = pki
    with recording_server(cert=files) as server:
        cfg = _cfg("github", f"{server.url}/org/app", token="ghp")
        with pytest.raises(PermanentError, match="TLS verification failed"):
            NOTIFIERS["github"](cfg, EVENT, HttpSender(cfg))
        assert server.requests == []


def test_github_skips_a_status_already_set() -> None:
    existing = [
        {
            "context": "kustomization/apps/0c9c2e41",
            "state": "success",
            "description": "reconciliation succeeded",
        }
    ]
    with recording_server(answers={"GET /": (200, existing)}) as server:
        cfg = _cfg(
            "github",
            f"{server.url}/org/app",
            token="ghp",
            endpoints={"https://api.github.com": server.url},
        )
        NOTIFIERS["github"](cfg, EVENT, HttpSender(cfg))
        NOTIFIERS["github"](cfg, replace(EVENT, severity="error"), HttpSender(cfg))
        methods = [r.method for r in server.requests]
        posted = server.requests[-1].json()
    assert methods == ["GET", "GET", "POST"]
    assert posted["state"] == "failure"


def test_github_rejects_a_nested_repository_id() -> None:
    cfg = _cfg("github", "https://github.com/org/team/app", token="t")
    with pytest.raises(PermanentError, match="invalid repository id: 'org/team/app'"):
        NOTIFIERS["github"](cfg, EVENT, HttpSender(cfg))


def test_gitlab_project_path_state_and_private_token() -> None:
    with recording_server() as server:
        cfg = _cfg("gitlab", f"{server.url}/group/sub/app.git", token="glpat")
        NOTIFIERS["gitlab"](cfg, replace(EVENT, severity="error"), HttpSender(cfg))
        get, post = server.requests
    assert get.path == (
        f"/api/v4/projects/group%2Fsub%2Fapp/repository/commits/{SHA}/statuses"
        "?name=kustomization%2Fapps%2F0c9c2e41"
    )
    assert post.path == f"/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}"
    assert post.headers["PRIVATE-TOKEN"] == "glpat"
    assert post.json() == {
        "state": "failed",
        "name": "kustomization/apps/0c9c2e41",
        "description": "reconciliation succeeded",
    }


def test_gitea_pending_on_progressing() -> None:
    with recording_server() as server:
        cfg = _cfg("gitea", f"{server.url}/org/app", token="gt")
        NOTIFIERS["gitea"](cfg, replace(EVENT, reason="Progressing"), HttpSender(cfg))
        _, post = server.requests
    assert post.path == f"/api/v1/repos/org/app/statuses/{SHA}"
    assert post.headers["Authorization"] == "token gt"
    assert post.json() == {
        "state": "pending",
        "target_url": "",
        "description": "progressing",
        "context": "kustomization/apps/0c9c2e41",
    }


def test_bitbucket_key_is_sha1_of_the_status_id() -> None:
    key = hashlib.sha1(b"kustomization/apps/0c9c2e41").hexdigest()
    with recording_server(answers={"GET /": (404, {})}) as server:
        cfg = _cfg(
            "bitbucket",
            "https://bitbucket.org/org/app.git",
            token="me:app-pw",
            endpoints={"https://api.bitbucket.org": server.url},
        )
        NOTIFIERS["bitbucket"](cfg, EVENT, HttpSender(cfg))
        get, post = server.requests
    base = f"/2.0/repositories/org/app/commit/{SHA}/statuses/build"
    assert get.path == f"{base}/{key}"
    assert post.path == base
    assert post.headers["Authorization"] == "Basic bWU6YXBwLXB3"
    assert post.json() == {
        "state": "SUCCESSFUL",
        "key": key,
        "name": "kustomization/apps",
        "description": "reconciliation succeeded",
        "url": "https://bitbucket.org",
    }


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({}, "missing revision metadata"),
        ({"revision": "6.5.1@sha256:" + "a" * 64}, "failed to extract commit hash"),
    ],
)
def test_revision_problems(metadata: dict[str, str], error: str) -> None:
    cfg = _cfg("github", "https://github.com/org/app", token="t")
    with pytest.raises(PermanentError, match=error):
        NOTIFIERS["github"](cfg, EVENT.with_metadata(metadata), HttpSender(cfg))


def test_commit_metadata_wins_and_ssh_addresses_parse(tmp_path: Path) -> None:
    other = "b" * 40
    with recording_server() as server:
        cfg = _cfg("gitea", f"{server.url}/org/app", token="gt")
        event = EVENT.with_metadata({"revision": f"main@sha1:{SHA}", "commit": other})
        NOTIFIERS["gitea"](cfg, event, HttpSender(cfg))
        assert server.requests[-1].path.endswith(f"/statuses/{other}")
    from tagpilot.notify.providers.commitstatus import parse_git_address

    assert parse_git_address("git@github.com:org/app.git") == ("https://github.com", "org/app")
    assert parse_git_address("ssh://git@gitlab.com/g/s/app") == ("https://gitlab.com", "g/s/app")
