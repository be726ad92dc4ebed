"""Ignore rules against a table of gitignore cases (pathspec, git semantics) and Flux's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot.oci.ignore import IgnoreRules, load_rules, scoped

pytestmark = pytest.mark.unit

# (patterns, path, is_dir, excluded)
TABLE = [
    (["*.md"], "README.md", False, True),
    (["*.md"], "docs/guide.md", False, True),
    (["*.md", "!README.md"], "README.md", False, False),
    (["*.md", "!README.md"], "docs/README.md", False, False),
    (["/*.md"], "docs/guide.md", False, False),
    (["/*.md"], "guide.md", False, True),
    (["docs/"], "docs", True, True),
    (["docs/"], "docs/a.yaml", False, True),
    (["docs/"], "x/docs/a.yaml", False, True),
    (["docs/"], "docs", False, False),  # a file named docs is not a directory
    (["/deploy"], "deploy/app/x.yaml", False, True),
    (["/*", "!/deploy"], "deploy/x.yaml", False, False),
    (["/*", "!/deploy"], "other.yaml", False, True),
    (["a/**/b"], "a/b", False, True),
    (["a/**/b"], "a/x/y/b", False, True),
    (["a/**"], "a/x/y", False, True),
    (["**/secret.yaml"], "x/y/secret.yaml", False, True),
    (["*.y?ml"], "a.yaml", False, True),
    (["*.y?ml"], "a.yml", False, False),
    (["[ab].txt"], "a.txt", False, True),
    (["[!ab].txt"], "a.txt", False, False),
    (["[!ab].txt"], "c.txt", False, True),
    (["\\#hash"], "#hash", False, True),
    (["# comment"], "# comment", False, False),
    (["foo  "], "foo", False, True),  # trailing spaces trimmed
    (["sub/file"], "x/sub/file", False, False),  # a slash anchors
    (["foo"], "x/foo/y", False, True),  # a name matches at any depth, and below it
]


@pytest.mark.parametrize(("patterns", "path", "is_dir", "excluded"), TABLE)
def test_gitignore_table(patterns: list[str], path: str, is_dir: bool, excluded: bool) -> None:
    rules = IgnoreRules.from_patterns(patterns)
    assert rules.excluded(path, is_dir) is excluded


@pytest.mark.parametrize(
    ("path", "is_dir"),
    [
        (".git", True),
        (".gitignore", False),
        ("logo.png", False),
        ("a/b.tar.gz", False),
        (".github", True),
        (".circleci/config.yml", False),
        ("x/.sops.yaml", False),
        (".goreleaser.yml", False),
        ("cloudbuild.yaml", False),
    ],
)
def test_defaults_apply_without_own_patterns(path: str, is_dir: bool) -> None:
    assert IgnoreRules.from_patterns([]).excluded(path, is_dir)


def test_own_patterns_drop_non_vcs_defaults() -> None:
    rules = IgnoreRules.from_patterns(["*.md"])
    assert rules.excluded(".git", True) and rules.excluded("a.md")
    assert not rules.excluded("logo.png") and not rules.excluded(".github", True)
    # blank lines and comments are no patterns: the defaults stay
    assert IgnoreRules.from_patterns(["", "# only a comment"]).excluded("logo.png")


def test_scoping_of_nested_sourceignore() -> None:
    assert scoped("*.yaml", "") == "*.yaml"
    assert scoped("*.yaml", "a/b") == "a/b/**/*.yaml"
    assert scoped("/x.yaml", "a") == "a/x.yaml"
    assert scoped("!keep/me", "a") == "!a/keep/me"
    assert scoped("# c", "a") is None


def test_load_rules_walks_sourceignore_files(tmp_path: Path) -> None:
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sourceignore").write_text("*.txt\n")
    (tmp_path / "a/.sourceignore").write_text("/local.yaml\n!keep.txt\n")
    (tmp_path / ".git/.sourceignore").write_text("*\n")  # never read
    rules = load_rules(tmp_path, "extra.yaml\n")
    assert rules.excluded("x.txt") and not rules.excluded("a/keep.txt")
    assert rules.excluded("a/local.yaml") and not rules.excluded("local.yaml")
    assert not rules.excluded("a/b/local.yaml") and rules.excluded("z/extra.yaml")
    assert not rules.excluded("x.yaml") and not rules.excluded("logo.png")
