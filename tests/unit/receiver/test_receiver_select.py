"""Resource selection (reference §4.1)."""

from __future__ import annotations

import pytest
from tagpilot.receiver.errors import (
    ApiVersionRequiredError,
    CrossNamespaceError,
    LookupFailedError,
    MatchLabelsRequiredError,
    ResourceNotFoundError,
)
from tagpilot.receiver.select import ObjectRef, select_resources
from tagpilot.receiver.spec import ResourceRef

pytestmark = pytest.mark.unit

IR = "ImageRepository"
V1 = "image.toolkit.fluxcd.io/v1"


@pytest.fixture
def objects(store):
    return (
        store.add(IR, "apps", "app", team="a", tier="web")
        .add(IR, "apps", "api", team="a", tier="backend")
        .add(IR, "apps", "db", team="b")
        .add(IR, "other", "app", team="a")
        .add("ImagePolicy", "apps", "app")
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (ResourceRef(IR, "app"), {(IR, "apps", "app")}),
        (ResourceRef(IR, "app", match_labels={"team": "zzz"}), {(IR, "apps", "app")}),
        (
            ResourceRef(IR, "*", match_labels={"team": "a"}),
            {(IR, "apps", "app"), (IR, "apps", "api")},
        ),
        (ResourceRef(IR, "*", match_labels={"team": "a", "tier": "web"}), {(IR, "apps", "app")}),
        (ResourceRef(IR, "*", match_labels={}), {(IR, "apps", n) for n in ("app", "api", "db")}),
        (ResourceRef(IR, "*", match_labels={"team": "none"}), set()),
        (ResourceRef(IR, "app", namespace="other"), {(IR, "other", "app")}),
        (ResourceRef("ImagePolicy", "app", api_version=V1), {("ImagePolicy", "apps", "app")}),
    ],
)
def test_selection(objects, entry, expected):
    selection = select_resources("apps", [entry], objects)
    assert selection.errors == ()
    assert {(r.kind, r.namespace, r.name) for r in selection.targets} == expected


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        (ResourceRef(IR, "missing"), ResourceNotFoundError),
        (ResourceRef(IR, "*"), MatchLabelsRequiredError),
        (ResourceRef("ImagePolicy", "app"), ApiVersionRequiredError),
    ],
)
def test_entry_errors_do_not_stop_other_entries(objects, entry, error):
    selection = select_resources("apps", [entry, ResourceRef(IR, "db")], objects)
    assert [type(e) for e in selection.errors] == [error]
    assert selection.errors[0].index == 0
    assert selection.targets == (ObjectRef(IR, "apps", "db"),)


def test_cross_namespace_allowed_by_default_and_refusable(objects):
    entry = ResourceRef(IR, "app", namespace="other")
    assert select_resources("apps", [entry], objects).targets == (ObjectRef(IR, "other", "app"),)
    refused = select_resources("apps", [entry], objects, allow_cross_namespace=False)
    assert refused.targets == ()
    assert isinstance(refused.errors[0], CrossNamespaceError)
    same = ResourceRef(IR, "app", namespace="apps")
    assert select_resources("apps", [same], objects, allow_cross_namespace=False).errors == ()


def test_store_failure_fails_only_that_entry(objects):
    objects.fail_on.add((IR, "other"))
    entries = [ResourceRef(IR, "app", namespace="other"), ResourceRef(IR, "app")]
    selection = select_resources("apps", entries, objects)
    assert isinstance(selection.errors[0], LookupFailedError)
    assert "store down" not in str(selection.errors[0])
    assert selection.targets == (ObjectRef(IR, "apps", "app"),)


def test_duplicates_are_reconciled_once_in_spec_order(objects):
    entries = [ResourceRef(IR, "api"), ResourceRef(IR, "*", match_labels={"team": "a"})]
    targets = select_resources("apps", entries, objects).targets
    assert [t.name for t in targets] == ["api", "app"]
