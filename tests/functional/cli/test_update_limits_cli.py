"""Limits on the files ``tagpilot update`` (and the automation) reads from a tree.

A marked file nested 3,000 levels deep or over the size limit is skipped with a reason, like an
unparseable file, and the other files are still updated; more marked fields than one run may
edit fail the run before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot.cli.main import main
from tagpilot.limits import MAX_MARKERS_PER_RUN, MAX_REPO_FILE_BYTES, MAX_REPO_YAML_DEPTH

pytestmark = pytest.mark.functional

MARKER = '# {"$imagepolicy": "flux-system:app"}'
SET = ["--set", "flux-system:app=ghcr.io/org/app:1.1"]
GOOD = f"kind: Deployment\nmetadata:\n  name: app\nspec:\n  image: ghcr.io/org/app:1.0 {MARKER}\n"


def _nested(depth: int) -> str:
    lines = ["kind: Deployment", "metadata:", "  name: deep", "spec:"]
    lines += [" " * (i + 1) + f"k{i}:" for i in range(depth)]
    lines.append(" " * (depth + 1) + f"image: ghcr.io/org/app:1.0 {MARKER}")
    return "\n".join(lines) + "\n"


def _run(tree: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["update", "--path", str(tree), *SET])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_marked_file_nested_3000_deep_is_skipped_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deep.yaml").write_text(_nested(3000))
    (tmp_path / "good.yaml").write_text(GOOD)
    code, output = _run(tmp_path, capsys)
    assert code == 0
    assert (
        f"warning: skipped deep.yaml: YAML nested deeper than {MAX_REPO_YAML_DEPTH} levels"
        in output
    )
    assert "RecursionError" not in output and "Traceback" not in output
    assert "ghcr.io/org/app:1.1" in (tmp_path / "good.yaml").read_text()
    assert (tmp_path / "deep.yaml").read_text() == _nested(3000)


def test_nesting_up_to_the_limit_is_still_updated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the marked value sits at depth limit - 1 (inside "spec" and the k-levels)
    (tmp_path / "deep.yaml").write_text(_nested(MAX_REPO_YAML_DEPTH - 2))
    code, output = _run(tmp_path, capsys)
    assert code == 0 and "skipped" not in output
    assert "ghcr.io/org/app:1.1" in (tmp_path / "deep.yaml").read_text()


def test_marked_file_over_the_size_limit_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = GOOD + "# " + "x" * MAX_REPO_FILE_BYTES + "\n"
    (tmp_path / "big.yaml").write_text(big)
    code, output = _run(tmp_path, capsys)
    assert code == 0
    assert (
        "warning: skipped big.yaml: larger than 8 MiB (the limit for files with markers)" in output
    )
    assert (tmp_path / "big.yaml").read_text() == big


def test_more_markers_than_one_run_may_edit_fails_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit is lowered for speed (10,000 marked documents take a minute to parse here);
    # the code path is the real one.
    assert MAX_MARKERS_PER_RUN == 10_000
    limit = 40
    monkeypatch.setattr("tagpilot.update.apply.MAX_MARKERS_PER_RUN", limit)
    items = "".join(
        f"---\nkind: Deployment\nmetadata:\n  name: app{i}\nspec:\n"
        f"  image: ghcr.io/org/app:1.0 {MARKER}\n"
        for i in range(limit // 2 + 1)
    )
    (tmp_path / "a.yaml").write_text(items)
    (tmp_path / "b.yaml").write_text(items)
    code, output = _run(tmp_path, capsys)
    assert code == 1
    assert (
        f"error: more than {limit} marked fields under the update path (the per-run limit, "
        "reached in b.yaml); nothing was changed"
    ) in output
    assert (tmp_path / "a.yaml").read_text() == items  # nothing written
    assert (tmp_path / "b.yaml").read_text() == items
