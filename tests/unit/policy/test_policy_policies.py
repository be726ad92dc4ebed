"""The policers, the factory and the filter: Flux's tie rules and failure modes."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.policy.alphabetical import Alphabetical
from tagpilot.policy.errors import InvalidPolicyError, NoCandidateError
from tagpilot.policy.factory import build_policer
from tagpilot.policy.filter import TagFilter, build_filter
from tagpilot.policy.numerical import Numerical
from tagpilot.policy.semver import SemVer

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("range_text", "candidates", "expected"),
    [
        ("*", ["1.0.0", "v1.0.0"], "1.0.0"),  # equal precedence: the first wins
        ("*", ["v1.0.0", "1.0.0"], "v1.0.0"),
        ("*", ["1.0.0+b", "1.0.0+a"], "1.0.0+b"),  # build metadata ignored
        (">=1.0.0", ["v1.0.1", "1.0.0"], "v1.0.1"),  # original string returned
        ("*", ["2025.02.03", "2025.1.10"], "2025.02.03"),  # leading zeros accepted
        ("*", ["1.2", "v1.2", "1", "0.0.1"], "0.0.1"),  # fewer than 3 parts ignored
        ("*", ["V2.0.0", "vv2.0.0", "2.0.0.1", "1.0.0"], "1.0.0"),
        ("*", ["2.0.0-rc.1", "1.0.0"], "1.0.0"),
        ("^1.x-0", ["1.1.0-rc.9", "1.1.0-rc.10", "1.0.0"], "1.1.0-rc.10"),
        (">=1.0.0-0", ["1.1.0", "1.1.0-rc.1"], "1.1.0"),
        ("^1.2.3", ["1.9.9", "2.0.0", "1.2.2"], "1.9.9"),
        ("~1.2.3", ["1.2.9", "1.3.0"], "1.2.9"),
        ("^0.2.3", ["0.2.9", "0.3.0"], "0.2.9"),
        ("^0.0.3", ["0.0.3", "0.0.4"], "0.0.3"),
        (">1.0", ["1.0.9", "1.1.0"], "1.1.0"),
        ("<=1.2", ["1.2.99", "1.3.0"], "1.2.99"),
        ("1.2.3 - 2.3", ["2.3.99", "2.4.0"], "2.3.99"),
    ],
)
def test_semver_selection(range_text: str, candidates: list[str], expected: str) -> None:
    assert SemVer(range_text).latest(candidates) == expected


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        ([], "version list argument cannot be empty"),
        (["latest", "1.2"], "unable to determine latest version from provided list"),
        (["3.0.0"], "unable to determine latest version from provided list"),
    ],
)
def test_semver_no_candidate(candidates: list[str], message: str) -> None:
    with pytest.raises(NoCandidateError, match=f"^{message}$"):
        SemVer("^1.0").latest(candidates)


@pytest.mark.parametrize(
    ("order", "candidates", "expected"),
    [
        ("asc", ["1", "9", "10"], "9"),
        ("asc", ["Z", "a"], "a"),  # upper case sorts before lower case
        ("asc", ["99999", "latest"], "latest"),
        ("desc", ["b", "a", "B"], "B"),
        ("asc", ["é", "z"], "é"),  # byte order: 0xC3 > 'z'
        ("asc", ["\uffff", "\U0001f600"], "\U0001f600"),  # code point order = UTF-8 byte order
    ],
)
def test_alphabetical(order: str, candidates: list[str], expected: str) -> None:
    assert Alphabetical(order).latest(candidates) == expected


@pytest.mark.parametrize(
    ("order", "candidates", "expected"),
    [
        ("asc", ["1", "10", "9.5"], "10"),
        ("desc", ["1", "10", "0.5"], "0.5"),
        ("asc", ["1e3", "999", "+5"], "1e3"),
        ("asc", ["10", "1e1", "10.0"], "10.0"),  # equal values: the last wins
        ("desc", ["1e1", "10"], "10"),
        ("asc", ["5", "NaN", "1"], "1"),  # NaN replaces, and anything after it replaces NaN
        ("asc", ["5", "NaN"], "NaN"),
        ("asc", ["1_000", "999"], "1_000"),
        ("asc", ["Inf", "1e308"], "Inf"),
    ],
)
def test_numerical(order: str, candidates: list[str], expected: str) -> None:
    assert Numerical(order).latest(candidates) == expected


@pytest.mark.parametrize("bad", ["latest", "0x10", "1e400", "1.2.3", " 1"])
def test_numerical_fails_on_any_non_numeric(bad: str) -> None:
    with pytest.raises(NoCandidateError) as info:
        Numerical("asc").latest(["1", bad, "2"])
    assert str(info.value) == f"failed to parse invalid numeric value '{bad}'"


@pytest.mark.parametrize(
    ("policy", "kind"),
    [
        ({"semver": {"range": "*"}}, SemVer),
        ({"alphabetical": {}}, Alphabetical),
        ({"numerical": {"order": "desc"}}, Numerical),
        # semver is checked first, then alphabetical, then numerical
        ({"numerical": {}, "alphabetical": {}, "semver": {"range": "*"}}, SemVer),
        ({"numerical": {}, "alphabetical": {"order": "asc"}}, Alphabetical),
        ({"semver": None, "numerical": {}}, Numerical),
    ],
)
def test_factory_choice_order(policy: dict[str, Any], kind: type) -> None:
    assert isinstance(build_policer(policy), kind)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (None, "given ImagePolicyChoice object is invalid"),
        ({}, "given ImagePolicyChoice object is invalid"),
        ({"semver": {"range": "latest"}}, "improper constraint: latest"),
        ({"semver": {}}, "spec.policy.semver.range is required and must be a string"),
        (
            {"alphabetical": {"order": "ASC"}},
            "invalid order argument provided: 'ASC', must be one of: asc, desc",
        ),
        (
            {"numerical": {"order": "up"}},
            "invalid order argument provided: 'up', must be one of: asc, desc",
        ),
        ({"semvers": {"range": "*"}}, "spec.policy: unknown field 'semvers'"),
    ],
)
def test_factory_refuses_invalid_policy(policy: Any, message: str) -> None:
    with pytest.raises(InvalidPolicyError) as info:
        build_policer(policy)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("pattern", "extract", "tags", "expected"),
    [
        ("", "", ["a", "b"], {"a": "a", "b": "b"}),
        ("rc", "", ["1.0.0-rc.1", "1.0.0"], {"1.0.0-rc.1": "1.0.0-rc.1"}),  # unanchored
        (r"^main-(\d+)$", "$1", ["main-2", "main-10", "dev-3"], {"2": "main-2", "10": "main-10"}),
        # a later tag with the same key overwrites the earlier one
        (r"^v?(?P<v>.*)$", "$v", ["v1.0.0", "1.0.0"], {"1.0.0": "1.0.0"}),
        (r"^(\d+)", "$1x", ["12-a"], {"": "12-a"}),  # $1x is group "1x": empty
        (r"^(\d+)", "${1}x", ["12-a"], {"12x": "12-a"}),
        (r"a|ab", "$0", ["ab"], {"a": "ab"}),  # leftmost-first, not longest
    ],
)
def test_filter(pattern: str, extract: str, tags: list[str], expected: dict[str, str]) -> None:
    assert TagFilter(pattern, extract).apply(tags) == expected


def test_filter_invalid_regex_message() -> None:
    with pytest.raises(InvalidPolicyError) as info:
        build_filter({"pattern": "^(?!rc).*$"})
    assert info.value.condition_message == (
        "failed to filter tags: invalid regular expression pattern '^(?!rc).*$': "
        "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"
    )
