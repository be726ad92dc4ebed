"""GitRepository events as source-controller emits them, against a real Git server (git
http-backend): stored in the events table, put on the bus, delivered through an Alert on
``GitRepository/*`` made with ``tagpilot create``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dulwich.repo import Repo
from tagpilot.api.resource import Resource
from tagpilot.reconcile import gitrepository

from tests.support.gitserver import GitServer
from tests.support.recording import recording_server

pytestmark = pytest.mark.integration

NS = "flux-system"
SOURCE_REVISION = "source.toolkit.fluxcd.io/revision"


def _head(path: Path) -> str:
    return Repo(str(path)).refs[b"refs/heads/main"].decode()


def _reconcile(app: Any) -> None:
    gitrepository.reconcile(app, NS, "fleet")


def test_new_artifact_failure_and_recovery(events_app: Any, cli: Any, tmp_path: Path) -> None:
    app = events_app
    with GitServer() as git, recording_server() as sink:
        path = git.create_repo("fleet.git", {"app.yaml": b"image: app:1.0.0\n"})
        first = f"main@sha1:{_head(path)}"
        assert (
            cli("create", "alert-provider", "sink", "--type=generic", f"--address={sink.url}").code
            == 0
        )
        made = cli(
            "create", "alert", "git", "--provider-ref=sink", "--event-source=GitRepository/*"
        )
        assert made.code == 0, made.err
        app.objects.apply(
            Resource(
                "source.toolkit.fluxcd.io/v1",
                "GitRepository",
                "fleet",
                NS,
                spec={"url": git.url_for("fleet.git"), "ref": {"branch": "main"}, "interval": "1m"},
            )
        )
        _reconcile(app)  # first artifact
        _reconcile(app)  # same revision: a trace only
        git.push_commit("fleet.git", {"app.yaml": b"image: app:1.1.0\n"}, message="bump app")
        second = f"main@sha1:{_head(path)}"
        _reconcile(app)  # new revision
        hidden = path.rename(tmp_path / "moved.git")
        _reconcile(app)
        _reconcile(app)  # failing twice: a Warning each time
        hidden.rename(path)
        _reconcile(app)  # the same revision after a failure: recovery
        _reconcile(app)  # and then nothing new
        assert app.notifications.wait(10)
        delivered = [r.json() for r in sink.requests]

    stored = app.events.store.list(NS, kind="GitRepository", name="fleet")
    rows = [(e.type, e.reason, e.message, e.count) for e in stored]
    warning = rows[3]
    assert warning[:2] == ("Warning", "GitOperationFailed") and warning[3] == 2
    assert warning[2].startswith("failed to checkout and determine revision: ")
    assert rows[:3] + rows[4:] == [
        ("Normal", "NewArtifact", f"stored artifact for commit '{first}'", 1),
        (
            "Normal",
            "GitOperationSucceeded",
            f"no changes since last reconcilation: observed revision '{first}'",
            1,
        ),
        ("Normal", "NewArtifact", f"stored artifact for commit '{second}'", 1),
        ("Normal", "Succeeded", f"stored artifact for commit '{second}'", 1),
        (
            "Normal",
            "GitOperationSucceeded",
            f"no changes since last reconcilation: observed revision '{second}'",
            1,
        ),
    ]
    assert stored[0].metadata == {SOURCE_REVISION: first}
    assert stored[4].metadata == {SOURCE_REVISION: second}

    # on the bus: everything but the traces, each failing reconcile included
    on_bus = [(e.severity, e.reason, e.metadata.get(SOURCE_REVISION)) for e in app.events.bus.sent]
    assert on_bus == [
        ("info", "NewArtifact", first),
        ("info", "NewArtifact", second),
        ("error", "GitOperationFailed", None),
        ("error", "GitOperationFailed", None),
        ("info", "Succeeded", second),
    ]
    assert app.events.bus.sent[0].reporting_controller == "source-controller"
    assert app.events.bus.sent[0].involved_object["apiVersion"] == "source.toolkit.fluxcd.io/v1"

    # delivered: notification-controller's dedup drops the repeated Warning, and the recovery
    # event too (same object, message and revision as the NewArtifact before it: Flux's key)
    assert [(d["reason"], d["severity"], d.get("metadata")) for d in delivered] == [
        ("NewArtifact", "info", {"revision": first}),
        ("NewArtifact", "info", {"revision": second}),
        ("GitOperationFailed", "error", None),
    ]
    assert delivered[0]["involvedObject"]["kind"] == "GitRepository"
    assert delivered[0]["reportingController"] == "source-controller"


def test_error_alert_gets_only_the_failures(events_app: Any, cli: Any) -> None:
    app = events_app
    with GitServer() as git, recording_server() as sink:
        git.create_repo("fleet.git", {"app.yaml": b"a: 1\n"})
        cli("create", "alert-provider", "sink", "--type=generic", f"--address={sink.url}")
        made = cli(
            "create",
            "alert",
            "git-errors",
            "--provider-ref=sink",
            "--event-source=GitRepository/fleet",
            "--event-severity=error",
        )
        assert made.code == 0, made.err
        app.objects.apply(
            Resource(
                "source.toolkit.fluxcd.io/v1",
                "GitRepository",
                "fleet",
                NS,
                spec={"url": git.url_for("fleet.git"), "ref": {"branch": "nope"}, "interval": "1m"},
            )
        )
        _reconcile(app)
        assert app.notifications.wait(10)
        delivered = [r.json() for r in sink.requests]
    assert [(d["reason"], d["severity"]) for d in delivered] == [("GitOperationFailed", "error")]
    assert delivered[0]["message"] == (
        "failed to checkout and determine revision: unable to clone: couldn't find remote ref "
        '"refs/heads/nope"'
    )
