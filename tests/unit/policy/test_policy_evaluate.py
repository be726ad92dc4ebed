"""The evaluation pipeline: stored order, exclusions, filter, ties, explanations."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.policy.errors import (
    InvalidExclusionError,
    InvalidPolicyError,
    NoCandidateError,
    NoTagsError,
)
from tagpilot.policy.evaluate import Rejection, evaluate
from tagpilot.policy.tags import exclude, stored_order

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("tags", "patterns", "expected"),
    [
        (["1.0.0", "sha256-abc.sig", "1.10.0", "1.9.0"], None, ["1.9.0", "1.10.0", "1.0.0"]),
        (["a.sig", "b"], [], ["b"]),  # [] means the default list
        # a user list replaces the default: .sig tags come back
        (["a.sig", "b-rc", "c"], ["-rc$"], ["c", "a.sig"]),
        (["B", "a", "_", "1", "é"], None, ["é", "a", "_", "B", "1"]),  # descending bytes
        (["x-1", "y"], ["^x", "^y"], []),
    ],
)
def test_stored_order(tags: list[str], patterns: list[str] | None, expected: list[str]) -> None:
    assert stored_order(tags, patterns) == expected


def test_invalid_exclusion_pattern_reported_only_when_reached() -> None:
    assert exclude(["x"], ["^x", "(?!bad)"]) == ([], [("x", "^x")])
    with pytest.raises(InvalidExclusionError, match="invalid or unsupported Perl syntax"):
        exclude(["x", "y"], ["^x", "(?!bad)"])


SEMVER_FILTERED: dict[str, Any] = {
    "policy": {"semver": {"range": "^1.x"}},
    "filterTags": {"pattern": r"^v?(?P<v>[0-9.]+)$", "extract": "$v"},
}


def test_extract_collision_keeps_last_original_in_stored_order() -> None:
    tags = stored_order(["v1.2.0", "1.2.0", "v1.1.0"])
    assert tags == ["v1.2.0", "v1.1.0", "1.2.0"]
    result = evaluate(SEMVER_FILTERED, tags)
    assert result.latest == "1.2.0"
    assert result.candidates == ["1.2.0", "v1.1.0"]


def test_without_filter_semver_tie_keeps_first_in_stored_order() -> None:
    tags = stored_order(["1.2.0", "v1.2.0"])
    assert evaluate({"policy": {"semver": {"range": "*"}}}, tags).latest == "v1.2.0"


def test_numerical_tie_keeps_last() -> None:
    tags = stored_order(["10", "1e1", "010"])  # ['1e1', '10', '010']
    assert evaluate({"policy": {"numerical": {}}}, tags).latest == "010"


def test_policer_is_built_before_tags_are_looked_at() -> None:
    with pytest.raises(InvalidPolicyError):
        evaluate({"policy": {"semver": {"range": "latest"}}}, [])
    with pytest.raises(NoTagsError, match="no tags in database"):
        evaluate({"policy": {"semver": {"range": "*"}}, "filterTags": {"pattern": "("}}, [])


def test_filter_leaving_nothing_is_empty_list_failure() -> None:
    spec = {"policy": {"alphabetical": {}}, "filterTags": {"pattern": "^nomatch$"}}
    with pytest.raises(NoCandidateError, match="^version list argument cannot be empty$"):
        evaluate(spec, ["a"])


def test_explain_lists_every_dropped_tag() -> None:
    tags = stored_order(["v1.2.0", "1.2.0", "latest", "v2.0.0", "v1.3.0-rc.1", "1.2"])
    spec = {
        "policy": {"semver": {"range": "^1.x"}},
        "filterTags": {"pattern": r"^v?(?P<v>[0-9][0-9a-z.-]*)$", "extract": "$v"},
    }
    result = evaluate(spec, tags, explain=True)
    assert result.latest == "1.2.0"
    assert set(result.rejected) == {
        Rejection("latest", r"does not match filter pattern '^v?(?P<v>[0-9][0-9a-z.-]*)$'"),
        Rejection("v1.2.0", "superseded by '1.2.0' (same extracted value '1.2.0')"),
        Rejection("v2.0.0", "does not satisfy range '^1.x'"),
        Rejection("v1.3.0-rc.1", "prerelease not allowed by range '^1.x'"),
        Rejection("1.2", "not a semantic version: needs three dot-separated parts"),
    }
    assert evaluate(spec, tags).rejected == []


def test_no_candidate_carries_candidates_and_explanations() -> None:
    with pytest.raises(NoCandidateError) as info:
        evaluate({"policy": {"semver": {"range": ">=5"}}}, ["1.0.0"], explain=True)
    assert str(info.value) == "unable to determine latest version from provided list"
    assert info.value.candidates == ["1.0.0"]
    assert info.value.rejected == [Rejection("1.0.0", "does not satisfy range '>=5'")]


def test_numerical_explanation_names_the_bad_tag() -> None:
    with pytest.raises(NoCandidateError) as info:
        evaluate({"policy": {"numerical": {}}}, ["latest", "1"], explain=True)
    assert str(info.value) == "failed to parse invalid numeric value 'latest'"
    assert [r.tag for r in info.value.rejected] == ["latest"]
