"""File selection of a local checkout (IAC ScreeningLocalReader) and secure_join."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tagpilot.update.errors import UpdatePathError
from tagpilot.update.walk import is_candidate_name, iter_local_files, secure_join

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.yaml", True),
        ("a.yml", True),
        (".yaml", True),
        ("a.b.yaml", True),
        ("Kustomization", True),
        ("a.YAML", False),
        ("a.Yml", False),
        ("a.json", False),
        ("a.tpl", False),
        ("kustomization", False),
        ("Kustomization.bak", False),
        ("a.yaml~", False),
    ],
)
def test_is_candidate_name(name: str, expected: bool) -> None:
    assert is_candidate_name(name) is expected


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "apps" / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "real").mkdir()
    for rel in (
        "apps/a.yaml",
        "apps/sub/b.yml",
        "apps/c.YAML",
        ".hidden/h.yaml",
        "real/r.yaml",
        "top.yaml",
        "Kustomization",
        "apps.yaml",
    ):
        (root / rel).write_text("x: 1\n")
    (tmp_path / "outside.yaml").write_text("secret: 1\n")
    os.symlink("real", root / "linkdir")  # symlinked directory: not followed
    os.symlink("real/r.yaml", root / "link.yaml")  # symlinked file: not followed either
    os.symlink("missing.yaml", root / "dangling.yaml")
    os.symlink(str(tmp_path / "outside.yaml"), root / "escape.yaml")
    os.symlink("real", root / "dirlink.yaml")  # link to a directory with a YAML name
    return root


def test_walk_order_and_rules(tree: Path) -> None:
    # The automation's rule (Git trees): no symbolic link is followed, to a file or a directory.
    assert [rel for rel, _ in iter_local_files(tree, "")] == [
        ".hidden/h.yaml",
        "Kustomization",
        "apps/a.yaml",
        "apps/sub/b.yml",
        "apps.yaml",
        "real/r.yaml",
        "top.yaml",
    ]


def test_walk_sub_path_and_single_file(tree: Path) -> None:
    assert [rel for rel, _ in iter_local_files(tree, "apps")] == ["a.yaml", "sub/b.yml"]
    assert [rel for rel, _ in iter_local_files(tree, "/apps/sub/b.yml")] == ["b.yml"]
    assert [rel for rel, _ in iter_local_files(tree, "../../apps/../apps/sub")] == ["b.yml"]


def test_walk_missing_path(tree: Path) -> None:
    with pytest.raises(UpdatePathError):
        list(iter_local_files(tree, "nope"))


@pytest.mark.parametrize(
    ("unsafe", "expected"),
    [
        ("", ""),
        (".", ""),
        ("/", ""),
        ("apps", "apps"),
        ("/apps", "apps"),
        ("apps/../apps/./sub", "apps/sub"),
        ("../../../apps", "apps"),
        ("apps/../../..", ""),
        ("abs-link/sub", "apps/sub"),  # absolute link target is taken relative to the root
        ("rel-link", "apps/sub"),
        ("up-link/x", "x"),  # a link climbing out is clamped at the root
    ],
)
def test_secure_join(tmp_path: Path, unsafe: str, expected: str) -> None:
    (tmp_path / "apps" / "sub").mkdir(parents=True)
    os.symlink("/apps", tmp_path / "abs-link")
    os.symlink("apps/sub", tmp_path / "rel-link")
    os.symlink("../../..", tmp_path / "up-link")
    joined = secure_join(tmp_path, unsafe, must_exist=False)
    assert joined == (tmp_path / expected if expected else tmp_path)


def test_secure_join_symlink_loop(tmp_path: Path) -> None:
    os.symlink("loop", tmp_path / "loop")
    with pytest.raises(UpdatePathError):
        secure_join(tmp_path, "loop")
