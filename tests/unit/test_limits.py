"""The limits module: the YAML gate, the tag grammar, and the README table kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot import limits
from tagpilot.limits import LimitError, check_yaml, valid_tag

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_row(name: str) -> str:
    text = README.read_text()
    section = text[text.index("## Limits") :]
    section = section[: section.index("\n## ")]
    rows = [line for line in section.splitlines() if line.startswith(f"| {name} |")]
    assert len(rows) == 1, name
    return rows[0]


@pytest.mark.parametrize(
    ("row", "value"),
    [
        ("manifest file (or stdin)", f"{limits.MAX_MANIFEST_BYTES // limits.MIB} MiB"),
        ("manifest nesting", f"{limits.MAX_MANIFEST_DEPTH} levels"),
        ("alias expansion per document", f"{limits.MAX_MANIFEST_NODES:,} nodes"),
        ("integer literal", f"{limits.MAX_INTEGER_CHARS} characters"),
        ("object size", f"{limits.MAX_OBJECT_BYTES // limits.KIB} KiB"),
        ("marked YAML file in Git", f"{limits.MAX_REPO_FILE_BYTES // limits.MIB} MiB"),
        ("nesting in a marked file", f"{limits.MAX_REPO_YAML_DEPTH} levels"),
        ("marked fields per run", f"{limits.MAX_MARKERS_PER_RUN:,}"),
        ("commit message template output", f"{limits.MAX_TEMPLATE_OUTPUT_BYTES // limits.KIB} KiB"),
        ("commit message template steps", f"{limits.MAX_TEMPLATE_STEPS:,} nodes"),
        ("tag grammar", f"`{limits.TAG_GRAMMAR.pattern}`"),
    ],
)
def test_readme_table_matches_the_code(row: str, value: str) -> None:
    assert f"| {value}" in _readme_row(row)


@pytest.mark.parametrize(
    ("tag", "valid"),
    [
        ("1.0.0", True),
        ("v1.2.3-rc.1_build", True),
        ("_", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("", False),
        ("1.0.0\n", False),
        ("../../etc", False),
        ("-x", False),
        (".x", False),
        ("a\x00", False),
        ("é", False),
        ("a b", False),
        ("a:b", False),
        ("a/b", False),
    ],
)
def test_tag_grammar(tag: str, valid: bool) -> None:
    assert valid_tag(tag) is valid


def test_anchored_scalars_count_with_their_length() -> None:
    text = "a: &a " + "x" * 1000 + "\nb: [" + ",".join(["*a"] * 10) + "]\n"
    check_yaml(text, max_depth=8, max_nodes=100)  # 11,000 characters: fine
    many = "a: &a " + "x" * 1000 + "\nb: [" + ",".join(["*a"] * 5000) + "]\n"
    with pytest.raises(LimitError, match="expands to more than 10000 nodes or 4 MiB of text"):
        check_yaml(many, max_depth=8, max_nodes=10_000)


def test_nested_aliases_multiply() -> None:
    text = "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n"
    check_yaml(text, max_depth=8, max_nodes=200)
    with pytest.raises(LimitError, match="line 4"):
        check_yaml(text, max_depth=8, max_nodes=100)


def test_counts_restart_per_document() -> None:
    doc = "a: [" + ",".join(["1"] * 60) + "]\n"
    check_yaml(doc + "---\n" + doc, max_depth=8, max_nodes=100)


def test_brackets_inside_strings_only_stop_far_past_the_limit() -> None:
    quoted = "p: '" + "[" * 40 + "'\n"  # a regexp-like string, not nesting
    check_yaml(quoted, max_depth=32)


@pytest.mark.parametrize(
    "value",
    ["0x" + "f" * 30, "0o" + "7" * 30, "1" * 21, "-" + "1" * 20, "1_000_000_000_000_000_000"],
)
def test_long_integer_forms_are_refused(value: str) -> None:
    with pytest.raises(LimitError, match="integers are limited to 20 characters"):
        check_yaml(f"a: {value}\n", max_depth=8, max_nodes=100)


@pytest.mark.parametrize("value", ["'" + "1" * 30 + "'", "a" * 30, "1" * 20, "1.5e300"])
def test_strings_and_short_numbers_are_not_integers_over_the_limit(value: str) -> None:
    check_yaml(f"a: {value}\n", max_depth=8, max_nodes=100)


def test_invalid_yaml_still_raises_yaml_error() -> None:
    with pytest.raises(limits.YAMLError):
        check_yaml("a: [\n", max_depth=8)
