"""``create alert|alert-provider``: flux's checks and messages, ``--event-source`` parsing and the
exported fields (the byte-for-byte cases are in ``tests/golden/flux_cli``)."""

from __future__ import annotations

import pytest
from tagpilot.cli.common import CliError
from tagpilot.cli.create_alerts import parse_event_source
from tagpilot.cli.main import main

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ("GitRepository/*", {"kind": "GitRepository", "name": "*"}),
        ("GitRepository/app", {"kind": "GitRepository", "name": "app"}),
        ("GitRepository/app.apps", {"kind": "GitRepository", "name": "app", "namespace": "apps"}),
        # flux: the text after the LAST dot is the namespace
        ("ImagePolicy/a.b.c", {"kind": "ImagePolicy", "name": "a.b", "namespace": "c"}),
        ("ImagePolicy/*.apps", {"kind": "ImagePolicy", "name": "*", "namespace": "apps"}),
        ("Kustomization/", {"kind": "Kustomization", "name": ""}),
    ],
)
def test_event_source_forms(raw: str, ref: dict[str, str]) -> None:
    assert parse_event_source(raw) == ref


@pytest.mark.parametrize("raw", ["app", "/app", "a/b/c", ""])
def test_event_source_without_a_kind(raw: str) -> None:
    with pytest.raises(CliError) as exc:
        parse_event_source(raw)
    assert str(exc.value) == f"invalid event source '{raw}', must be in format <kind>/<name>"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "alert", "al", "--event-source=GitRepository/a"], "provider ref is required"),
        (["create", "alert", "al", "--provider-ref=p"], "at least one event source is required"),
        (
            ["create", "alert", "al", "--provider-ref=p", "--event-source=GitRepository/a,web"],
            "invalid event source 'web', must be in format <kind>/<name>",
        ),
        (["create", "alert", "--provider-ref=p", "--event-source=A/b"], "name is required"),
        (
            ["create", "alert", "al", "--provider-ref=p", "--event-source=A/b", "--label=x"],
            "invalid label format 'x', must be key=value",
        ),
        (["create", "alert-provider", "pr", "--address=https://x"], "Provider type is required"),
        (["create", "alert-provider", "--type=generic"], "name is required"),
    ],
)
def test_flux_messages(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--export"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"✗ {message}\n"


def test_alert_sources_repeat_and_comma_lists(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "create",
        "alert",
        "on-call",
        "-n",
        "apps",
        "--provider-ref=pager",
        "--event-source=GitRepository/*,ImagePolicy/web.web-ns",
        "--event-source",
        "ImageUpdateAutomation/app",
        "--event-severity=error",
        "--label=team=web",
        "--interval=5m",  # a persistent create flag; Alerts have no interval
        "--export",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        "---\n"
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\n"
        "kind: Alert\n"
        "metadata:\n"
        "  labels:\n"
        "    team: web\n"
        "  name: on-call\n"
        "  namespace: apps\n"
        "spec:\n"
        "  eventSeverity: error\n"
        "  eventSources:\n"
        "  - kind: GitRepository\n"
        "    name: '*'\n"
        "  - kind: ImagePolicy\n"
        "    name: web\n"
        "    namespace: web-ns\n"
        "  - kind: ImageUpdateAutomation\n"
        "    name: app\n"
        "  providerRef:\n"
        "    name: pager\n"
    )


def test_provider_omits_empty_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create", "alert-provider", "hook", "--type=generic", "--export"]) == 0
    assert capsys.readouterr().out == (
        "---\n"
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\n"
        "kind: Provider\n"
        "metadata:\n"
        "  name: hook\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  type: generic\n"
    )
    assert (
        main(["create", "alert-provider", "chat", "--type=rocket", "--username=bot", "--export"])
        == 0
    )
    assert capsys.readouterr().out.endswith("spec:\n  type: rocket\n  username: bot\n")
