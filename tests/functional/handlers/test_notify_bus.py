"""Recorded events reach an EventBridge bus (moto) that routes them with a plain rule: source
``tagpilot``, detail-type = the reason, detail = Flux's event JSON."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from tagpilot.api.resource import Resource
from tagpilot.notify.bus import EventBridgeBus
from tagpilot.notify.recorder import Recorder

pytestmark = pytest.mark.functional


def test_events_are_routable_with_plain_rules(app: Any) -> None:
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    bus = events.create_event_bus(Name="tagpilot-events")["EventBusArn"]
    url = sqs.create_queue(QueueName="pushes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["tagpilot"],
        "detail-type": ["Succeeded"],
        "detail": {"involvedObject": {"kind": ["ImageUpdateAutomation"]}},
    }
    events.put_rule(Name="pushes", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="pushes", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])

    recorder = Recorder(app.events.store, EventBridgeBus(events, bus))
    automation = Resource(
        "image.toolkit.fluxcd.io/v1",
        "ImageUpdateAutomation",
        "app",
        "flux-system",
        annotations={"event.toolkit.fluxcd.io/team": "platform"},
    )
    policy = Resource("image.toolkit.fluxcd.io/v1", "ImagePolicy", "app", "flux-system")
    recorder.record(policy, "Normal", "Succeeded", "Latest image tag for x resolved to 2")
    recorder.record(automation, "Warning", "GitOperationFailed", "failed to checkout source")
    recorder.record(
        automation,
        "Normal",
        "Succeeded",
        "pushed commit 'abc1234' to branch 'main'\nmsg",
        {"revision": "main@sha1:" + "a" * 40},
    )
    recorder.record(automation, "Trace", "Succeeded", "no change since last reconciliation")

    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["source"] == "tagpilot"
    assert envelope["detail-type"] == "Succeeded"
    detail = envelope["detail"]
    assert detail["involvedObject"]["kind"] == "ImageUpdateAutomation"
    assert detail["reportingController"] == "image-automation-controller"
    assert detail["metadata"] == {
        "event.toolkit.fluxcd.io/team": "platform",
        "image.toolkit.fluxcd.io/revision": "main@sha1:" + "a" * 40,
    }
    assert detail["message"].startswith("pushed commit 'abc1234'")


def test_new_artifact_detail_keeps_the_sources_fields(app: Any) -> None:
    from tagpilot.notify.bus import CallbackBus

    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    bus = events.create_event_bus(Name="tagpilot-oci")["EventBusArn"]
    url = sqs.create_queue(QueueName="artifacts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["tagpilot"],
        "detail-type": ["NewArtifact"],
        "detail": {"namespace": ["apps"]},
    }
    events.put_rule(Name="oci", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="oci", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    revision = "1.0.0@sha256:" + "b" * 64
    detail = {
        "kind": "OCIRepository",
        "namespace": "apps",
        "name": "manifests",
        "message": f"stored artifact with revision '{revision}' from 'oci://r/m'",
        "revision": revision,
        "digest": "sha256:" + "c" * 64,
        "url": "s3://bucket/key",
        "size": 42,
        "metadata": {"org.opencontainers.image.source": "https://github.com/o/a"},
    }
    local = CallbackBus()
    Recorder(app.events.store, EventBridgeBus(events, bus)).publish("NewArtifact", detail)
    Recorder(app.events.store, local).publish("NewArtifact", detail)

    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])["detail"]
    assert body["involvedObject"]["apiVersion"] == "source.toolkit.fluxcd.io/v1"
    assert body["reportingController"] == "source-controller"
    assert (body["url"], body["size"], body["revision"]) == ("s3://bucket/key", 42, revision)
    assert body["metadata"] == {
        "org.opencontainers.image.source": "https://github.com/o/a",
        "source.toolkit.fluxcd.io/revision": revision,
        "source.toolkit.fluxcd.io/digest": "sha256:" + "c" * 64,
    }
    [event] = local.sent
    assert (event.reason, event.severity, event.kind) == ("NewArtifact", "info", "OCIRepository")
