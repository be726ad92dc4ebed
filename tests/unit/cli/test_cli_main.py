"""The console script's own behaviour: no command prints the help (exit 2), ``version`` reads the
configuration as the commands do, times print in the machine's zone as flux prints them."""

from __future__ import annotations

import json
import time
from importlib.metadata import version

import pytest
from tagpilot.cli.main import main
from tagpilot.cli.timefmt import local_rfc3339, seconds_or_duration

pytestmark = pytest.mark.unit

AWS_ENV = {
    "TAGPILOT_MODE": "aws",
    "TAGPILOT_STAGE": "prod",
    "TAGPILOT_OBJECTS_TABLE": "objects",
    "TAGPILOT_TAGS_TABLE": "tags",
    "TAGPILOT_LEASES_TABLE": "leases",
    "TAGPILOT_SECRETS_PREFIX": "tagpilot/prod/",
}


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: tagpilot ")
    assert "  create " in captured.err and "  events " in captured.err


def test_version_client_and_configured_modes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    ours = "v" + version("tagpilot")
    assert main(["version", "--client"]) == 0
    assert capsys.readouterr().out == f"tagpilot: {ours}\nflux-cli-compatible: v2.9.0\n"

    assert main(["version", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "tagpilot": ours,
        "flux-cli-compatible": "v2.9.0",
        "mode": "local",
    }

    monkeypatch.setenv("TAGPILOT_MODE", "aws")  # deployed, but the tables are not configured
    assert main(["version"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "✗ missing environment variables: TAGPILOT_OBJECTS_TABLE, TAGPILOT_TAGS_TABLE, "
        "TAGPILOT_LEASES_TABLE, TAGPILOT_SECRETS_PREFIX\n"
    )
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    assert main(["version"]) == 0
    assert capsys.readouterr().out.endswith("mode: aws\nstage: prod\n")

    monkeypatch.setenv("TAGPILOT_MODE", "cluster")
    assert main(["version"]) == 1
    assert capsys.readouterr().err == "✗ TAGPILOT_MODE must be 'aws' or 'local', not 'cluster'\n"


@pytest.mark.parametrize(
    ("zone", "stamp", "shown"),
    [
        ("UTC", "2020-12-13T15:51:48Z", "2020-12-13T15:51:48Z"),
        ("Europe/Berlin", "2020-12-13T15:51:48Z", "2020-12-13T16:51:48+01:00"),
        ("America/New_York", "2020-07-01T12:00:00.123Z", "2020-07-01T08:00:00-04:00"),
        ("UTC", "not a time", "not a time"),
        ("UTC", "", ""),
    ],
)
def test_times_in_the_local_zone(
    monkeypatch: pytest.MonkeyPatch, zone: str, stamp: str, shown: str
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert local_rfc3339(stamp) == shown
    finally:
        monkeypatch.undo()
        time.tzset()


def test_seconds_or_duration() -> None:
    import argparse

    assert seconds_or_duration("2.5") == 2.5
    assert seconds_or_duration("1m30s") == 90.0
    with pytest.raises(argparse.ArgumentTypeError):
        seconds_or_duration("-5s")
    with pytest.raises(argparse.ArgumentTypeError):
        seconds_or_duration("soon")


def test_unknown_duration_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["get", "alerts", "--timeout=-1s"])
    assert exc.value.code == 2
    assert 'time: negative duration "-1s"' in capsys.readouterr().err


def test_local_status_and_down_without_a_stack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.delenv("TAGPILOT_MODE", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setenv("TAGPILOT_HOME", str(tmp_path))
    assert main(["local", "status"]) == 1
    assert capsys.readouterr().out == "local stack is not running\n"
    assert main(["local", "down"]) == 0
    assert capsys.readouterr().out == "local stack was not running\n"
