"""Run the ``tagpilot`` CLI in-process against the test App (DynamoDB Local, moto)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    app: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    """``cli("get", "images", "all")`` -> exit code, stdout, stderr; the CLI uses ``app``."""
    from tagpilot.cli.main import main

    monkeypatch.setattr("tagpilot.runtime.app.build_app", lambda *_a, **_k: app)
    monkeypatch.delenv("FLUX_SYSTEM_NAMESPACE", raising=False)

    def run(*argv: str, stdin: str | None = None) -> Run:
        if stdin is not None:
            import io

            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
