"""flux's table bytes, streams and colour rules; Go durations; label and status selectors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from tagpilot.cli import output
from tagpilot.cli.common import CliError
from tagpilot.cli.main import invoked_command
from tagpilot.cli.selectors import parse_selector, parse_status_selector
from tagpilot.cli.yamlout import scalar
from tagpilot.golang.duration import DurationError, format_go_duration, parse_go_duration
from tagpilot.reconcile.selectors import matches

pytestmark = pytest.mark.unit


def test_table_is_flux_golden() -> None:
    # flux2 cmd/flux/testdata/image/get_image_policy_regex.golden
    table = output.render_table(
        ["NAME", "IMAGE", "TAG", "READY", "MESSAGE"],
        [
            [
                "podinfo-regex",
                "ghcr.io/stefanprodan/podinfo",
                "5.0.0",
                "True",
                "Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 5.0.0",
            ]
        ],
    )
    assert (
        table
        == (
            "NAME         \tIMAGE                       \tTAG  \tREADY\tMESSAGE"
            + " " * 60  # padded to the 67 characters of the message, then one space
            + " \n"
            "podinfo-regex\tghcr.io/stefanprodan/podinfo\t5.0.0\tTrue \t"
            "Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 5.0.0\t\n"
        )
    )


def test_table_wide_characters_and_multiline_cells() -> None:
    table = output.render_table(["A", "B"], [["日本", "x\ny"]], header=False)
    assert table == "日本\tx\t\n    \ty\t\n"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty, pipe = _Tty(), io.StringIO()
    output.line(output.SUCCESS, "done", tty)
    output.line(output.SUCCESS, "done", pipe)
    assert tty.getvalue() == "\033[32m✔\033[0m done\n"
    assert pipe.getvalue() == "✔ done\n"
    monkeypatch.setenv("NO_COLOR", "")
    tty = _Tty()
    output.line(output.FAILURE, "no", tty)
    assert tty.getvalue() == "✗ no\n"


def test_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    output.action("annotating")
    output.waiting("waiting")
    output.result("table")
    captured = capsys.readouterr()
    assert captured.err == "► annotating\n◎ waiting\n"
    assert captured.out == "table\n"


@pytest.mark.parametrize(
    ("text", "nanos", "printed"),
    [
        ("30s", 30 * 10**9, "30s"),
        ("5m", 300 * 10**9, "5m0s"),
        ("1h30m", 5400 * 10**9, "1h30m0s"),
        ("1.5h", 5400 * 10**9, "1h30m0s"),
        ("500ms", 500 * 10**6, "500ms"),
        ("2h45m30.5s", 9930500 * 10**6, "2h45m30.5s"),
        ("0", 0, "0s"),
        ("1us", 1000, "1µs"),
    ],
)
def test_go_durations(text: str, nanos: int, printed: str) -> None:
    assert parse_go_duration(text) == nanos
    assert format_go_duration(nanos) == printed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("5", 'time: missing unit in duration "5"'),
        ("5x", 'time: unknown unit in duration "5x"'),
        ("abc", 'time: invalid duration "abc"'),
    ],
)
def test_go_duration_errors(text: str, message: str) -> None:
    with pytest.raises(DurationError, match=message):
        parse_go_duration(text)


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("^5.0", "^5.0"),
        ("~1.0", "~1.0"),
        ("5.0.x", "5.0.x"),
        ("$ts", "$ts"),
        ("^main-[a-f0-9]+-(?P<ts>[0-9]+)", "^main-[a-f0-9]+-(?P<ts>[0-9]+)"),
        ("*", "'*'"),
        ("[ci skip] update image", "'[ci skip] update image'"),
        (">=1.0.0 <2.0.0", "'>=1.0.0 <2.0.0'"),
        ("{{range .Changed.Changes}}", "'{{range .Changed.Changes}}'"),
        ("@x", "'@x'"),
        ("1.10", '"1.10"'),
        ("true", '"true"'),
        ("yes", '"yes"'),
        ("on", '"on"'),
        ("null", '"null"'),
        ("2021-01-28", '"2021-01-28"'),
        ("1611840548", '"1611840548"'),
        ("", '""'),
    ],
)
def test_go_yaml_v2_scalars(value: str, rendered: str) -> None:
    # The reference's table, verified against go-yaml v2 by running it.
    assert scalar(value) == rendered


def test_label_selectors() -> None:
    sel = parse_selector("app=web,tier!=db,env in (prod, staging),!legacy,owner")
    assert matches(sel, {"app": "web", "env": "prod", "owner": "x"})
    assert not matches(sel, {"app": "web", "env": "prod", "owner": "x", "legacy": "1"})
    assert not matches(sel, {"app": "web", "tier": "db", "env": "prod", "owner": "x"})
    assert not matches(sel, {"app": "web", "env": "dev", "owner": "x"})
    with pytest.raises(CliError, match="unable to parse requirement"):
        parse_selector("app=(x")


def test_status_selector() -> None:
    assert parse_status_selector("Ready=True") == ("ready", "true", True)
    assert parse_status_selector("ready!=false") == ("ready", "false", False)
    with pytest.raises(CliError) as exc:
        parse_status_selector("ready")
    assert str(exc.value) == (
        "expected status selector in type=status or type!=status format, but found: ready"
    )


def test_invoked_command_skips_global_flag_values() -> None:
    assert invoked_command(["-n", "apps", "get", "images", "all"]) == "get"
    assert invoked_command(["--timeout", "1m", "reconcile"]) == "reconcile"
    assert invoked_command(["--help"]) is None


def test_shell_completion_answers_from_the_parser(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "completions"
    script = Path(sys.executable).with_name("tagpilot")
    line = "tagpilot reconcile image rep"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
    }
    subprocess.run([str(script)], env=env, check=True, timeout=60)
    assert out.read_text().split() == ["repository"]
