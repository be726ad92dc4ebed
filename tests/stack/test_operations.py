"""Scenarios of the running stack: the schedule, repeated changes, failing peers, poison
messages. Each runs in its own namespace against its own registry and Git server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.stack.scenario import SilentServer, apply, commits, deployed_tag, fleet, manifests
from tests.support.gitserver import GitServer
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.stack


def test_schedule_scans_and_commits(stack: Any, operator: Any) -> None:
    """Nothing but the minute schedule: the dispatcher finds the due objects in its index."""
    with RegistryServer() as registry, GitServer() as git:
        image = f"{registry.host}/sched/app"
        push_image(registry.url, "sched/app", ["1.0.0", "1.5.0"])
        fleet(git, image, "sched")
        apply(operator, manifests(image, git.url_for("fleet.git"), "sched", interval="2s"))
        [tick] = stack.schedule()
        assert tick.error is None and tick.result["dispatched"]["ImageRepository"] >= 1
        stack.drain()
        assert deployed_tag(git) == "1.5.0"
        # The next cycle comes from the schedule again: the next minute's tick sends the slots
        # of that minute (a 2 s interval has one in every minute).
        push_image(registry.url, "sched/app", ["1.6.0"])
        stack.advance(60)
        [tick] = stack.schedule()
        # At least this one: the stack is shared, and the other scenarios' repositories may
        # have their slot in the same minute. Only the tick can have sent sched/app (nothing
        # else changed), so the commit below is the schedule's.
        assert tick.result["dispatched"]["ImageRepository"] >= 1
        stack.drain()
        assert deployed_tag(git) == "1.6.0"


def test_two_policy_changes_30s_apart_both_reach_git(stack: Any, operator: Any) -> None:
    """SQS FIFO keeps a deduplication id for 5 minutes, even after the message is gone: an id
    derived from the message would silently drop the second run."""
    with RegistryServer() as registry, GitServer(username="bot", password="s3cret") as git:
        image = f"{registry.host}/twice/app"
        push_image(registry.url, "twice/app", ["1.0.0"])
        fleet(git, image, "twice")
        text = manifests(image, git.url_for("fleet.git"), "twice").replace(
            "  ref: {branch: main}\n", "  ref: {branch: main}\n  secretRef: {name: git-auth}\n"
        )
        text += (
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: git-auth, namespace: twice}\n"
            "stringData: {username: bot, password: s3cret}\n"
        )
        apply(operator, text)
        stack.drain()
        for n, tag in enumerate(["1.1.0", "1.2.0"]):
            push_image(registry.url, "twice/app", [tag])
            operator.objects.request_reconcile("ImageRepository", "twice", "app", f"change-{n}")
            stack.drain()
            assert deployed_tag(git) == tag
            stack.advance(30)
        assert len(commits(git)) == 3
        assert stack.gateway.dropped_duplicates == []


def test_a_registry_that_never_answers_fails_only_its_own_repository(
    stack: Any, operator: Any
) -> None:
    silent = SilentServer()
    try:
        with RegistryServer() as registry:
            push_image(registry.url, "hang/app", ["1.0.0"])
            docs = []
            for n in range(9):
                docs.append(_repo(f"ok-{n}", f"{registry.host}/hang/app"))
            docs.append(_repo("hung", f"{silent.host}/hang/app"))
            scan = stack.functions["ScanFunction"]
            before = len(scan.invocations)
            apply(operator, "---\n".join(docs))
            stack.drain()
            invocations = scan.invocations[before:]
            assert invocations and not any(i.timed_out or i.error for i in invocations)
            assert max(i.duration_ms for i in invocations) < scan.spec.timeout * 1000
            for n in range(9):
                ok = operator.objects.require("ImageRepository", "hang", f"ok-{n}")
                assert _ready(ok)[:2] == ("True", "Succeeded"), ok.status
            hung = operator.objects.require("ImageRepository", "hang", "hung")
            assert _ready(hung)[:2] == ("False", "ReadOperationFailed")
            assert "deadline" in _ready(hung)[2] or "timed out" in _ready(hung)[2]
    finally:
        silent.close()


def test_a_git_server_that_refuses_the_push(stack: Any, operator: Any) -> None:
    with RegistryServer() as registry, GitServer() as git:
        image = f"{registry.host}/refuse/app"
        push_image(registry.url, "refuse/app", ["1.0.0", "2.0.0"])
        fleet(git, image, "refuse")
        hook = git.repo_path("fleet.git") / "hooks" / "pre-receive"
        hook.write_text("#!/bin/sh\necho 'pushes are frozen' >&2\nexit 1\n")
        hook.chmod(0o755)
        automation = stack.functions["AutomationFunction"]
        before = len(automation.invocations)
        apply(operator, manifests(image, git.url_for("fleet.git"), "refuse"))
        stack.drain()
        assert len(commits(git)) == 1
        auto = operator.objects.require("ImageUpdateAutomation", "refuse", "app")
        ready, reason, message = _ready(auto)
        assert (ready, reason) == ("False", "GitOperationFailed"), auto.status
        assert "pre-receive" in message or "rejected" in message or "frozen" in message
        assert all(i.error is None for i in automation.invocations[before:])


def test_a_poison_message_ends_in_the_dlq_and_the_alarm_notifies_the_topic(
    stack: Any,
) -> None:
    sqs = stack.admin("sqs")
    sns = stack.admin("sns")
    inbox = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    [topic] = stack.topics.values()
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    sqs.send_message(QueueUrl=stack.queue_url("ScanQueue"), MessageBody="not a work item")
    queue = stack.queues["ScanQueue"]
    max_receives = queue["RedrivePolicy"]["maxReceiveCount"]
    for _ in range(max_receives + 1):
        stack.drain()
        stack.advance(float(queue["VisibilityTimeout"]))
    dlq = stack.queue_url("ScanDeadLetterQueue")
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in moved] == ["not a work item"]
    sqs.change_message_visibility(
        QueueUrl=dlq, ReceiptHandle=moved[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    assert "ScanDeadLetterQueueAlarm" in stack.evaluate_alarms()
    notes = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    names = {json.loads(n["Body"])["AlarmName"] for n in notes}
    assert "ScanDeadLetterQueueAlarm" in names
    # Drain the DLQ so the other scenarios' alarms start clean.
    sqs.purge_queue(QueueUrl=dlq)


@pytest.mark.parametrize(
    ("function", "secret", "allowed"),
    [
        ("WebhookFunction", "tagpilot/dev/_receiver/apps/token", True),
        ("WebhookFunction", "tagpilot/dev/_git/apps/deploy-key", False),
        ("WebhookFunction", "tagpilot/dev/_registry/apps/regcred", False),
        ("WebhookFunction", "tagpilot/dev/apps/token", False),
        ("ScanFunction", "tagpilot/dev/_registry/apps/regcred", True),
        ("ScanFunction", "tagpilot/dev/_git/apps/deploy-key", False),
        ("AutomationFunction", "tagpilot/dev/_git/apps/deploy-key", True),
        ("DispatcherFunction", "tagpilot/dev/_registry/apps/regcred", False),
        # The delivery function: Provider secrets (tokens, addresses, certificates) only.
        ("DeliveryFunction", "tagpilot/dev/_provider/apps/slack-token", True),
        ("DeliveryFunction", "tagpilot/dev/_receiver/apps/token", False),
        ("DeliveryFunction", "tagpilot/dev/_git/apps/deploy-key", False),
        ("DeliveryFunction", "tagpilot/dev/_registry/apps/regcred", False),
        ("DeliveryFunction", "tagpilot/dev/apps/slack-token", False),
        ("WebhookFunction", "tagpilot/dev/_provider/apps/slack-token", False),
        ("NotifyFunction", "tagpilot/dev/_provider/apps/slack-token", False),
    ],
)
def test_each_role_reads_only_the_secrets_of_its_use(
    stack: Any, function: str, secret: str, allowed: bool
) -> None:
    client = stack.as_role(function, "secretsmanager")
    probes = len(stack.gateway.calls)
    with pytest.raises(ClientError) as err:
        client.get_secret_value(SecretId=secret)
    del stack.gateway.calls[probes:]  # a probe of the role, not a call the function made
    code = err.value.response["Error"]["Code"]
    assert code == ("ResourceNotFoundException" if allowed else "AccessDeniedException")
    if not allowed:
        assert "secretsmanager:GetSecretValue" in err.value.response["Error"]["Message"]


def _repo(name: str, image: str) -> str:
    return (
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
        f"metadata: {{name: {name}, namespace: hang}}\n"
        f"spec: {{image: {image}, interval: 5m, insecure: true}}\n"
    )


def _ready(obj: Any) -> tuple[str, str, str]:
    cond = [c for c in obj.status.get("conditions", []) if c["type"] == "Ready"][0]
    return cond["status"], cond["reason"], cond["message"]
