"""``tagpilot migrate flux-v1``: golden trees from the migration guide's worked example and from
Flux v1 manifests of fluxcd/flux-get-started (``tests/golden/migrate/<case>/{input,expected}``,
``stderr.txt`` the report). Only marker bytes change in the workload files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.functional

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "migrate"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_migrate_writes_expected_tree(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", work)
    assert main(["migrate", "flux-v1", "--path", str(work)]) == 0
    captured = capsys.readouterr()
    assert _tree(work) == _tree(GOLDEN / case / "expected")
    assert captured.out == ""
    report = captured.err.replace(str(work), "<path>")
    assert report == (GOLDEN / case / "stderr.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_dry_run_prints_diff_and_objects_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", work)
    before = _tree(work)
    assert main(["migrate", "flux-v1", "--path", str(work), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert _tree(work) == before
    objects = (GOLDEN / case / "expected" / "image-automation.yaml").read_text()
    assert out.endswith(objects)
    assert out.startswith("--- a/")
    added = [
        line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    assert added and all('# {"$imagepolicy": "flux-system:' in line for line in added)


def test_output_yaml_prints_objects_and_edits_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "guide"
    shutil.copytree(GOLDEN / "guide" / "input", work)
    argv = [
        "migrate",
        "flux-v1",
        "--path",
        str(work),
        "-o",
        "yaml",
        "-n",
        "automation",
        "--git-url",
        "ssh://git@github.com/org/fleet",
        "--update-path",
        "./apps",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert not (work / "image-automation.yaml").exists()
    assert "kind: GitRepository\n" in out and "url: ssh://git@github.com/org/fleet\n" in out
    assert "    path: ./apps\n" in out
    assert (
        '# {"$imagepolicy": "automation:podinfo"}' in (work / "apps" / "podinfo.yaml").read_text()
    )


def test_second_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "guide"
    shutil.copytree(GOLDEN / "guide" / "input", work)
    assert main(["migrate", "flux-v1", "--path", str(work)]) == 0
    once = _tree(work)
    assert main(["migrate", "flux-v1", "--path", str(work)]) == 0
    assert _tree(work) == once
