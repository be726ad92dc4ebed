#!/usr/bin/env python3
"""Rewrite ``expected.stdout`` and ``expected.code`` of every ``tagpilot policy test`` golden case.

An explicit, manual step after a deliberate change, never part of a test run (the test only
compares): ``.venv/bin/python tests/golden/policy_test/regenerate.py``, then review the diff.
Refuses to run under CI (``CI`` set), so a CI job can never make the golden files agree with
whatever the code prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

from tagpilot.cli.main import main as tagpilot

HERE = Path(__file__).resolve().parent


def main() -> int:
    if os.environ.get("CI"):
        print("regenerate.py: refusing to rewrite golden files under CI", file=sys.stderr)
        return 2
    for case in sorted(p for p in HERE.iterdir() if (p / "cmd.json").is_file()):
        args = [a.replace("{dir}", str(case)) for a in json.loads((case / "cmd.json").read_text())]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = tagpilot(args)
        (case / "expected.stdout").write_text(out.getvalue())
        (case / "expected.code").write_text(f"{code}\n")
        print(f"{case.name}: exit {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
