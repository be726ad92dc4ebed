"""The pure selection extensions: newest-pushed, soak, never-downgrade, annotation parsing."""

from __future__ import annotations

import pytest
from tagpilot.api.extensions import (
    ExtensionError,
    parse_budget,
    policy_options,
    push_time_source,
)
from tagpilot.policy.errors import InvalidPolicyError, NoCandidateError
from tagpilot.policy.extensions import is_downgrade, newest_pushed, soak

pytestmark = pytest.mark.unit

SEMVER = {"policy": {"semver": {"range": ">=1.0.0"}}}


def test_newest_pushed_ignores_version_order() -> None:
    tags = ["1.2.0", "1.10.0", "1.9.0"]
    pushed = {"1.2.0": 300.0, "1.10.0": 100.0, "1.9.0": 200.0}
    assert newest_pushed(SEMVER, tags, pushed).latest == "1.2.0"


def test_newest_pushed_respects_range_and_filter() -> None:
    spec = {
        "policy": {"alphabetical": {}},
        "filterTags": {"pattern": "^main-(?P<sha>[a-f0-9]+)$", "extract": "$sha"},
    }
    tags = ["pr-9-aaaa", "main-bbbb", "main-cccc"]
    pushed = {"pr-9-aaaa": 900.0, "main-bbbb": 50.0, "main-cccc": 40.0}
    assert newest_pushed(spec, tags, pushed).latest == "main-bbbb"
    ranged = {"policy": {"semver": {"range": "1.x"}}}
    assert newest_pushed(ranged, ["2.0.0", "1.0.0"], {"2.0.0": 9.0, "1.0.0": 1.0}).latest == "1.0.0"


def test_newest_pushed_ties_use_the_policy_order() -> None:
    pushed = {"1.0.0": 5.0, "1.1.0": 5.0}
    assert newest_pushed(SEMVER, ["1.0.0", "1.1.0"], pushed).latest == "1.1.0"


def test_newest_pushed_needs_a_known_time() -> None:
    with pytest.raises(NoCandidateError):
        newest_pushed(SEMVER, ["1.0.0"], {})


def test_soak_splits_by_age_and_unknown_waits() -> None:
    split = soak(["a", "b", "c"], {"a": 0.0, "b": 950.0}, 100.0, 1000.0)
    assert split.ripe == ["a"]
    assert split.waiting == {"b": 1050.0, "c": float("inf")}


@pytest.mark.parametrize(
    ("spec", "prev", "new", "down"),
    [
        (SEMVER, "1.2.0", "1.1.0", True),
        (SEMVER, "1.1.0", "1.2.0", False),
        (SEMVER, "1.0.0", "v1.0.0", False),  # same precedence: not lower
        ({"policy": {"numerical": {"order": "desc"}}}, "5", "7", True),
        ({"policy": {"alphabetical": {}}}, "b", "a", True),
        (
            {
                "policy": {"numerical": {}},
                "filterTags": {"pattern": "^build-(?P<n>[0-9]+)$", "extract": "$n"},
            },
            "build-10",
            "build-9",
            True,
        ),
    ],
)
def test_is_downgrade_in_policy_order(spec, prev, new, down) -> None:
    assert is_downgrade(spec, prev, new) is down


def test_is_downgrade_by_push_time() -> None:
    assert is_downgrade(SEMVER, "1.0.0", "1.1.0", {"1.0.0": 9.0, "1.1.0": 1.0})
    assert not is_downgrade(SEMVER, "1.0.0", "1.1.0", {"1.1.0": 1.0})


def test_annotations_are_validated() -> None:
    opts = policy_options({"tagpilot.dev/order": "newest-pushed", "tagpilot.dev/soak": "1h30m"})
    assert (opts.order, opts.soak_seconds, opts.allow_downgrade) == ("newest-pushed", 5400.0, False)
    with pytest.raises(ExtensionError, match="tagpilot.dev/soak"):
        policy_options({"tagpilot.dev/soak": "1d"})
    with pytest.raises(ExtensionError, match="tagpilot.dev/order"):
        policy_options({"tagpilot.dev/order": "oldest"})
    with pytest.raises(ExtensionError, match="allow-downgrade"):
        policy_options({"tagpilot.dev/allow-downgrade": "yes"})
    with pytest.raises(ExtensionError, match="push-times"):
        push_time_source({"tagpilot.dev/push-times": "gcr"})
    assert parse_budget("100/6h").per_seconds == 21600.0
    with pytest.raises(ExtensionError):
        parse_budget("0/1h")


def test_invalid_policy_still_raises_policy_error() -> None:
    with pytest.raises(InvalidPolicyError):
        newest_pushed({"policy": {"semver": {"range": "not a range"}}}, ["1.0.0"], {"1.0.0": 1})


def _doc(kind: str, annotations: dict) -> dict:
    specs = {
        "ImageRepository": {"image": "ghcr.io/org/app", "interval": "5m"},
        "ImagePolicy": {"imageRepositoryRef": {"name": "app"}, "policy": {"alphabetical": {}}},
        "ImageUpdateAutomation": {
            "interval": "5m",
            "sourceRef": {"kind": "GitRepository", "name": "fleet"},
            "git": {"commit": {"author": {"email": "bot@example.com"}}},
            "update": {"strategy": "Setters"},
        },
    }
    return {
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "kind": kind,
        "metadata": {"name": "app", "annotations": annotations},
        "spec": specs[kind],
    }


@pytest.mark.parametrize(
    ("kind", "annotations", "problem"),
    [
        ("ImagePolicy", {"tagpilot.dev/soka": "1h"}, "soka: not a tagpilot extension"),
        ("ImagePolicy", {"tagpilot.dev/soak": "1 day"}, "annotation tagpilot.dev/soak: invalid"),
        ("ImageRepository", {"tagpilot.dev/registry-budget": "lots"}, "must look like '100/6h'"),
        ("ImageRepository", {"tagpilot.dev/order": "newest-pushed"}, "not a tagpilot extension"),
        (
            "ImageUpdateAutomation",
            {"tagpilot.dev/change-windows": "* 25 * * *"},
            "invalid cron expression",
        ),
        (
            "ImageUpdateAutomation",
            {"tagpilot.dev/change-windows-timezone": "Mars/Base"},
            "unknown time zone",
        ),
        ("ImageUpdateAutomation", {"tagpilot.dev/pull-request": "svn"}, "must be one of github"),
        ("ImagePolicy", {"tagpilot.dev/verify-identities": "issuer=x"}, "must be a JSON array"),
        ("ImagePolicy", {"tagpilot.dev/verify-identities": '[{"issuer": ""}]'}, "entry 0:"),
        (
            "ImagePolicy",
            {"tagpilot.dev/verify-identities": '[{"issuer": "(", "subject": ""}]'},
            "entry 0: invalid issuer regular expression: error parsing regexp",
        ),
        (
            "ImagePolicy",
            {"tagpilot.dev/verify-identities": "[]", "tagpilot.dev/verify-secret": "keys"},
            "cannot be combined with tagpilot.dev/verify-secret",
        ),
    ],
)
def test_apply_refuses_bad_extension_annotations(kind, annotations, problem) -> None:
    from tagpilot.api.loader import validate_document

    loaded = validate_document("m.yaml", 1, _doc(kind, annotations), "apps")
    assert any(problem in str(e) for e in loaded.errors), loaded.errors


def test_apply_accepts_valid_extension_annotations() -> None:
    from tagpilot.api.loader import validate_document

    ok = {
        "ImagePolicy": {
            "tagpilot.dev/order": "newest-pushed",
            "tagpilot.dev/soak": "2h",
            "tagpilot.dev/verify-identities": '[{"issuer": "^https://token\\\\.", "subject": ""}]',
        },
        "ImageRepository": {"tagpilot.dev/push-times": "auto", "other.io/x": "y"},
        "ImageUpdateAutomation": {
            "tagpilot.dev/change-windows": "* 9-16 * * 1-5",
            "tagpilot.dev/pull-request": "gitea",
        },
    }
    for kind, given in ok.items():
        assert validate_document("m.yaml", 1, _doc(kind, given), "apps").errors == []
