"""ECR push event on the default bus -> the rule's pattern -> EcrEventsFunction -> scan (ECR
token through the scan role) -> policy -> automation -> commit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import load_event
from tests.stack.scenario import ForwardProxy, apply, deployed_tag, fleet, manifests
from tests.support.gitserver import GitServer
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.stack


def _ecr_image(event: dict[str, Any]) -> str:
    detail = event["detail"]
    return f"{event['account']}.dkr.ecr.{event['region']}.amazonaws.com/{detail['repository-name']}"


def test_ecr_push_event_becomes_a_commit(stack: Any, operator: Any) -> None:
    event = load_event("ecr-push.json")
    image = _ecr_image(event)
    repo = event["detail"]["repository-name"]
    with RegistryServer() as registry, GitServer() as git:
        proxy = ForwardProxy(registry.host)
        try:
            push_image(registry.url, repo, ["1.0.0"])
            fleet(git, image, "ecr")
            text = manifests(image, git.url_for("fleet.git"), "ecr").replace(
                "  insecure: true\n",
                "  insecure: true\n  provider: aws\n  proxySecretRef: {name: ecr-proxy}\n",
            )
            text += (
                "---\napiVersion: v1\nkind: Secret\n"
                "metadata: {name: ecr-proxy, namespace: ecr}\n"
                f"stringData: {{address: '{proxy.url}'}}\n"
            )
            apply(operator, text)
            stack.drain()
            assert deployed_tag(git) == "1.0.0"
            push_image(registry.url, repo, [event["detail"]["image-tag"]])
            [invocation] = stack.put_event(event)
            assert invocation.error is None, invocation.error
            assert invocation.result["scansRequested"] == ["ecr/app"]
            stack.drain()
            assert deployed_tag(git) == event["detail"]["image-tag"]
            assert {host for host, _ in proxy.requests} == {image.split("/", 1)[0]}
        finally:
            proxy.close()


def test_events_the_rule_does_not_match_never_invoke(stack: Any) -> None:
    ecr = stack.functions["EcrEventsFunction"]
    before = len(ecr.invocations)
    for sample in ("ecr-delete.json",):
        assert stack.put_event(load_event(sample)) == []
    failed = load_event("ecr-push.json")
    failed["detail"]["result"] = "FAILURE"
    assert stack.put_event(failed) == []
    assert len(ecr.invocations) == before


def test_a_failing_async_invocation_reaches_the_on_failure_destination(stack: Any) -> None:
    """Lambda retries an asynchronous event twice, then sends it to the destination."""
    # The ECR rule: the one whose pattern the sample push matches (other rules route the bus).
    event = load_event("ecr-push.json")
    [rule] = [r for r in stack.rules.values() if r.pattern and r.pattern.matches_event(event)]
    [target] = rule.targets
    assert target.on_failure is not None
    event["detail"] = {**event["detail"], "repository-name": 42}  # breaks the handler
    before = len(stack.functions["EcrEventsFunction"].invocations)
    stack.put_event(event)
    attempts = stack.functions["EcrEventsFunction"].invocations[before:]
    assert len(attempts) == target.retries + 1 and all(a.error for a in attempts)
    sqs = stack.admin("sqs")
    url = stack.queue_url_of_arn(target.on_failure)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert '"condition": "RetriesExhausted"' in message["Body"]
