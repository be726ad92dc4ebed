"""``create alert|alert-provider`` applied through the real store (DynamoDB Local), then the
objects they made used by the event router and by the other verbs: get, suspend, resume, delete.
"""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.resource import Resource

from tests.support.recording import recording_server

pytestmark = pytest.mark.integration

NS = "flux-system"


def _resource(app: Any, kind: str, name: str) -> Resource:
    api = "source.toolkit.fluxcd.io/v1" if kind == "GitRepository" else "image.toolkit.fluxcd.io/v1"
    return app.objects.apply(Resource(api, kind, name, NS, spec={})).resource


def test_create_provider_and_alert_then_route_events(events_app: Any, cli: Any) -> None:
    app = events_app
    with recording_server() as sink:
        made = cli("create", "alert-provider", "sink", "--type", "generic", "--address", sink.url)
        assert made.code == 0 and made.out == ""
        assert made.err == (
            "✚ generating Provider\n"
            "► applying Provider\n"
            "✔ Provider created\n"
            "◎ waiting for Provider reconciliation\n"
            "✔ Provider sink is ready\n"
        )
        provider = app.objects.require("Provider", NS, "sink")
        assert provider.api_version == "notification.toolkit.fluxcd.io/v1beta3"
        assert provider.spec == {"type": "generic", "address": sink.url}

        made = cli(
            "create",
            "alert",
            "git-events",
            "--provider-ref",
            "sink",
            "--event-source",
            "GitRepository/*",
            "--label",
            "team=platform",
        )
        assert made.code == 0, made.err
        assert made.err == (
            "✚ generating Alert\n"
            "► applying Alert\n"
            "✔ Alert created\n"
            "◎ waiting for Alert reconciliation\n"
            "✔ Alert git-events is ready\n"
        )
        alert = app.objects.require("Alert", NS, "git-events")
        assert alert.labels == {"team": "platform"}
        assert alert.spec == {
            "eventSources": [{"kind": "GitRepository", "name": "*"}],
            "providerRef": {"name": "sink"},
        }
        # flux's upsert reports "updated" even when nothing changed
        again = cli(
            "create", "alert", "git-events", "--provider-ref=sink", "--event-source=GitRepository/*"
        )
        assert again.code == 0 and "✔ Alert updated\n" in again.err
        assert app.objects.require("Alert", NS, "git-events").labels == {}

        git = _resource(app, "GitRepository", "fleet")
        policy = _resource(app, "ImagePolicy", "web")
        app.events.record(git, "Normal", "NewArtifact", "stored artifact for commit 'a'")
        app.events.record(policy, "Normal", "Succeeded", "Latest image tag for x resolved to 2")
        assert app.notifications.wait(10)
        received = [r.json() for r in sink.requests]
    assert [(e["involvedObject"]["kind"], e["reason"]) for e in received] == [
        ("GitRepository", "NewArtifact")
    ]


def test_get_suspend_resume_delete_alerts_and_providers(events_app: Any, cli: Any) -> None:
    app = events_app
    assert (
        cli("create", "alert-provider", "chat", "--type", "slack", "--address", "https://x/y").code
        == 0
    )
    assert (
        cli("create", "alert", "chat", "--provider-ref=chat", "--event-source=ImagePolicy/*").code
        == 0
    )

    alerts = cli("get", "alerts")
    assert alerts.code == 0
    assert [line.split() for line in alerts.out.splitlines()] == [
        ["NAME", "SUSPENDED", "READY", "MESSAGE"],
        ["chat", "False", "True", "Alert", "is", "Ready"],
    ]
    providers = cli("get", "alert-providers", "-A")
    assert [line.split() for line in providers.out.splitlines()] == [
        ["NAMESPACE", "NAME", "READY", "MESSAGE"],
        [NS, "chat", "True", "Provider", "is", "Ready"],
    ]
    missing = cli("get", "alert", "ghost")
    assert (missing.code, missing.err) == (
        1,
        "✗ Alert object 'ghost' not found in \"flux-system\" namespace\n",
    )

    done = cli("suspend", "alert", "chat")
    assert (done.code, done.err) == (
        0,
        "► suspending alert chat in flux-system namespace\n✔ alert suspended\n",
    )
    assert app.objects.require("Alert", NS, "chat").suspended
    assert "chat\tTrue " in cli("get", "alerts", "--no-header").out
    done = cli("suspend", "alert-provider", "chat")
    assert done.err.endswith("✔ alert provider suspended\n")
    assert app.objects.require("Provider", NS, "chat").suspended

    done = cli("resume", "alert", "chat")
    assert (done.code, done.err) == (
        0,
        "► resuming alert chat in flux-system namespace\n"
        "✔ alert resumed\n"
        "◎ waiting for Alert reconciliation\n"
        "✔ Alert chat reconciliation completed\n"
        "✔ Alert reconciliation completed\n",
    )
    assert not app.objects.require("Alert", NS, "chat").suspended
    done = cli("resume", "alert-provider", "chat", "--wait=false")
    assert done.err.endswith("✔ alert provider resumed\n")  # no wait asked: no wait lines
    assert not app.objects.require("Provider", NS, "chat").suspended

    no = cli("delete", "alert-provider", "chat", stdin="n\n")
    assert no.code == 1 and no.err == "✗ aborting\n"
    assert no.out == "? Are you sure you want to delete this alert provider? [y/N] "
    gone = cli("delete", "alert-provider", "chat", "--silent")
    assert gone.err == (
        "► deleting alert provider chat in flux-system namespace\n✔ alert provider deleted\n"
    )
    assert app.objects.get("Provider", NS, "chat") is None
    assert cli("delete", "alert", "chat", stdin="y\n").code == 0
    assert app.objects.get("Alert", NS, "chat") is None
    again = cli("delete", "alert", "chat", "-s")
    assert again.code == 1
    assert again.err == '✗ alerts.notification.toolkit.fluxcd.io "chat" not found\n'


def test_apply_refuses_what_the_schema_refuses(events_app: Any, cli: Any) -> None:
    app = events_app
    bad = cli("create", "alert-provider", "pager", "--type", "carrier-pigeon")
    assert bad.code == 1
    assert "provider carrier-pigeon not supported: tagpilot supports generic, generic-hmac" in (
        bad.err
    )
    assert app.objects.get("Provider", NS, "pager") is None
    severity = cli(
        "create",
        "alert",
        "loud",
        "--provider-ref=p",
        "--event-source=GitRepository/*",
        "--event-severity=warning",
    )
    assert severity.code == 1 and "eventSeverity" in severity.err
    assert app.objects.get("Alert", NS, "loud") is None
    # --export touches nothing, even for a value only apply refuses
    exported = cli("create", "alert-provider", "pager", "--type", "carrier-pigeon", "--export")
    assert exported.code == 0 and "type: carrier-pigeon\n" in exported.out
    assert app.objects.get("Provider", NS, "pager") is None
