"""Semver tag parsing and Masterminds constraints, against tables produced with Go.

``GO_PARSE_TAG``: Flux's ``version.ParseVersion`` (``SplitN(tag, ".", 3)`` then
``semver.NewVersion``) run in Go on each tag; the value is ``Version.String()``.
``masterminds_v34_check.jsonl``: ``NewConstraint`` + ``Check`` for 96 ranges x 41 versions, from
Masterminds 3.2.0 patched with v3.4's per-AND-group prerelease opt-in (the only behaviour change
of ``Check`` between 3.2.0 and the v3.5 Flux pins).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tagpilot.policy.errors import InvalidPolicyError
from tagpilot.policy.semver_range import parse_range
from tagpilot.policy.version import coerce, parse_tag, tag_error

pytestmark = pytest.mark.unit

GO_PARSE_TAG = [
    ("1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
    ("V1.2.3", None),
    ("vv1.2.3", None),
    ("1.2", None),
    ("v1.2", None),
    ("1", None),
    ("1.2.3.4", None),
    ("1.2.3_4", None),
    ("1.2.3-01", None),
    ("1.2.3-0", "1.2.3-0"),
    ("1.2.3-rc.01", None),
    ("1.2.3-rc..1", None),
    ("1.2.3-", None),
    ("1.2.3+", None),
    ("1.2.3+build.01", "1.2.3+build.01"),
    ("2025.02.03", "2025.2.3"),
    ("0001.0002.0003", "1.2.3"),
    ("1.2-rc.1", "1.2.0-rc.1"),
    ("1-rc.1.2", "1.0.0-rc.1.2"),
    ("1.2+build.5", "1.2.0+build.5"),
    ("18446744073709551615.0.0", "18446744073709551615.0.0"),
    ("18446744073709551616.0.0", None),
    ("1.2.3-rc.18446744073709551616", "1.2.3-rc.18446744073709551616"),
    (" 1.2.3", None),
    ("1.2.3 ", None),
    ("1.2.3", "1.2.3"),
    ("v1.2.3-rc.1+meta", "1.2.3-rc.1+meta"),
    ("1..2.3", None),
    (".1.2", None),
    ("1.2.3-a-b", "1.2.3-a-b"),
    ("1.2.3-_", None),
    ("1.2.x", None),
    ("latest", None),
    ("1.2.3-α", None),
    ("v.1.2", None),
    ("1.2.3+build+x", None),
    ("1.2.3-rc.1-2.3", "1.2.3-rc.1-2.3"),
]

_TABLE = Path(__file__).with_name("masterminds_v34_check.jsonl")
_ROWS = [json.loads(line) for line in _TABLE.read_text().splitlines() if not line.startswith("#")]
CHECKS = [row for row in _ROWS if row[1] is not None]
ERRORS = [(row[0], row[2]) for row in _ROWS if row[1] is None]


def _string(key: tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]) -> str:
    text = f"{key[0]}.{key[1]}.{key[2]}"
    if key[3] == 0:
        text += "-" + ".".join(str(part[1]) for part in key[4])
    return text


@pytest.mark.parametrize(("tag", "expected"), GO_PARSE_TAG)
def test_parse_tag_equals_flux(tag: str, expected: str | None) -> None:
    key = parse_tag(tag)
    if expected is None:
        assert key is None
        assert tag_error(tag) is not None
    else:
        assert key is not None
        assert _string(key) == expected.split("+")[0]
        assert tag_error(tag) is None


@pytest.mark.parametrize(("text", "version", "expected"), CHECKS)
def test_check_equals_masterminds(text: str, version: str, expected: bool) -> None:
    key = coerce(version)
    assert key is not None
    assert parse_range(text).check(key) is expected


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_invalid_ranges_are_refused_with_masterminds_message(text: str, message: str) -> None:
    with pytest.raises(InvalidPolicyError) as info:
        parse_range(text)
    assert str(info.value) == message
    assert info.value.condition_message == f"invalid policy: {message}"


def test_reference_invalid_ranges_are_all_in_the_table() -> None:
    refused = {text for text, _ in ERRORS}
    assert {"", "latest", "V1.x", "*-*", "1.0.0p", "1x", "x1", "-1", "1.0.0 || "} <= refused


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        # The opt-in is per AND-group: one prerelease constraint opens the whole group...
        (">=1.0.0-0 <2.0.0", "1.5.0-rc.1", True),
        (">=1.0.0 <2.0.0-0", "1.5.0-rc.1", True),
        # ...but not the other OR branches.
        (">1.0.0-beta.1 <2 || >3", "3.1.0-rc.1", False),
        (">1.0.0-beta.1 <2 || >3", "1.5.0-rc.1", True),
        ("*", "1.1.0-rc.1", False),
        ("1.x", "1.1.0-rc.1", False),
        ("^1.x-0", "1.1.0-rc.1", True),
        # rc.10 > rc.9: numeric identifiers compare numerically
        (">1.0.0-rc.9", "1.0.0-rc.10", True),
    ],
)
def test_prerelease_opt_in_per_and_group(text: str, version: str, expected: bool) -> None:
    key = coerce(version)
    assert key is not None
    assert parse_range(text).check(key) is expected
