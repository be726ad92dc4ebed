"""Golden-file tests: tests/golden/setters/<case>/{input,expected} compared byte for byte.

Each case has a ``setters.json`` (automation namespace and ``latestRef`` of each policy)
and optionally a ``changes.json`` with the expected change records.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tagpilot.update.apply import apply_setters
from tagpilot.update.imageref import ImageRef
from tagpilot.update.setters import setters_for_policies
from tagpilot.update.walk import iter_local_files

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "setters"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _setters(case: Path) -> dict[str, str]:
    config = json.loads((case / "setters.json").read_text())
    policies = {name: ImageRef(**ref) for name, ref in config["policies"].items()}
    return setters_for_policies(config["namespace"], policies)


@pytest.mark.parametrize("name", CASES)
def test_golden_case(name: str) -> None:
    case = GOLDEN / name
    files = [(rel, path.read_bytes()) for rel, path in iter_local_files(case / "input", "")]
    outcome = apply_setters(files, _setters(case))

    actual = _tree(case / "input") | outcome.changed
    expected = _tree(case / "expected")
    assert sorted(actual) == sorted(expected)
    for rel in expected:
        assert actual[rel] == expected[rel], rel
    # Only files that really changed are reported as changed.
    assert all(outcome.changed[rel] != dict(files)[rel] for rel in outcome.changed)

    changes_file = case / "changes.json"
    if changes_file.exists():
        assert outcome.result.records() == json.loads(changes_file.read_text())


def test_golden_cases_exist() -> None:
    assert {"markers", "quoting", "block", "multidoc", "crlf", "selection", "list"} <= set(CASES)


def test_selection_reports_unparseable_files() -> None:
    case = GOLDEN / "selection"
    files = [(rel, path.read_bytes()) for rel, path in iter_local_files(case / "input", "")]
    outcome = apply_setters(files, _setters(case))
    assert sorted(outcome.skipped) == ["charts/templates/deployment.yaml", "toplevel-sequence.yaml"]


def test_second_run_is_a_no_op() -> None:
    for name in CASES:
        case = GOLDEN / name
        files = [(rel, p.read_bytes()) for rel, p in iter_local_files(case / "expected", "")]
        outcome = apply_setters(files, _setters(case))
        assert outcome.changed == {}, name
