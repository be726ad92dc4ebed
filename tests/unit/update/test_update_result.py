"""Result ordering and serialisation."""

from __future__ import annotations

import json

import pytest
from tagpilot.update.errors import InvalidImageRefError
from tagpilot.update.imageref import ImageRef, parse_image_ref
from tagpilot.update.result import Change, ObjectIdentifier, Result
from tagpilot.update.setters import setters_for_policies

pytestmark = pytest.mark.unit

DEPLOY_B = ObjectIdentifier("apps/v1", "Deployment", "b", "")
DEPLOY_A = ObjectIdentifier("apps/v1", "Deployment", "a", "x")
NONE = ObjectIdentifier()
C1 = Change("1", "2", "ns:p")
C2 = Change("a:1", "a:2", "ns:q")
C3 = Change("x", "y", "ns:p:tag")


def _result() -> Result:
    result = Result()
    result.add_change("z.yaml", DEPLOY_B, C1)
    result.add_change("z.yaml", DEPLOY_B, C3)
    result.add_change("z.yaml", DEPLOY_A, C2)
    result.add_change("a.yaml", NONE, C1)
    result.add_change("a.yaml", DEPLOY_B, C2)
    return result


def test_object_identifier_orders_like_go_struct_keys() -> None:
    ids = [
        ObjectIdentifier("v1", "Pod", "a", "z"),
        ObjectIdentifier("apps/v1", "Z", "", ""),
        ObjectIdentifier("v1", "Pod", "a", "b"),
        NONE,
    ]
    assert sorted(ids) == [
        NONE,
        ObjectIdentifier("apps/v1", "Z", "", ""),
        ObjectIdentifier("v1", "Pod", "a", "b"),
        ObjectIdentifier("v1", "Pod", "a", "z"),
    ]


def test_changes_sorted_and_deduplicated() -> None:
    # a.yaml first; inside a file objects sorted; inside an object traversal order.
    assert _result().changes() == [C1, C2, C3]


def test_objects_concatenates_across_files() -> None:
    objects = _result().objects()
    assert list(objects) == [NONE, DEPLOY_A, DEPLOY_B]
    assert objects[DEPLOY_B] == [C2, C1, C3]
    assert objects[NONE] == [C1]


def test_records_and_json_round_trip() -> None:
    result = _result()
    records = result.records()
    assert records[0] == {
        "file": "a.yaml",
        "object": {"apiVersion": "", "kind": "", "name": "", "namespace": ""},
        "setter": "ns:p",
        "old": "1",
        "new": "2",
    }
    assert [r["file"] for r in records] == ["a.yaml", "a.yaml", "z.yaml", "z.yaml", "z.yaml"]
    data = json.loads(json.dumps(result.to_dict()))
    assert Result.from_dict(data).changes() == result.changes()
    assert data["fileChanges"]["z.yaml"][0]["object"]["name"] == "a"


def test_setters_for_policies() -> None:
    setters = setters_for_policies(
        "ns", {"p": ImageRef("ghcr.io/o/p", "1.0", "sha256:ab"), "q": ImageRef("q", "2")}
    )
    assert setters == {
        "ns:p": "ghcr.io/o/p:1.0@sha256:ab",
        "ns:p:tag": "1.0",
        "ns:p:name": "ghcr.io/o/p",
        "ns:p:digest": "sha256:ab",
        "ns:q": "q:2",
        "ns:q:tag": "2",
        "ns:q:name": "q",
        "ns:q:digest": "",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app:1.2", ImageRef("app", "1.2")),
        ("localhost:5000/app:1.2", ImageRef("localhost:5000/app", "1.2")),
        ("ghcr.io/o/app:v1@sha256:ab", ImageRef("ghcr.io/o/app", "v1", "sha256:ab")),
    ],
)
def test_parse_image_ref(text: str, expected: ImageRef) -> None:
    assert parse_image_ref(text) == expected


@pytest.mark.parametrize("text", ["app", "localhost:5000/app", "app:", ":1.0", "app:1@", ""])
def test_parse_image_ref_rejects(text: str) -> None:
    with pytest.raises(InvalidImageRefError):
        parse_image_ref(text)
