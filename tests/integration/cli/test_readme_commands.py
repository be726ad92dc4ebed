"""Every ``tagpilot`` command the README shows runs as written, in order, from the repository
root, on the real local stack (a throwaway ``TAGPILOT_HOME``).

Commands are the lines of ```sh / ```console blocks that start with ``tagpilot`` or
``$ tagpilot``, or pipe into it. Blocks that configure a deployed stack (``TAGPILOT_MODE=aws``)
need an AWS account and are left out; ``make demo`` and ``make test`` are CI's own steps.
Synopses with ``[optional]`` parts belong in ```text blocks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
_BLOCK = re.compile(r"```(?:sh|console)\n(.*?)```", re.S)


def readme_commands() -> list[str]:
    commands = []
    for block in _BLOCK.findall((ROOT / "README.md").read_text()):
        if "TAGPILOT_MODE=aws" in block:
            continue
        for raw in block.splitlines():
            line = raw[2:] if raw.startswith("$ ") else raw
            if line.startswith("tagpilot ") or re.match(r"^[^#]*\| tagpilot ", line):
                commands.append(line)
    return commands


def test_the_readme_shows_the_cli() -> None:
    commands = readme_commands()
    assert len(commands) >= 10
    assert any(c.startswith("tagpilot apply -f examples/") for c in commands)


def test_every_readme_command_runs(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAGPILOT_")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["TAGPILOT_HOME"] = str(tmp_path / "home")
    before = subprocess.run(
        ["git", "status", "--porcelain", "examples"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    try:
        for command in readme_commands():
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    finally:
        subprocess.run(["tagpilot", "local", "down"], cwd=ROOT, env=env, check=False)
    after = subprocess.run(
        ["git", "status", "--porcelain", "examples"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert after == before  # the README's commands leave the examples unchanged
