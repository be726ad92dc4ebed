"""The notification functions with their sample events: the bus event is routed to one SQS
message per matched Provider (moto), and the delivery function sends it to a recording server;
a Provider answering 500 fails the record and sets the backoff visibility."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from tagpilot.api.resource import Resource
from tagpilot.runtime.notify import build_dispatcher, use_notify_context

from tests.conftest import load_event
from tests.functional.handlers.test_events import Context, handler
from tests.support.recording import recording_server

pytestmark = pytest.mark.functional


@pytest.fixture
def notify_env(app: Any) -> Any:
    from tagpilot.notify.ratelimit import MemoryRateLimiter

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"delivery-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    use_notify_context(build_dispatcher(app, limiter=MemoryRateLimiter()), sqs, url)
    yield app, sqs, url
    use_notify_context(None, None, "")


def _objects(app: Any, address: str) -> None:
    app.objects.apply(
        Resource(
            "notification.toolkit.fluxcd.io/v1beta3",
            "Provider",
            "webhook",
            "flux-system",
            spec={"type": "generic", "address": address, "timeout": "1s"},
        )
    )
    app.objects.apply(
        Resource(
            "notification.toolkit.fluxcd.io/v1beta3",
            "Alert",
            "on-call",
            "flux-system",
            spec={
                "providerRef": {"name": "webhook"},
                "eventSources": [{"kind": "ImagePolicy", "name": "*"}],
            },
        )
    )


def test_bus_event_becomes_one_delivery_message(notify_env: Any) -> None:
    app, sqs, url = notify_env
    _objects(app, "http://127.0.0.1:9/unused")
    event = load_event("eventbridge-tagpilot-imagepolicy-succeeded.json")
    assert handler("notify")(event, Context()) == {"deliveriesQueued": 1}
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])
    assert body["alert"] == "flux-system/on-call" and body["provider"] == "webhook"
    assert body["event"] == event["detail"]
    # The same event again within five minutes is a duplicate (NC's rate limit).
    assert handler("notify")(event, Context()) == {"deliveriesQueued": 0}


def test_delivery_sample_reaches_the_provider(notify_env: Any) -> None:
    app, _, _ = notify_env
    with recording_server() as sink:
        _objects(app, sink.url + "/hook")
        result = handler("delivery")(load_event("sqs-delivery-generic.json"), Context())
        req = sink.only()
    assert result == {"batchItemFailures": []}
    assert req.path == "/hook" and req.headers["Gotk-Component"] == "image-reflector-controller"
    assert json.loads(req.body)["reason"] == "Succeeded"


def test_delivery_failure_fails_the_record_with_backoff(notify_env: Any) -> None:
    app, sqs, url = notify_env
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    event = load_event("sqs-delivery-generic.json")
    event["Records"][0]["receiptHandle"] = message["ReceiptHandle"]
    with recording_server(answers={"": (500, {"error": "down"})}) as sink:
        _objects(app, sink.url)
        result = handler("delivery")(event, Context())
        assert len(sink.requests) >= 1
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
