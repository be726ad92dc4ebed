"""``tagpilot policy test``, in-process: golden cases plus input handling and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.functional

GOLDEN = Path(__file__).parents[2] / "golden" / "policy_test"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "cmd.json").is_file())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [a.replace("{dir}", str(case)) for a in json.loads((case / "cmd.json").read_text())]
    code = main(args)
    out, err = capsys.readouterr()
    assert out == (case / "expected.stdout").read_text()
    assert code == int((case / "expected.code").read_text())
    expected_err = case / "expected.stderr"
    if expected_err.exists():
        assert expected_err.read_text().strip() in err
    elif code == 0:
        assert err == ""


def test_tags_from_stdin_ignore_blank_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n1.0.0\n\n  1.1.0  \r\n"))
    assert main(["policy", "test", "--select-semver", "*"]) == 0
    assert capsys.readouterr().out == "1.1.0\n"


def test_dash_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("3\n20\n"))
    assert main(["policy", "test", "--select-numeric", "asc", "--tags-file", "-"]) == 0
    assert capsys.readouterr().out == "20\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "one of -f, --select-semver, --select-numeric or --select-alpha is required"),
        (
            ["--select-semver", "*", "--filter-extract", "$1"],
            "--filter-extract needs --filter-regex",
        ),
        (["-f", "-"], "-f - and tags on stdin cannot both be used"),
        (["-f", "/nonexistent/policy.yaml", "--tags-file", "/dev/null"], "cannot read"),
        (["--select-alpha", "asc", "--tags-file", "/nonexistent"], "cannot read /nonexistent"),
        (["--select-alpha", "asc", "--exclusion", "(?<=x)"], "invalid exclusion pattern"),
        (["--select-numeric", "asc", "--filter-regex", "("], "missing closing )"),
    ],
)
def test_usage_and_invalid_input_exit_2(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a\n"))
    assert main(["policy", "test", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err


def test_select_flags_are_mutually_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["policy", "test", "--select-semver", "*", "--select-alpha", "asc"])
    assert info.value.code == 2


def test_manifest_and_flags_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "p.yaml"
    manifest.write_text("kind: ImagePolicy\nspec:\n  policy:\n    alphabetical: {}\n")
    tags = tmp_path / "tags"
    tags.write_text("a\nb\n")
    args = ["policy", "test", "-f", str(manifest), "--tags-file", str(tags)]
    assert main([*args, "--select-semver", "*"]) == 2
    assert main(args) == 0
    assert capsys.readouterr().out == "b\n"


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("kind: ImageRepository\nspec: {}\n", "no ImagePolicy document found"),
        ("kind: ImagePolicy\n", "ImagePolicy has no spec"),
        ("kind: ImagePolicy\nspec: {policy: {}}\n", "given ImagePolicyChoice object is invalid"),
        ("kind: [", "invalid YAML"),
        (
            "kind: ImagePolicy\nspec: {policy: {numerical: {order: ASC}}}\n",
            "invalid order argument provided: 'ASC'",
        ),
    ],
)
def test_invalid_manifests_exit_2(
    manifest: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(manifest)
    tags = tmp_path / "tags"
    tags.write_text("1\n")
    assert main(["policy", "test", "-f", str(path), "--tags-file", str(tags)]) == 2
    assert message in capsys.readouterr().err


def test_everything_excluded_is_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a.sig\n"))
    assert main(["policy", "test", "--select-alpha", "asc", "-o", "json"]) == 1
    out, err = capsys.readouterr()
    assert "no tags to evaluate after exclusion" in err
    assert json.loads(out) == {
        "latest": None,
        "candidates": [],
        "rejected": [{"tag": "a.sig", "why": "excluded by exclusion pattern '^.*\\.sig$'"}],
    }


def test_policy_without_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy"]) == 2
    assert "test" in capsys.readouterr().err
