"""What the stack tier runs: the ``sam build`` output, with the layer built for this machine.

``.aws-sam/build`` must hold the current sources' build (``make build``; rebuilt here when a
function or the tagpilot package differs from its source). The layer ``sam build`` makes is for
arm64 (Lambda's architecture here), so the tier runs the same Makefile and pins for the host
architecture and puts the *built* tagpilot package from ``.aws-sam/build`` into it.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import platform
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BUILD = ROOT / ".aws-sam" / "build"
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[
    platform.machine().lower()
]


def _stale(built: Path, source: Path) -> bool:
    if not built.exists():
        return True
    cmp = filecmp.dircmp(built, source, ignore=["__pycache__", "tests"])
    if cmp.left_only and any(not p.endswith(".pyc") for p in cmp.left_only):
        return True
    return bool(cmp.right_only or cmp.diff_files) or any(
        _stale(built / d, source / d) for d in cmp.common_dirs
    )


def sam_build(functions: dict[str, str]) -> Path:
    """``.aws-sam/build``, rebuilt with ``make build`` when it does not match the sources."""
    stale = not (BUILD / "template.yaml").exists() or _stale(
        BUILD / "TagpilotLayer" / "python" / "tagpilot", ROOT / "layers/tagpilot/tagpilot"
    )
    for logical_id, code_uri in functions.items():
        built = BUILD / logical_id / "app.py"
        source = ROOT / code_uri / "app.py"
        stale = stale or not built.exists() or built.read_bytes() != source.read_bytes()
    if stale:
        subprocess.run(["make", "-s", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return BUILD


def host_layer(python313: list[str]) -> Path:
    """The layer for the host architecture: pinned dependencies (cached by the pins) plus the
    tagpilot package exactly as ``sam build`` built it. Returns the directory for sys.path."""
    reqs = ROOT / "layers/tagpilot/requirements.txt"
    key = hashlib.sha256(reqs.read_bytes() + (ROOT / "layers/tagpilot/Makefile").read_bytes())
    base = ROOT / ".aws-sam" / "stack" / f"layer-{HOST_ARCH}-{key.hexdigest()[:12]}"
    site = base / "python"
    if not (base / ".done").exists():
        shutil.rmtree(base, ignore_errors=True)
        pip = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "pip")
        subprocess.run(
            [
                "make",
                "-s",
                "-f",
                "layers/tagpilot/Makefile",
                "build-TagpilotLayer",
                f"ARTIFACTS_DIR={base}",
                f"LAYER_ARCH={HOST_ARCH}",
                f"PIP={pip}",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (base / ".done").write_text("ok")
    shutil.rmtree(site / "tagpilot", ignore_errors=True)
    shutil.copytree(BUILD / "TagpilotLayer" / "python" / "tagpilot", site / "tagpilot")
    return site


def python313() -> list[str]:
    """The Lambda runtime's Python (3.13), through scripts/python313."""
    probe = subprocess.run(
        [str(ROOT / "scripts/python313"), "-c", "import sys; print(sys.executable)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise RuntimeError("the stack tier needs Python 3.13: " + probe.stderr.strip())
    return [probe.stdout.strip()]
