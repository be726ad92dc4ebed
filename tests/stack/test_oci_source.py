"""OCIRepository on the deployed stack: apply -> stream -> dispatcher -> SourceQueue ->
SourceFunction -> artifact in the stack's bucket and ``NewArtifact`` on its bus; then a Receiver
webhook and the schedule bring the next revisions, and Flux's garbage collection keeps two.

The artifacts are pushed with ``oras`` (an independent OCI client) to Debian's registry; the
bucket is read back with the operator's S3 client, and the tarballs are unpacked with
``tarfile``.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.stack.scenario import apply
from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.stack

TOKEN = "4f1c9a7e2b6d4e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"

MANIFESTS = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: manifests, namespace: oci}}
spec:
  url: oci://{host}/oci/manifests
  ref: {{semver: ">=1.0.0"}}
  insecure: true
  ignore: "*.md"
  interval: {interval}
---
apiVersion: v1
kind: Secret
metadata: {{name: push-token, namespace: oci}}
stringData: {{token: {token}}}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {{name: artifacts, namespace: oci}}
spec:
  type: generic
  secretRef: {{name: push-token}}
  resources:
    - {{apiVersion: source.toolkit.fluxcd.io/v1, kind: OCIRepository, name: manifests}}
"""


def _push(registry: RegistryServer, tag: str, tmp: Path) -> None:
    files = {
        "deploy/app.yaml": f"version: {tag}\n".encode(),
        "README.md": b"left out by spec.ignore",
    }
    oras_push(registry, "oci/manifests", tag, tarball(files), tmp)


def _artifact(operator: Any) -> dict[str, Any]:
    obj = operator.objects.require("OCIRepository", "oci", "manifests")
    ready = [c for c in obj.status.get("conditions", []) if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True", obj.status
    return dict(obj.status["artifact"])


def _name(artifact: dict[str, Any]) -> str:
    return str(artifact["path"]).rsplit("/", 1)[-1]


def _stored(stack: Any) -> dict[str, bytes]:
    s3 = stack.admin("s3")
    bucket = stack.table("ArtifactsBucket")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="ocirepository/oci/manifests/")
    return {
        o["Key"].rsplit("/", 1)[-1]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        for o in listed.get("Contents", [])
    }


def _files(tgz: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tgz))) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def _new_artifacts(stack: Any, since: int) -> list[dict[str, Any]]:
    bus = stack.stack.physical_name("EventBus")
    return [
        e["detail"]
        for b, e in stack.bus_events[since:]
        if b == bus and e["detail-type"] == "NewArtifact" and e["detail"].get("namespace") == "oci"
    ]


def test_an_ocirepository_becomes_artifacts_in_the_bucket(
    stack: Any, operator: Any, tmp_path: Path
) -> None:
    source = stack.functions["SourceFunction"]
    since = len(stack.gateway.calls)
    with RegistryServer() as registry:
        _push(registry, "1.0.0", tmp_path)
        events = len(stack.bus_events)
        apply(operator, MANIFESTS.format(host=registry.host, interval="2s", token=TOKEN))
        stack.drain()
        first = _artifact(operator)
        assert first["revision"].startswith("1.0.0@sha256:")
        assert first["url"].startswith(f"s3://{stack.table('ArtifactsBucket')}/ocirepository/")
        stored = _stored(stack)
        assert set(stored) == {_name(first), "latest.tar.gz"}
        assert _files(stored["latest.tar.gz"]) == {"deploy/app.yaml": b"version: 1.0.0\n"}
        [announced] = _new_artifacts(stack, events)
        assert (announced["revision"], announced["url"]) == (first["revision"], first["url"])

        # A Receiver naming the OCIRepository: the webhook function queues it at once.
        _push(registry, "1.1.0", tmp_path)
        receiver = operator.objects.require("Receiver", "oci", "artifacts")
        status, _, _ = stack.http(
            "POST", receiver.status["webhookPath"], {"content-type": "application/json"}, b"{}"
        )
        assert status == 200
        stack.drain()
        second = _artifact(operator)
        assert second["revision"].startswith("1.1.0@sha256:")
        assert _files(_stored(stack)["latest.tar.gz"]) == {"deploy/app.yaml": b"version: 1.1.0\n"}

        # The schedule: once the 2 s interval has passed, the minute rule's dispatcher sends it.
        _push(registry, "1.2.0", tmp_path)
        time.sleep(2.1)  # the functions' own clock: the interval is real time
        stack.schedule()
        stack.drain()
        third = _artifact(operator)
        assert third["revision"].startswith("1.2.0@sha256:")
        # Flux's garbage collection: the current artifact and one other are kept.
        assert set(_stored(stack)) == {_name(third), _name(second), "latest.tar.gz"}
        assert [a["revision"] for a in _new_artifacts(stack, events)] == [
            first["revision"],
            second["revision"],
            third["revision"],
        ]
    assert source.invocations and not any(i.error or i.timed_out for i in source.invocations)
    # Each run read the object once: the dispatcher's runs carry it (a snapshot), read again
    # only to confirm it before their first write (each of them built an artifact here); the
    # webhook's run, whose snapshot is not trusted, read it at its start.
    assert _object_reads(stack, since) == ["GetItem"] * 3


def _object_reads(stack: Any, since: int = 0) -> list[str]:
    table = stack.table("ObjectsTable")
    return [
        c.operation
        for c in stack.gateway.calls[since:]
        if c.function == "SourceFunction"
        and c.operation == "GetItem"
        and c.resource.endswith(f"table/{table}")
    ]


FORGED = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: {name}, namespace: oci-forged}}
spec:
  url: oci://{host}/oci/forged
  insecure: true
  interval: 5m
"""


def _name_without_a_storage_check(seconds: float) -> str:
    """An object name whose hourly storage check falls outside the next ``seconds``: a
    forged run then has no storage step (whose confirming read would catch it anyway)."""
    from types import SimpleNamespace

    from tagpilot.api.resource import Resource
    from tagpilot.reconcile.ocistorage import storage_step_due

    status = {
        "observedGeneration": 1,
        "conditions": [{"type": "ArtifactInStorage", "status": "True"}],
        "artifact": {"lastUpdateTime": "2020-01-01T00:00:00Z"},
    }
    remote = SimpleNamespace(remote=True)
    now = time.time()
    for n in range(100):
        obj = Resource("v1", "OCIRepository", f"app{n}", "oci-forged", status=status)
        if not any(
            storage_step_due(remote, obj, 300, now + t)  # type: ignore[arg-type]
            for t in range(0, int(seconds), 5)
        ):
            return f"app{n}"
    raise AssertionError("no name without a storage check")


def test_a_snapshot_from_another_sender_than_the_dispatcher_is_not_used(
    stack: Any, operator: Any, tmp_path: Path
) -> None:
    """A principal that may send to SourceQueue (here the internet-facing WebhookFunction's
    role) puts a message whose snapshot points the object at another registry: SQS's SenderId
    is not the dispatcher's role, so the worker reads the stored object and never calls that
    registry."""
    from dataclasses import replace

    from tagpilot.store.queues import WorkItem, snapshot_of

    from tests.support.recording import recording_server

    name = _name_without_a_storage_check(120)
    with RegistryServer() as registry, recording_server() as attacker:
        oras_push(registry, "oci/forged", "latest", tarball({"a.yaml": b"a"}), tmp_path)
        apply(operator, FORGED.format(host=registry.host, name=name))
        stack.drain()
        obj = operator.objects.require("OCIRepository", "oci-forged", name)
        assert obj.status["artifact"]["revision"].startswith("latest@sha256:"), obj.status
        host = attacker.url.split("://", 1)[1]
        # An old lastUpdateTime, so the run has no garbage to collect (whose confirming read
        # would catch the forgery too) and goes straight to the registry.
        artifact = {**obj.status["artifact"], "lastUpdateTime": "2020-01-01T00:00:00Z"}
        forged = replace(
            obj,
            spec={**obj.spec, "url": f"oci://{host}/stolen"},
            status={**obj.status, "artifact": artifact},
        )
        body = WorkItem(
            "OCIRepository", "oci-forged", name, "due", snapshot=snapshot_of(forged, time.time())
        ).body()
        stack.as_role("WebhookFunction", "sqs").send_message(
            QueueUrl=stack.queue_url("SourceQueue"), MessageBody=body
        )
        since = len(stack.gateway.calls)
        stack.drain()
        assert attacker.requests == []
        assert _object_reads(stack, since) == ["GetItem"]
        after = operator.objects.require("OCIRepository", "oci-forged", name)
        assert after.status["artifact"] == obj.status["artifact"]


BIG = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: big
  namespace: oci-big
  annotations: {{notes: "{notes}"}}
spec:
  url: oci://{host}/oci/big
  insecure: true
  interval: 1h
"""


def test_an_object_too_big_to_carry_is_read_by_the_source_function(
    stack: Any, operator: Any, tmp_path: Path
) -> None:
    """Over 16 KiB the claim's item is left out of the message: the function reads it."""
    with RegistryServer() as registry:
        oras_push(registry, "oci/big", "latest", tarball({"a.yaml": b"a"}), tmp_path)
        since = len(stack.gateway.calls)
        apply(operator, BIG.format(host=registry.host, notes="n" * 20_000))
        stack.drain()
        obj = operator.objects.require("OCIRepository", "oci-big", "big")
        assert obj.status["artifact"]["revision"].startswith("latest@sha256:"), obj.status
    assert _object_reads(stack, since) == ["GetItem"]


ECR_MANIFESTS = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: manifests, namespace: oci-ecr}}
spec:
  url: oci://{image}
  ref: {{semver: ">=1.0.0"}}
  provider: aws
  insecure: true
  proxySecretRef: {{name: ecr-proxy}}
  interval: 1h
---
apiVersion: v1
kind: Secret
metadata: {{name: ecr-proxy, namespace: oci-ecr}}
stringData: {{address: '{proxy}'}}
"""


def test_an_ecr_push_reconciles_an_ocirepository_in_ecr(
    stack: Any, operator: Any, tmp_path: Path
) -> None:
    """ECR push event -> the rule -> EcrEventsFunction -> SourceQueue -> SourceFunction, which
    logs in to ECR with its own role (``ecr:GetAuthorizationToken``) and reads its proxy secret
    from the ``_registry`` copy. The proxy stands in for the network path to ECR (as in
    test_ecr_push.py): the OCIRepository keeps its real ECR URL."""
    from tests.conftest import load_event
    from tests.stack.scenario import ForwardProxy

    event = load_event("ecr-push.json")
    repo = "oci-ecr/manifests"
    event["detail"] = {**event["detail"], "repository-name": repo, "image-tag": "2.0.0"}
    host = f"{event['account']}.dkr.ecr.{event['region']}.amazonaws.com"
    with RegistryServer() as registry:
        proxy = ForwardProxy(registry.host)
        try:
            for tag in ("1.0.0",):
                oras_push(registry, repo, tag, tarball({"app.yaml": tag.encode()}), tmp_path)
            apply(operator, ECR_MANIFESTS.format(image=f"{host}/{repo}", proxy=proxy.url))
            stack.drain()
            obj = operator.objects.require("OCIRepository", "oci-ecr", "manifests")
            assert obj.status["artifact"]["revision"].startswith("1.0.0@sha256:"), obj.status

            oras_push(registry, repo, "2.0.0", tarball({"app.yaml": b"2.0.0"}), tmp_path)
            [invocation] = stack.put_event(event)
            assert invocation.error is None, invocation.error
            assert invocation.result["scansRequested"] == ["oci-ecr/manifests"]
            stack.drain()
            obj = operator.objects.require("OCIRepository", "oci-ecr", "manifests")
            assert obj.status["artifact"]["revision"].startswith("2.0.0@sha256:"), obj.status
            assert {h for h, _ in proxy.requests} == {host}
        finally:
            proxy.close()
