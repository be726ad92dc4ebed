"""``tagpilot update`` in-process, on temporary copies of the golden inputs."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.functional

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "setters"
DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
MARKERS_SET = [
    "--set",
    f"flux-system:app=ghcr.io/org/app:1.2.3@{DIGEST}",
    "--set",
    "flux-system:web=docker.io/org/web:v2.0.0",
]


def _copy(tmp_path: Path, case: str) -> Path:
    dest = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", dest, symlinks=True)
    return dest


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_update_writes_expected_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = _copy(tmp_path, "markers")
    target = work / "deployment.yaml"
    os.chmod(target, 0o640)
    assert main(["update", "--path", str(work), *MARKERS_SET]) == 0
    assert _tree(work) == _tree(GOLDEN / "markers" / "expected")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    out = capsys.readouterr().out
    assert (
        "deployment.yaml: flux-system:web: docker.io/org/web:v1.0.0 -> docker.io/org/web:v2.0.0"
        in out
    )
    assert not list(work.glob(".*.tmp"))


def test_dry_run_prints_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = _copy(tmp_path, "markers")
    before = _tree(work)
    assert main(["update", "--path", str(work), "--dry-run", *MARKERS_SET]) == 0
    assert _tree(work) == before
    out = capsys.readouterr().out
    assert out.startswith("--- a/deployment.yaml\n+++ b/deployment.yaml\n")
    assert "-          image: docker.io/org/web:v1.0.0" in out
    assert "+          image: docker.io/org/web:v2.0.0" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = _copy(tmp_path, "multidoc")
    assert (
        main(
            [
                "update",
                "--path",
                str(work),
                "-o",
                "json",
                "--set",
                "flux-system:app=ghcr.io/org/app:1.2.3",
            ]
        )
        == 0
    )
    records = json.loads(capsys.readouterr().out)
    assert records == json.loads((GOLDEN / "multidoc" / "changes.json").read_text())


def test_nothing_to_do_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = _copy(tmp_path, "markers")
    before = _tree(work)
    assert main(["update", "--path", str(work), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert _tree(work) == before


def test_other_namespace_set_is_ignored_with_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = _copy(tmp_path, "namespace")
    args = [
        "update",
        "--path",
        str(work),
        "--namespace",
        "apps",
        "--set",
        "apps:app=ghcr.io/org/app:1.2.3",
        "--set",
        "flux-system:app=ghcr.io/org/app:9.9.9",
    ]
    assert main(args) == 0
    assert _tree(work) == _tree(GOLDEN / "namespace" / "expected")
    assert "ignored" in capsys.readouterr().err


def test_default_namespace_is_flux_system(tmp_path: Path) -> None:
    work = _copy(tmp_path, "list")
    assert (
        main(["update", "--path", str(work), "--set", "flux-system:app=ghcr.io/org/app:1.2.3"]) == 0
    )
    assert _tree(work) == _tree(GOLDEN / "list" / "expected")


def test_skipped_files_are_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = _copy(tmp_path, "selection")
    assert (
        main(["update", "--path", str(work), "--set", "flux-system:app=ghcr.io/org/app:1.2.3"]) == 0
    )
    assert _tree(work) == _tree(GOLDEN / "selection" / "expected")
    err = capsys.readouterr().err
    assert "skipped charts/templates/deployment.yaml" in err


def test_single_file_path(tmp_path: Path) -> None:
    work = _copy(tmp_path, "helm-values")
    args = [
        "update",
        "--path",
        str(work / "values.yaml"),
        "--set",
        "flux-system:app=ghcr.io/org/app:1.2.3",
        "--set",
        "flux-system:ver=ghcr.io/org/ver:1.10",
    ]
    assert main(args) == 0
    assert _tree(work) == _tree(GOLDEN / "helm-values" / "expected")


def test_registry_port_in_reference(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text('image: x # {"$imagepolicy": "flux-system:app:name"}\n')
    assert (
        main(["update", "--path", str(tmp_path), "--set", "flux-system:app=localhost:5000/app:1.2"])
        == 0
    )
    assert (
        tmp_path / "a.yaml"
    ).read_text() == 'image: localhost:5000/app # {"$imagepolicy": "flux-system:app:name"}\n'


@pytest.mark.parametrize(
    "bad",
    [
        ["--set", "flux-system:app"],
        ["--set", "app=ghcr.io/org/app:1.0"],
        ["--set", "flux-system:app=ghcr.io/org/app"],
        ["--set", "flux-system:app:tag=ghcr.io/org/app:1.0"],
        ["--set", "flux-system:app=localhost:5000/app"],
    ],
)
def test_bad_set_exits_2(
    tmp_path: Path, bad: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["update", "--path", str(tmp_path), *bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --set") and "Traceback" not in err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["update", "--path", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_missing_required_option_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["update"])
    assert exc.value.code == 2
