"""A claimed object carried in a work item: round trip, freshness, size, malformed bodies."""

from __future__ import annotations

import json

from tagpilot.api.resource import Resource
from tagpilot.store.queues import (
    SNAPSHOT_MAX_AGE,
    WorkItem,
    snapshot_of,
    snapshot_resource,
)

NOW = 1_800_000_000.0


def _resource(**annotations: str) -> Resource:
    return Resource(
        "source.toolkit.fluxcd.io/v1",
        "OCIRepository",
        "podinfo",
        "apps",
        spec={"url": "oci://ghcr.io/x/y", "interval": "5m"},
        labels={"team": "a"},
        annotations=dict(annotations),
        status={"artifact": {"revision": "latest@sha256:00"}, "observedGeneration": 2},
        generation=2,
        failures=1,
        next_due_at=NOW + 300,
    )


def _item(snapshot: object) -> WorkItem:
    body = json.dumps(
        {"kind": "OCIRepository", "namespace": "apps", "name": "podinfo", "snapshot": snapshot}
    )
    return WorkItem.from_body(body)


def test_the_claimed_object_survives_the_message_body() -> None:
    original = _resource(note="n")
    item = WorkItem("OCIRepository", "apps", "podinfo", "due", snapshot=snapshot_of(original, NOW))
    received = WorkItem.from_body(item.body())
    assert received == item  # the snapshot is not part of the item's identity
    assert snapshot_resource(received, NOW + 1) == original


def test_an_old_or_future_snapshot_is_not_used() -> None:
    item = WorkItem("OCIRepository", "apps", "podinfo", snapshot=snapshot_of(_resource(), NOW))
    assert snapshot_resource(item, NOW + SNAPSHOT_MAX_AGE) is not None
    assert snapshot_resource(item, NOW + SNAPSHOT_MAX_AGE + 1) is None
    assert snapshot_resource(item, NOW - 5) is not None  # clocks of two functions differ
    assert snapshot_resource(item, NOW - 6) is None  # a clock that went back


def test_only_snapshot_kinds_use_it() -> None:
    snap = snapshot_of(_resource(), NOW)
    item = WorkItem("ImageRepository", "apps", "podinfo", snapshot=snap)
    assert snapshot_resource(item, NOW) is None


def test_a_big_object_is_not_carried() -> None:
    assert snapshot_of(_resource(note="x" * 20_000), NOW) is None
    assert "snapshot" not in json.loads(WorkItem("OCIRepository", "a", "b").body())


def test_malformed_snapshots_are_ignored() -> None:
    good = snapshot_of(_resource(), NOW)
    assert good is not None
    for broken in (
        {**good, "claimed_at": "soon"},
        {**good, "spec": ["not", "a", "map"]},
        {k: v for k, v in good.items() if k != "generation"},
        {**good, "generation": None},
    ):
        assert snapshot_resource(_item(broken), NOW) is None
    assert _item("not an object").snapshot is None
