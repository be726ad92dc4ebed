"""An unchanged periodic reconcile, as deployed: the dispatcher's claim travels in the message,
the worker makes one request (the manifest HEAD) and no store read or write; with S3 storage the
storage step's requests are made only when they can find something."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from tagpilot.api.resource import Resource
from tagpilot.reconcile import runner
from tagpilot.reconcile.dispatch import dispatch_due
from tagpilot.reconcile.ocistorage import STORAGE_CHECK_PERIOD, storage_of, storage_step_due
from tagpilot.registry.client import RegistryClient
from tagpilot.store.artifacts import S3ArtifactStorage
from tagpilot.store.errors import StoreError
from tagpilot.store.queues import WorkItem

from tests.integration.oci.test_oci_reconcile import CountingSession
from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
KIND = "OCIRepository"
BUCKET = "tagpilot-artifacts-unchanged"


class CountingStore:
    """Wraps the App's object store and records every object read."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads: list[tuple[str, str, str]] = []

    def get(self, kind: str, namespace: str, name: str, **kw: Any) -> Any:
        self.reads.append((kind, namespace, name))
        return self.inner.get(kind, namespace, name, **kw)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)


class FailingFirstRead(CountingStore):
    """The first object read fails as a throttled DynamoDB read does."""

    def get(self, kind: str, namespace: str, name: str, **kw: Any) -> Any:
        if not self.reads:
            self.reads.append((kind, namespace, name))
            raise StoreError("get object failed: ProvisionedThroughputExceededException")
        return super().get(kind, namespace, name, **kw)


@pytest.fixture
def oci_app(app: Any) -> Any:
    app.registry = RegistryClient(CountingSession())
    clock = [app.clock()]
    app.clock = lambda: clock[0]
    app.test_clock = clock
    return app


def _apply(app: Any, registry: RegistryServer, repo: str, **spec: Any) -> Resource:
    body = {"url": f"oci://{registry.host}/{repo}", "interval": "5m", "insecure": True, **spec}
    resource = Resource("source.toolkit.fluxcd.io/v1", KIND, "podinfo", "apps", body)
    return app.objects.apply(resource).resource


def _dispatched(app: Any) -> WorkItem:
    """One dispatcher pass; the message it sent, as the worker receives it (the body)."""
    assert dispatch_due(app)[KIND] == 1
    item = app.scan_queue.take()
    assert item is not None and app.scan_queue.take() is None
    return WorkItem.from_body(item.body())


def _calls(app: Any) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = app.registry._session.calls
    return calls


def test_an_unchanged_periodic_reconcile_reads_nothing_and_makes_one_request(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    digest = oras_push(registry, "unchanged/a", "1.0.0", tarball({"a.yaml": b"a"}), tmp_path)
    _apply(oci_app, registry, "unchanged/a", ref={"tag": "1.0.0"})
    first = runner.run(oci_app, _dispatched(oci_app))
    assert first[0].ready == "True", first[0].message
    status = oci_app.objects.get(KIND, "apps", "podinfo").status
    assert status["artifact"]["revision"] == f"1.0.0@{digest}"

    # The next run collects garbage (it is within Flux's TTL plus two intervals of the new
    # artifact), finds none, and so needs no read: only a deletion confirms the snapshot.
    oci_app.test_clock[0] += 300
    stored = oci_app.objects.get(KIND, "apps", "podinfo")
    assert storage_step_due(storage_of(oci_app), stored, 300, oci_app.test_clock[0])
    message = _dispatched(oci_app)
    assert message.snapshot is not None
    assert message.snapshot["status"] == status and message.snapshot["generation"] == 1
    store = CountingStore(oci_app.objects)
    oci_app.objects = store
    _calls(oci_app).clear()
    (out,) = runner.run(oci_app, message)
    assert out.ready == "True" and out.metrics["unchanged"] == 1
    assert out.metrics["gc_deleted"] == 0
    assert out.metrics["status_unchanged"] == 1  # no write
    assert store.reads == []  # no read: the claim's item came with the message
    assert _calls(oci_app) == [("HEAD", f"http://{registry.host}/v2/unchanged/a/manifests/1.0.0")]
    assert store.inner.get(KIND, "apps", "podinfo").status == status


def test_a_stale_or_missing_snapshot_reads_the_object(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    oras_push(registry, "unchanged/b", "1.0.0", tarball({"a.yaml": b"b"}), tmp_path)
    _apply(oci_app, registry, "unchanged/b", ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    oci_app.test_clock[0] += 300
    message = _dispatched(oci_app)
    store = CountingStore(oci_app.objects)
    oci_app.objects = store
    oci_app.test_clock[0] += 61  # the message waited longer than a snapshot may be used
    (out,) = runner.run(oci_app, message)
    assert out.ready == "True" and store.reads == [(KIND, "apps", "podinfo")]
    bare = WorkItem(KIND, "apps", "podinfo", "due")  # a message without a snapshot
    runner.run(oci_app, WorkItem.from_body(bare.body()))
    assert len(store.reads) == 2


def test_a_spec_change_after_the_claim_is_reconciled_next(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """The snapshot predates the change and the old spec finds nothing to do: the run writes
    nothing, so the change stays due, and its own message reconciles generation 2."""
    oras_push(registry, "unchanged/c", "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    two = oras_push(registry, "unchanged/c", "2.0.0", tarball({"a.yaml": b"2"}), tmp_path)
    _apply(oci_app, registry, "unchanged/c", ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    oci_app.test_clock[0] += 300
    message = _dispatched(oci_app)
    _apply(oci_app, registry, "unchanged/c", ref={"tag": "2.0.0"})  # generation 2, due now
    (old,) = runner.run(oci_app, message)
    assert old.metrics.get("unchanged") == 1 and old.metrics.get("status_unchanged") == 1
    stored = oci_app.objects.get(KIND, "apps", "podinfo")
    assert stored.next_due_at == 0 and stored.status["observedGeneration"] == 1
    (new,) = runner.run(oci_app, _dispatched(oci_app))
    assert new.metrics.get("new_artifact") == 1, new.message
    status = oci_app.objects.get(KIND, "apps", "podinfo").status
    assert status["artifact"]["revision"] == f"2.0.0@{two}" and status["observedGeneration"] == 2


def test_a_stale_snapshot_confirms_before_collecting_garbage(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """A garbage collection that would delete a file is a change: the run first reads the
    object, sees the spec changed since its claim and reconciles generation 2 instead."""
    oras_push(registry, "unchanged/g", "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    two = oras_push(registry, "unchanged/g", "2.0.0", tarball({"a.yaml": b"2"}), tmp_path)
    _apply(oci_app, registry, "unchanged/g", ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    garbage = folder / ("0" * 64 + ".tar.gz")  # an earlier artifact, long expired
    garbage.write_bytes(b"old")
    os.utime(garbage, (oci_app.test_clock[0] - 3600, oci_app.test_clock[0] - 3600))
    oci_app.test_clock[0] += 300
    message = _dispatched(oci_app)
    store = CountingStore(oci_app.objects)
    oci_app.objects = store
    _apply(oci_app, registry, "unchanged/g", ref={"tag": "2.0.0"})
    (out,) = runner.run(oci_app, message)
    assert store.reads[:1] == [(KIND, "apps", "podinfo")]
    assert out.metrics.get("snapshot_stale") == 1 and out.metrics.get("new_artifact") == 1
    status = store.inner.get(KIND, "apps", "podinfo").status
    assert status["artifact"]["revision"] == f"2.0.0@{two}" and status["observedGeneration"] == 2
    assert not garbage.exists()  # collected by the restarted run


def test_a_stale_snapshot_never_writes_over_a_newer_run(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """A message claimed before a spec change runs after the change's own run: before its
    first write (here a build, its old tag having moved) it reads the object, sees the new
    generation and reconciles that instead; nothing is rolled back or announced."""
    repo = "unchanged/stale"
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    two = oras_push(registry, repo, "2.0.0", tarball({"a.yaml": b"2"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    oci_app.test_clock[0] += 300
    stale = _dispatched(oci_app)
    _apply(oci_app, registry, repo, ref={"tag": "2.0.0"})
    (fresh,) = runner.run(oci_app, _dispatched(oci_app))
    assert fresh.ready == "True" and fresh.metrics.get("new_artifact") == 1
    after = oci_app.objects.get(KIND, "apps", "podinfo").status
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1 again"}), tmp_path)
    (late,) = runner.run(oci_app, stale)
    assert late.metrics.get("snapshot_stale") == 1 and late.metrics.get("new_artifact") is None
    status = oci_app.objects.get(KIND, "apps", "podinfo").status
    assert status["artifact"] == after["artifact"] and status["artifact"]["revision"] == (
        f"2.0.0@{two}"
    )
    assert status["observedGeneration"] == 2


def test_a_stale_snapshot_never_deletes_the_rebuilt_artifact(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """A new ``ignore`` rebuilds the same manifest into the same path with other bytes. A run
    claimed before it sees a digest that is not its snapshot's: deleting that file is a change,
    so it first reads the object and reconciles the new generation, which keeps the file."""
    repo = "unchanged/rebuilt"
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"a", "notes.md": b"n"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    first = oci_app.objects.get(KIND, "apps", "podinfo").status["artifact"]
    oci_app.test_clock[0] += 300
    stale = _dispatched(oci_app)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, ignore="*.md")
    (rebuilt,) = runner.run(oci_app, _dispatched(oci_app))
    second = oci_app.objects.get(KIND, "apps", "podinfo").status["artifact"]
    assert rebuilt.metrics.get("new_artifact") == 1, rebuilt.message
    assert second["path"] == first["path"] and second["digest"] != first["digest"]
    (late,) = runner.run(oci_app, stale)
    assert late.metrics.get("snapshot_stale") == 1 and late.ready == "True", late.message
    assert late.metrics.get("unchanged") == 1 and "build_seconds" not in late.metrics
    stored = oci_app.settings.home / "artifacts" / second["path"]
    assert stored.exists() and oci_app.artifacts.verify(second["path"], second["digest"])
    status = oci_app.objects.get(KIND, "apps", "podinfo").status
    assert status["artifact"] == second and status["observedGeneration"] == 2


def test_a_failed_confirm_in_garbage_collection_is_tried_again_before_a_write(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """The garbage collection ignores its errors (as Flux's), a failed confirming read among
    them; the snapshot stays unconfirmed, so the run's status write reads again, sees the
    change and starts over instead of writing the stale spec's status."""
    repo = "unchanged/flaky"
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    two = oras_push(registry, repo, "2.0.0", tarball({"a.yaml": b"2"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    garbage = folder / ("0" * 64 + ".tar.gz")
    garbage.write_bytes(b"old")
    os.utime(garbage, (oci_app.test_clock[0] - 3600, oci_app.test_clock[0] - 3600))
    oci_app.test_clock[0] += 300
    message = _dispatched(oci_app)
    _apply(oci_app, registry, repo, ref={"tag": "2.0.0"})
    store = FailingFirstRead(oci_app.objects)
    oci_app.objects = store
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1 moved"}), tmp_path)  # a build
    (out,) = runner.run(oci_app, message)
    # the failed read (swallowed by the collection, which deleted nothing), then the build's
    assert store.reads == [(KIND, "apps", "podinfo")] * 2
    assert out.metrics.get("snapshot_stale") == 1, out.metrics
    assert out.metrics.get("gc_deleted") == 1 and not garbage.exists()  # by the restarted run
    status = store.inner.get(KIND, "apps", "podinfo").status
    assert status["artifact"]["revision"] == f"2.0.0@{two}" and status["observedGeneration"] == 2


def test_a_snapshot_of_a_deleted_object_stores_nothing(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = "unchanged/deleted"
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    runner.run(oci_app, _dispatched(oci_app))
    oci_app.test_clock[0] += 300
    stale = _dispatched(oci_app)
    assert oci_app.objects.delete(KIND, "apps", "podinfo")
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    before = sorted(p.name for p in folder.iterdir())
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"2"}), tmp_path)  # would build
    (out,) = runner.run(oci_app, stale)
    assert out.skipped == "not found" and out.metrics.get("snapshot_stale") == 1
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_big_object_travels_without_its_snapshot(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    oras_push(registry, "unchanged/d", "1.0.0", tarball({"a.yaml": b"d"}), tmp_path)
    resource = Resource(
        "source.toolkit.fluxcd.io/v1",
        KIND,
        "podinfo",
        "apps",
        {
            "url": f"oci://{registry.host}/unchanged/d",
            "interval": "5m",
            "insecure": True,
            "ref": {"tag": "1.0.0"},
        },
        annotations={"note": "x" * 20_000},
    )
    oci_app.objects.apply(resource)
    message = _dispatched(oci_app)
    assert message.snapshot is None and len(message.body()) < 200
    store = CountingStore(oci_app.objects)
    oci_app.objects = store
    (out,) = runner.run(oci_app, message)
    assert out.ready == "True" and store.reads == [(KIND, "apps", "podinfo")]


# -- S3: the storage step's requests --------------------------------------------------------


class S3Calls:
    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call.s3.*", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


@pytest.fixture
def s3_app(oci_app: Any) -> Any:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    oci_app.artifacts = S3ArtifactStorage(s3, BUCKET)
    oci_app.s3_calls = S3Calls(s3)
    return oci_app


def _run_at(app: Any, at: float) -> Any:
    app.test_clock[0] = at
    (out,) = runner.run(app, _dispatched(app))
    return out


def _quiet_time(app: Any, after: float) -> float:
    """The first 5-minute run after ``after`` whose window holds no hourly storage check."""
    resource = app.objects.get(KIND, "apps", "podinfo")
    at = after
    while storage_step_due(app.artifacts, resource, 300, at):
        at += 300
    return at


def test_s3_unchanged_reconciles_make_no_storage_request_between_checks(
    s3_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = "unchanged/s3"
    one = oras_push(registry, repo, "latest", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(s3_app, registry, repo)
    start = s3_app.test_clock[0]
    assert _run_at(s3_app, start).ready == "True"
    calls = s3_app.s3_calls.names
    # A next revision within Flux's 60 s retention TTL (a reconcile request 30 s later): the
    # previous artifact is kept by the GC after the build ...
    two = oras_push(registry, repo, "latest", tarball({"a.yaml": b"2"}), tmp_path)
    s3_app.objects.request_reconcile(KIND, "apps", "podinfo", "now")
    assert _run_at(s3_app, start + 30).ready == "True"
    keys = lambda: sorted(  # noqa: E731
        o["Key"].rsplit("/", 1)[1]
        for o in s3_app.artifacts.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    )
    assert keys() == sorted([f"{one}.tar.gz", f"{two}.tar.gz", "latest.tar.gz"])
    # ... and collected by the next, unchanged reconcile, whose storage step runs in full.
    gc_run = _run_at(s3_app, start + 330)
    assert gc_run.metrics["unchanged"] == 1 and gc_run.metrics["gc_deleted"] == 1
    assert keys() == sorted([f"{two}.tar.gz", "latest.tar.gz"])
    # Between hourly checks an unchanged reconcile makes no S3 request at all.
    quiet = _quiet_time(s3_app, start + 330 + 3600)
    calls.clear()
    _calls(s3_app).clear()
    out = _run_at(s3_app, quiet)
    assert out.metrics["unchanged"] == 1 and out.metrics["storage_step_skipped"] == 1
    assert calls == [] and [m for m, _ in _calls(s3_app)] == ["HEAD"]
    # Every 5-minute run over two hours: the storage check runs once or twice per hour.
    checks = 0
    for n in range(1, 25):
        calls.clear()
        out = _run_at(s3_app, quiet + n * 300)
        assert out.metrics["unchanged"] == 1
        if calls:
            checks += 1
            assert "HeadObject" in calls and "ListObjectsV2" in calls
    assert 2 <= checks <= 4


def test_s3_artifact_deleted_behind_tagpilots_back_is_rebuilt(
    s3_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = "unchanged/s3gone"
    digest = oras_push(registry, repo, "latest", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(s3_app, registry, repo)
    import time as _time

    assert _run_at(s3_app, _time.time()).ready == "True"
    key = f"ocirepository/apps/podinfo/{digest}.tar.gz"
    s3_app.artifacts.client.delete_object(Bucket=BUCKET, Key=key)
    quiet = _quiet_time(s3_app, _time.time() + 3600)
    out = _run_at(s3_app, quiet)
    assert out.metrics["storage_step_skipped"] == 1  # not looked at between checks
    # A reconcile request (flux reconcile source oci) runs the storage step at once.
    s3_app.objects.request_reconcile(KIND, "apps", "podinfo", "2026-12-01T00:00:00Z")
    out = _run_at(s3_app, quiet + 1)
    assert out.ready == "True" and out.metrics.get("new_artifact") is None
    assert out.metrics.get("storage_step_skipped") is None and out.metrics.get("build_seconds")
    head = s3_app.artifacts.client.head_object(Bucket=BUCKET, Key=key)
    assert head["Metadata"]["digest"].startswith("sha256:")
    status = s3_app.objects.get(KIND, "apps", "podinfo").status
    assert status["lastHandledReconcileAt"] == "2026-12-01T00:00:00Z"
    # and without a request, the hourly check finds a missing artifact too
    s3_app.artifacts.client.delete_object(Bucket=BUCKET, Key=key)
    at = quiet + 301
    resource = s3_app.objects.get(KIND, "apps", "podinfo")
    while not storage_step_due(s3_app.artifacts, resource, 300, at):
        at += 300
    assert at - quiet <= STORAGE_CHECK_PERIOD + 600
    out = _run_at(s3_app, at)
    assert out.ready == "True" and out.metrics.get("build_seconds")
