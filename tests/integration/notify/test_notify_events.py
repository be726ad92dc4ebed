"""Events as the controllers emit them, stored and delivered: scan -> policy -> push, through
the real registry and Git server, to a generic provider recording what it receives."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.loader import load
from tagpilot.api.resource import Resource
from tagpilot.reconcile.apply import apply_documents
from tagpilot.runtime.local_worker import LocalWorker

from demo.run import DEPLOYMENT, MANIFESTS, TOKEN
from tests.support.gitserver import GitServer
from tests.support.recording import recording_server
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration


def test_scan_policy_push_events_are_stored_and_delivered(
    events_app: Any, add_alert: Any, tmp_path: Any
) -> None:
    app = events_app
    with RegistryServer() as registry, GitServer() as git, recording_server() as sink:
        image = f"{registry.host}/demo/app"
        push_image(registry.url, "demo/app", ["1.0.0"])
        git.create_repo("fleet.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()})
        push_image(registry.url, "demo/app", ["1.1.0"])
        manifests = tmp_path / "m.yaml"
        manifests.write_text(
            MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
        )
        apply_documents(app, load([str(manifests)]))
        add_alert("sink", sink.url + "/events")
        worker = LocalWorker(app)
        worker.tick()
        worker.tick()
        assert app.notifications.wait(20)
        received = {r.json()["involvedObject"]["kind"]: r for r in sink.requests}

    stored = app.events.store.list("flux-system")
    rows = [(e.kind, e.type, e.reason, e.message.split("\n", 1)[0]) for e in stored]
    scan = next(r for r in rows if r[0] == "ImageRepository")
    assert scan[1:3] == ("Normal", "Succeeded")
    assert scan[3].startswith("successful scan: found 2 tags with checksum ")
    assert (
        "ImagePolicy",
        "Normal",
        "Succeeded",
        f"Latest image tag for {image} resolved to 1.1.0",
    ) in rows
    push = next(e for e in stored if e.kind == "ImageUpdateAutomation")
    sha = app.objects.require("ImageUpdateAutomation", "flux-system", "app").status[
        "lastPushCommit"
    ]
    assert push.message.startswith(f"pushed commit '{sha[:7]}' to branch 'main'\nAutomated image")
    assert push.metadata["image.toolkit.fluxcd.io/revision"] == f"main@sha1:{sha}"

    body = received["ImageUpdateAutomation"].json()
    assert received["ImageUpdateAutomation"].headers["Gotk-Component"] == (
        "image-automation-controller"
    )
    assert body["reason"] == "Succeeded" and body["severity"] == "info"
    assert body["metadata"]["revision"] == f"main@sha1:{sha}"
    assert body["metadata"]["changes"] == (
        f"app.yaml: Deployment default/app: {image}:1.0.0 -> {image}:1.1.0"
    )
    assert body["involvedObject"]["apiVersion"] == "image.toolkit.fluxcd.io/v1"
    assert set(received) == {"ImageRepository", "ImagePolicy", "ImageUpdateAutomation"}


def test_failing_policy_warns_every_time_but_is_delivered_once(
    events_app: Any, add_alert: Any
) -> None:
    from tagpilot.reconcile import imagepolicy

    app = events_app
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "orphan",
            "flux-system",
            spec={"imageRepositoryRef": {"name": "missing"}, "policy": {"semver": {"range": "*"}}},
        )
    )
    with recording_server() as sink:
        add_alert("errors", sink.url, severity="error")
        for _ in range(3):
            imagepolicy.reconcile(app, "flux-system", "orphan")
        assert app.notifications.wait(10)
        delivered = list(sink.requests)
    stored = app.events.store.list("flux-system", kind="ImagePolicy", name="orphan")
    assert [(e.type, e.reason, e.count) for e in stored] == [("Warning", "DependencyNotReady", 3)]
    assert len(delivered) == 1
    assert delivered[0].json()["severity"] == "error"


def test_trace_events_are_stored_not_posted(events_app: Any, add_alert: Any) -> None:
    from tagpilot.api import conditions

    app = events_app
    policy = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "p",
            "flux-system",
            spec={},
        )
    ).resource
    ready: dict[str, Any] = {}
    conditions.mark_ready(ready, "Succeeded", "same message", generation=1)
    from tagpilot.reconcile.events import notify

    with recording_server() as sink:
        add_alert("all", sink.url)
        notify(app, policy, ready, ready)
        notify(app, policy, {}, ready)
        assert app.notifications.wait(10)
        posted = [r.json()["message"] for r in sink.requests]
    assert posted == ["same message"]
    assert [(e.type, e.count) for e in app.events.store.list("flux-system")] == [("Normal", 2)]
