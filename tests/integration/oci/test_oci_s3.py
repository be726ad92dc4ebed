"""Artifacts in S3 and NewArtifact on an EventBridge bus (both moto), routed by the README rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from tagpilot.api.resource import Resource
from tagpilot.reconcile.ocirepository import reconcile
from tagpilot.store.artifacts import S3ArtifactStorage
from tagpilot.store.events import EventBridgePublisher

from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
BUCKET = "tagpilot-artifacts-test"
#: The example rule of the README ("OCIRepository"): every new artifact of namespace apps.
README_RULE = {
    "source": ["tagpilot"],
    "detail-type": ["NewArtifact"],
    "detail": {"namespace": ["apps"]},
}


@pytest.fixture
def s3_app(app: Any) -> Any:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    events = boto3.client("events", region_name="us-east-1")
    events.create_event_bus(Name="tagpilot-events")
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="new-artifacts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="deploy-on-new-artifact",
        EventBusName="tagpilot-events",
        EventPattern=json.dumps(README_RULE),
    )
    events.put_targets(
        Rule="deploy-on-new-artifact",
        EventBusName="tagpilot-events",
        Targets=[{"Id": "queue", "Arn": arn}],
    )
    app.artifacts = S3ArtifactStorage(s3, BUCKET)
    app.events = EventBridgePublisher(events, "tagpilot-events")
    app.extras_queue = (sqs, queue)
    return app


def _received(app: Any) -> list[dict[str, Any]]:
    sqs, queue = app.extras_queue
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in got]


def test_artifacts_in_s3_with_gc_and_events(
    s3_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = "s3/manifests"
    s3 = s3_app.artifacts.client
    digests = [
        oras_push(registry, repo, "latest", tarball({"a.yaml": str(i).encode()}), tmp_path)
        for i in range(1)
    ]
    spec = {"url": f"oci://{registry.host}/{repo}", "interval": "5m", "insecure": True}
    s3_app.objects.apply(
        Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", "podinfo", "apps", spec)
    )
    out = reconcile(s3_app, "apps", "podinfo")
    status = s3_app.objects.get("OCIRepository", "apps", "podinfo").status
    assert out.ready == "True", out.message
    key = f"ocirepository/apps/podinfo/{digests[0]}.tar.gz"
    assert status["artifact"]["path"] == key
    assert status["artifact"]["url"] == f"s3://{BUCKET}/{key}"
    assert status["url"] == f"s3://{BUCKET}/ocirepository/apps/podinfo/latest.tar.gz"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["digest"] == status["artifact"]["digest"]
    assert head["ContentLength"] == status["artifact"]["size"]
    [event] = _received(s3_app)
    assert (event["source"], event["detail-type"]) == ("tagpilot", "NewArtifact")
    assert event["detail"]["revision"] == f"latest@{digests[0]}"
    assert event["detail"]["url"] == f"s3://{BUCKET}/{key}"
    # Two more revisions: at most two artifacts (current included) stay, plus latest.tar.gz.
    for i in (1, 2):
        digests.append(
            oras_push(registry, repo, "latest", tarball({"a.yaml": str(i).encode()}), tmp_path)
        )
        assert reconcile(s3_app, "apps", "podinfo").ready == "True"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == sorted(
        [
            f"ocirepository/apps/podinfo/{digests[1]}.tar.gz",
            f"ocirepository/apps/podinfo/{digests[2]}.tar.gz",
            "ocirepository/apps/podinfo/latest.tar.gz",
        ]
    )
    assert len(_received(s3_app)) == 2
    # The stored object disappears: it is rebuilt, and the bytes are the same (no new event).
    s3.delete_object(Bucket=BUCKET, Key=f"ocirepository/apps/podinfo/{digests[2]}.tar.gz")
    assert reconcile(s3_app, "apps", "podinfo").ready == "True"
    assert (
        s3_app.artifacts.read(f"ocirepository/apps/podinfo/{digests[2]}.tar.gz")[:2] == b"\x1f\x8b"
    )
    assert _received(s3_app) == []


def test_storage_write_failure_keeps_the_previous_artifact(
    s3_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    """The tarball cannot be written (its spool, Lambda's /tmp, is unusable): StorageOperationFailed
    with ArchiveOperationFailed, the stored artifact and its status stay, nothing new in S3; once
    the storage works again the new revision is stored and the condition goes."""
    repo = "s3/failing"
    s3 = s3_app.artifacts.client
    first = oras_push(registry, repo, "latest", tarball({"a.yaml": b"1"}), tmp_path)
    spec = {"url": f"oci://{registry.host}/{repo}", "interval": "5m", "insecure": True}
    s3_app.objects.apply(
        Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", "failing", "apps", spec)
    )
    assert reconcile(s3_app, "apps", "failing").ready == "True"
    before = s3_app.objects.get("OCIRepository", "apps", "failing").status
    keys_before = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])

    second = oras_push(registry, repo, "latest", tarball({"a.yaml": b"2"}), tmp_path)
    not_a_dir = tmp_path / "spool"
    not_a_dir.write_text("a file where the spool directory should be")
    s3_app.artifacts.spool_dir = str(not_a_dir)
    out = reconcile(s3_app, "apps", "failing")
    status = s3_app.objects.get("OCIRepository", "apps", "failing").status
    conds = {c["type"]: (c["status"], c["reason"], c["message"]) for c in status["conditions"]}
    message = f"unable to archive artifact to storage: [Errno 20] Not a directory: '{not_a_dir}"
    assert conds["StorageOperationFailed"][:2] == ("True", "ArchiveOperationFailed")
    assert conds["StorageOperationFailed"][2].startswith(message)
    assert conds["Ready"] == ("False",) + conds["StorageOperationFailed"][1:]
    assert conds["ArtifactOutdated"] == (
        "True",
        "NewRevision",
        f"new revision 'latest@{second}' for '{registry.host}/{repo}:latest'",
    )
    assert conds["Reconciling"][:2] == ("True", "ProgressingWithRetry")
    assert (out.ready, out.reason) == ("False", "ArchiveOperationFailed")
    # the previous artifact: still in the status, still in S3, nothing half-written
    assert status["artifact"] == before["artifact"]
    assert status["artifact"]["revision"] == f"latest@{first}"
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == keys_before
    assert s3_app.objects.get("OCIRepository", "apps", "failing").failures == 1

    s3_app.artifacts.spool_dir = None
    out = reconcile(s3_app, "apps", "failing")
    status = s3_app.objects.get("OCIRepository", "apps", "failing").status
    assert out.ready == "True", out.message
    assert status["artifact"]["revision"] == f"latest@{second}"
    assert "StorageOperationFailed" not in {c["type"] for c in status["conditions"]}
