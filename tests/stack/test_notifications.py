"""Events and notifications on the deployed stack: an automation's commit -> its event on the
stack's EventBridge bus -> the notify rule -> NotifyFunction -> DeliveryQueue -> DeliveryFunction
-> the Providers: a recording HTTP server on 127.0.0.1 (generic-hmac, first answer 500), one
that refuses (400), an SNS topic and another bus (tagpilot's extension types). Every function
runs with its role enforced; the Provider's HMAC key is read from its ``_provider`` copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from tests.stack.scenario import apply, deployed_tag, fleet, git, manifests
from tests.support.gitserver import GitServer
from tests.support.recording import recording_server
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.stack

HMAC_KEY = "b2f0c8e4a6d1f3e5c7a9b1d3f5e7a9c1"

SECRET = """\
apiVersion: v1
kind: Secret
metadata: {{name: hook-key, namespace: notify}}
stringData: {{token: {key}}}
"""

PROVIDER = """\
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {{name: {name}, namespace: notify}}
spec:
  type: {type}
  address: {address}
{extra}---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {{name: {name}, namespace: notify}}
spec:
  providerRef: {{name: {name}}}
  eventSources:
    - {{kind: ImageUpdateAutomation, name: "*"}}
"""


#: An Alert whose inclusion regexp does not compile: NC records an InvalidConfig Warning on it
#: for every event it sees (the scan's and the policy's), and sends nothing.
BAD_FILTER = """\
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: bad-filter, namespace: notify}
spec:
  providerRef: {name: hook}
  eventSources:
    - {kind: ImageRepository, name: "*"}
    - {kind: ImagePolicy, name: "*"}
  inclusionList: ["(unclosed"]
"""


def _providers(hook: str, refuser: str, topic: str, bus: str) -> str:
    # timeout 1s: no time for a retry inside the invocation, so a 500 comes back through SQS.
    return (
        SECRET.format(key=HMAC_KEY)
        + BAD_FILTER
        + "".join(
            PROVIDER.format(name=name, type=type_, address=address, extra=extra)
            for name, type_, address, extra in [
                ("hook", "generic-hmac", hook, "  timeout: 1s\n  secretRef: {name: hook-key}\n"),
                ("refuser", "generic", refuser, ""),
                ("audit-topic", "sns", topic, ""),
                ("audit-bus", "eventbridge", bus, ""),
            ]
        )
    )


def _audit_sinks(stack: Any) -> tuple[str, str, str]:
    """An SNS topic with an SQS inbox, and a second bus, both in the stack's account."""
    sns, sqs, events = stack.admin("sns"), stack.admin("sqs"), stack.admin("events")
    topic = sns.create_topic(Name="notify-audit")["TopicArn"]
    inbox = sqs.create_queue(QueueName="notify-audit-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    bus = events.create_event_bus(Name="notify-audit")["EventBusArn"]
    return topic, inbox, bus


def _first_500_then_200() -> Any:
    calls = []

    def answer(method: str, path: str) -> tuple[int, Any]:
        calls.append(path)
        return (500, {"error": "down"}) if len(calls) == 1 else (200, {})

    return answer


def test_an_automation_commit_reaches_the_providers_through_the_bus(
    stack: Any, operator: Any
) -> None:
    topic, inbox, audit_bus = _audit_sinks(stack)
    notify, deliver = stack.functions["NotifyFunction"], stack.functions["DeliveryFunction"]
    with (
        RegistryServer() as registry,
        GitServer() as server,
        recording_server(answers={"/hook": _first_500_then_200()}) as hook,
        recording_server(answers={"/refuse": (400, {"error": "bad request"})}) as refuser,
    ):
        image = f"{registry.host}/notify/app"
        push_image(registry.url, "notify/app", ["1.0.0"])
        fleet(server, image, "notify")
        apply(operator, manifests(image, server.url_for("fleet.git"), "notify"))
        stack.drain()
        apply(
            operator,
            _providers(f"{hook.url}/hook", f"{refuser.url}/refuse", topic, audit_bus),
        )
        assert operator.secrets.get("notify", "hook-key", use="provider").data == {
            "token": HMAC_KEY
        }
        bus_events = len(stack.bus_events)
        notified, delivered = len(notify.invocations), len(deliver.invocations)

        push_image(registry.url, "notify/app", ["1.1.0"])
        operator.objects.request_reconcile("ImageRepository", "notify", "app", "push")
        stack.drain()
        assert deployed_tag(server) == "1.1.0"
        head = git(server, "rev-parse", "main").strip()

        # The push event reached the stack's bus and the notify rule routed it.
        bus = stack.stack.physical_name("EventBus")
        [pushed] = [
            e
            for b, e in stack.bus_events[bus_events:]
            if b == bus and e["detail"]["involvedObject"]["kind"] == "ImageUpdateAutomation"
        ]
        assert (pushed["source"], pushed["detail-type"]) == ("tagpilot", "Succeeded")
        assert pushed["detail"]["message"].startswith(f"pushed commit '{head[:7]}'")
        routed = [i.result for i in notify.invocations[notified:] if i.result]
        assert {"deliveriesQueued": 4} in routed

        # The HMAC Provider answered 500 once: the delivery set its own backoff (30 s, not the
        # queue's visibility timeout) and comes back after it.
        [first] = hook.requests
        mapping = next(m for m in stack.sqs_mappings if m.function == "DeliveryFunction")
        denied = [c for c in stack.gateway.calls if not c.allowed]
        assert denied == [], denied
        [(receipt, visible_at)] = mapping.in_flight.items()
        # (Only an upper bound: the other deliveries ran since, for however long they took.)
        assert 0 < visible_at - stack.clock() <= 30
        stack.advance(30)
        stack.drain()
        assert [r.body for r in hook.requests] == [first.body, first.body]

        # What the Provider received: Flux's event JSON, signed with the key from the secret.
        body = first.body
        signature = hmac.new(HMAC_KEY.encode(), body, hashlib.sha256).hexdigest()
        assert first.headers["X-Signature"] == f"sha256={signature}"
        assert first.headers["Gotk-Component"] == "image-automation-controller"
        sent = json.loads(body)
        involved = sent["involvedObject"]
        assert (involved["kind"], involved["namespace"], involved["name"]) == (
            "ImageUpdateAutomation",
            "notify",
            "app",
        )
        assert sent["reason"] == "Succeeded" and sent["severity"] == "info"
        assert sent["message"] == pushed["detail"]["message"]
        metadata = json.dumps(sent.get("metadata", {}))
        assert head in metadata and "1.0.0 -> " in metadata and "1.1.0" in metadata

        # The refusing Provider: not retried, a Warning on its Alert (in the events table).
        assert len(refuser.requests) == 1
        warnings = _alert_warnings(stack, "refuser")
        assert len(warnings) == 1 and "400" in warnings[0], warnings

        # The Alert with a broken filter: a Warning per event it saw, nothing sent.
        invalid = _alert_warnings(stack, "bad-filter", "InvalidConfig")
        assert invalid == ["failed to compile inclusion regex: (unclosed"], invalid

        # The extension types: the same event JSON on the topic and on the other bus.
        sqs = stack.admin("sqs")
        [note] = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
        assert json.loads(note["Body"])["message"] == sent["message"]
        [forwarded] = [e for b, e in stack.bus_events if b == "notify-audit"]
        assert forwarded["detail"]["message"] == sent["message"]

    runs = deliver.invocations[delivered:]
    assert len(runs) == 5 and not any(i.error or i.timed_out for i in runs)


def _alert_warnings(
    stack: Any, alert: str, reason: str = "NotificationDispatchFailed"
) -> list[str]:
    """Messages of the ``reason`` Warnings stored for Alert ``notify/<alert>``."""
    items = stack.admin("dynamodb").scan(TableName=stack.table("EventsTable"))["Items"]
    return [
        item["message"]["S"]
        for item in items
        if item.get("reason", {}).get("S") == reason
        and (item["kind"]["S"], item["namespace"]["S"], item["name"]["S"])
        == ("Alert", "notify", alert)
    ]
