"""``tagpilot events`` over the recorded events (DynamoDB Local)."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.resource import Resource
from tagpilot.cli import events as events_cli
from tagpilot.cli.main import main

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(events_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    app = events_app
    monkeypatch.setattr(events_cli, "open_app", lambda: app)
    repo = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageRepository",
            "app",
            "flux-system",
            spec={"image": "x/app"},
        )
    ).resource
    policy = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "flux-system",
            spec={"imageRepositoryRef": {"name": "app"}},
        )
    ).resource
    other = app.objects.apply(
        Resource("image.toolkit.fluxcd.io/v1", "ImagePolicy", "web", "apps", spec={})
    ).resource
    app.events.record(repo, "Normal", "Succeeded", "successful scan: found 2 tags")
    app.events.record(policy, "Warning", "DependencyNotReady", "no tags in database")
    app.events.record(policy, "Warning", "DependencyNotReady", "no tags in database")
    app.events.record(other, "Normal", "Succeeded", "Latest image tag for x resolved to 2")
    assert app.notifications.wait(10)
    return app


def test_events_of_a_namespace(recorded: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "ImageRepository/app" in lines[1] and "Normal" in lines[1]
    assert "(x2 over" in lines[2] and "Warning" in lines[2] and "ImagePolicy/app" in lines[2]
    assert len(lines) == 3

    # -A with a type filter
    assert main(["events", "-A", "--types", "normal"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("NAMESPACE")
    assert sorted(line.split()[0] for line in lines[1:]) == ["apps", "flux-system"]

    # --for includes the referenced repository
    assert main(["events", "--for", "imagepolicy/app"]) == 0
    out = capsys.readouterr().out
    assert "ImageRepository/app" in out and "ImagePolicy/app" in out and "web" not in out

    # nothing found
    assert main(["events", "-n", "empty"]) == 0
    assert "✗ No events found in empty namespace." in capsys.readouterr().err

    # --watch prints the rows and ends at --timeout
    assert main(["events", "--watch", "--timeout", "10ms"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["events", "--for", "Deployment/x"], "'Deployment' is not a recognized Flux kind"),
        (["events", "--for", "/x"], "--for selector must be of format <kind>[/<name>]"),
        (["events", "--types", "Error"], "type 'Error' not supported."),
    ],
)
def test_events_usage_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    from types import SimpleNamespace

    monkeypatch.setattr(events_cli, "open_app", lambda: SimpleNamespace(events=object()))
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (9 * 3600, "9h"),
        (50 * 3600, "2d2h"),
        (30 * 86400, "30d"),
        (3 * 365 * 86400, "3y"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert events_cli.human_duration(seconds) == text


def test_alert_and_provider_verbs(
    events_app: Any,
    add_alert: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tagpilot.cli import delete, get, suspend

    for module in (get, suspend, delete):
        monkeypatch.setattr(module, "open_app", lambda: events_app)
    add_alert("slack", "http://127.0.0.1:9/hook")
    assert main(["get", "alerts"]) == 0
    assert capsys.readouterr().out.split("\n")[1].split() == [
        "slack",
        "False",
        "True",
        "Alert",
        "is",
        "Ready",
    ]
    assert main(["get", "alert-providers"]) == 0
    assert "Provider is Ready" in capsys.readouterr().out
    assert main(["suspend", "alert", "slack"]) == 0
    assert events_app.objects.require("Alert", "flux-system", "slack").suspended
    assert main(["resume", "alert-provider", "slack"]) == 0
    assert main(["delete", "alert", "slack", "--silent"]) == 0  # flux asks unless --silent
    assert events_app.objects.get("Alert", "flux-system", "slack") is None
