"""Pure pieces of the reconcilers: shouldScan reasons, backoff, conditions, queue messages."""

from __future__ import annotations

import calendar
import time

import pytest
from tagpilot.api import conditions
from tagpilot.api.imagerepository import ImageRepositorySpec
from tagpilot.api.resource import Resource
from tagpilot.reconcile.common import backoff
from tagpilot.reconcile.dispatch import keys_from_stream
from tagpilot.reconcile.imagerepository import should_scan
from tagpilot.registry.names import parse_image_reference
from tagpilot.store.queues import MemoryQueue, WorkItem
from tagpilot.store.tags import revision_of, tags_json

pytestmark = pytest.mark.unit

NOW = float(calendar.timegm(time.strptime("2026-01-01T12:00:00Z", "%Y-%m-%dT%H:%M:%SZ")))


def repo(
    status: dict, *, generation: int = 1, annotations: dict | None = None, **spec: object
) -> Resource:
    return Resource(
        "image.toolkit.fluxcd.io/v1",
        "ImageRepository",
        "app",
        "ns",
        spec={"image": "alpine", "interval": "5m", **spec},
        status=status,
        generation=generation,
        annotations=annotations or {},
    )


SCANNED = {
    "observedGeneration": 1,
    "lastScanResult": {"scanTime": "2026-01-01T11:58:00Z"},
    "canonicalImageName": "index.docker.io/library/alpine",
    "observedExclusionList": ["^.*\\.sig$"],
}


@pytest.mark.parametrize(
    ("status", "kwargs", "has_tags", "expected"),
    [
        ({}, {}, True, "first scan"),
        (SCANNED, {"generation": 2}, True, "new generation"),
        (
            {**SCANNED, "lastHandledReconcileAt": "a"},
            {"annotations": {"reconcile.fluxcd.io/requestedAt": "b"}},
            True,
            "reconcile requested",
        ),
        (
            {**SCANNED, "canonicalImageName": "index.docker.io/library/nginx"},
            {},
            True,
            "new image name",
        ),
        ({**SCANNED, "observedExclusionList": ["^x$"]}, {}, True, "updated exclusion list"),
        (SCANNED, {}, False, "no tags in database"),
        (
            {**SCANNED, "lastScanResult": {"scanTime": "2026-01-01T11:55:00Z"}},
            {},
            True,
            "triggered by interval",
        ),
        (
            {**SCANNED, "lastScanResult": {"scanTime": "2026-01-01T11:55:00.5Z".replace(".5", "")}},
            {},
            True,
            "triggered by interval",
        ),
        (SCANNED, {}, True, None),
    ],
)
def test_should_scan(status: dict, kwargs: dict, has_tags: bool, expected: str | None) -> None:
    obj = repo(status, **kwargs)
    spec = ImageRepositorySpec.from_dict(obj.spec)
    assert (
        should_scan(obj, spec, parse_image_reference("alpine"), lambda: has_tags, NOW) == expected
    )


def test_exclusion_list_comparison_ignores_order() -> None:
    status = {**SCANNED, "observedExclusionList": ["b", "a"]}
    obj = repo(status, exclusionList=["a", "b"])
    spec = ImageRepositorySpec.from_dict(obj.spec)
    assert should_scan(obj, spec, parse_image_reference("alpine"), lambda: True, NOW) is None


def test_spec_defaults_follow_flux() -> None:
    spec = ImageRepositorySpec.from_dict(
        {"image": "alpine", "interval": "10m", "exclusionList": []}
    )
    assert (
        spec.timeout == 600.0
        and spec.exclusion_list == ("^.*\\.sig$",)
        and spec.provider == "generic"
    )
    assert (
        ImageRepositorySpec.from_dict(
            {"image": "a/b", "interval": "1m", "timeout": "100ms"}
        ).timeout
        == 1.0
    )


@pytest.mark.parametrize(("failures", "delay"), [(1, 0.75), (2, 1.5), (5, 12.0), (20, 900.0)])
def test_backoff_doubles_to_fifteen_minutes(failures: int, delay: float) -> None:
    assert backoff(failures) == delay


def test_conditions_follow_flux_lifecycle() -> None:
    status: dict = {}
    conditions.mark_failed(status, "ReadOperationFailed", "scan failed: x", generation=3)
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("Ready", "False", "ReadOperationFailed"),
        ("Reconciling", "True", "ProgressingWithRetry"),
    ]
    assert "observedGeneration" not in status
    conditions.mark_stalled(status, "ImageURLInvalid", "bad", generation=3)
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("Ready", "False"),
        ("Stalled", "True"),
    ]
    conditions.mark_ready(status, "Succeeded", "ok", generation=4)
    assert [(c["type"], c["status"], c["observedGeneration"]) for c in status["conditions"]] == [
        ("Ready", "True", 4)
    ]
    assert status["observedGeneration"] == 4
    assert conditions.ready_summary(status) == ("True", "ok")


def test_transition_time_kept_while_status_unchanged() -> None:
    status: dict = {}
    conditions.set_condition(status, "Ready", "True", "Succeeded", "a", generation=1)
    first = status["conditions"][0]["lastTransitionTime"] = "2000-01-01T00:00:00Z"
    conditions.set_condition(status, "Ready", "True", "Succeeded", "b", generation=1)
    assert status["conditions"][0]["lastTransitionTime"] == first
    conditions.set_condition(status, "Ready", "False", "Failed", "c", generation=1)
    assert status["conditions"][0]["lastTransitionTime"] != first


def test_revision_is_adler32_of_go_json() -> None:
    assert tags_json(["b", "a"]) == b'["b","a"]'
    # adler32 of b'["b","a"]' computed by hand: a = 1 + sum(bytes), b = sum of running a values.
    data = b'["b","a"]'
    a, b = 1, 0
    for byte in data:
        a = (a + byte) % 65521
        b = (b + a) % 65521
    assert revision_of(["b", "a"]) == str((b << 16) | a)


def test_stream_records_dispatch_only_due_scheduled_objects() -> None:
    def record(kind: str, due: str, shard: bool = True) -> dict:
        image = {"kind": {"S": kind}, "key": {"S": f"ns/{kind.lower()}"}, "next_due_at": {"N": due}}
        if shard:
            image["due_shard"] = {"S": kind}
        return {"eventName": "MODIFY", "dynamodb": {"NewImage": image}}

    records = [
        record("ImageRepository", "0"),
        record("ImagePolicy", "12345"),
        record("Receiver", "0"),
        record("ImageUpdateAutomation", "0", shard=False),
        {"eventName": "REMOVE", "dynamodb": {}},
    ]
    assert keys_from_stream(records) == {"ImageRepository": ["ns/imagerepository"]}


def test_work_item_round_trip_and_memory_queue_dedup() -> None:
    item = WorkItem("ImagePolicy", "ns", "app", reason="new tags", group="g")
    assert WorkItem.from_body(item.body()) == WorkItem(
        "ImagePolicy", "ns", "app", reason="new tags"
    )
    queue = MemoryQueue()
    queue.send([item, WorkItem("ImagePolicy", "ns", "app"), WorkItem("ImagePolicy", "ns", "other")])
    assert len(queue) == 2
    assert queue.take() == item
