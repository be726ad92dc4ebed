"""Registry push -> webhook (generic, github, dockerhub, harbor) -> scan -> policy -> automation
-> commit in the Git server, every step in the deployed functions with their roles enforced.

The webhook requests are the samples in ``events/`` (their Receivers from
``events/receivers.yaml``), sent through the HTTP API route as API Gateway would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import EVENTS, load_event
from tests.stack.scenario import apply, commits, deployed_tag, fleet, manifests
from tests.support.gitserver import GitServer
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def apps(stack: Any, operator: Any) -> Iterator[tuple[RegistryServer, GitServer]]:
    """Namespace ``apps``: the sample Receivers, and an image, policy and automation they reach."""
    with RegistryServer() as registry, GitServer() as git:
        image = f"{registry.host}/team/app"
        push_image(registry.url, "team/app", ["1.0.0"])
        fleet(git, image, "apps")
        apply(operator, manifests(image, git.url_for("fleet.git"), "apps", automation="apps"))
        apply(operator, (EVENTS / "receivers.yaml").read_text())
        stack.drain()
        assert deployed_tag(git) == "1.0.0"
        yield registry, git


def send(stack: Any, sample: str) -> int:
    event = load_event(sample)
    status, _, _ = stack.http(
        event["requestContext"]["http"]["method"],
        event["rawPath"],
        event["headers"],
        event.get("body", "").encode(),
    )
    return status


@pytest.mark.parametrize(
    ("sample", "tag"),
    [
        ("webhook-generic-distribution-push.json", "1.1.0"),
        ("webhook-github-package-published.json", "1.2.0"),
        ("webhook-dockerhub-push.json", "1.3.0"),
        ("webhook-harbor-push-artifact.json", "1.4.0"),
        ("webhook-generic-hmac-distribution-push.json", "1.5.0"),  # a label selector
    ],
)
def test_push_then_webhook_becomes_a_commit(stack: Any, apps: Any, sample: str, tag: str) -> None:
    registry, git = apps
    push_image(registry.url, "team/app", [tag])
    assert send(stack, sample) == 200
    stack.drain()
    assert deployed_tag(git) == tag
    assert len(commits(git)) >= 2


def test_receiver_whose_resource_is_an_automation(stack: Any, operator: Any, apps: Any) -> None:
    """The gitlab Receiver targets ImageUpdateAutomation ``apps``: the webhook function queues
    the run itself (FIFO, grouped by Git repository)."""
    before = operator.objects.require("ImageUpdateAutomation", "apps", "apps")
    assert send(stack, "webhook-gitlab-tag-push.json") == 200
    stack.drain()
    after = operator.objects.require("ImageUpdateAutomation", "apps", "apps")
    # The request token proves the run; lastAutomationRunTime has one-second resolution (as in
    # Flux), so the previous test's run may share its value.
    assert after.requested_at and after.requested_at != before.requested_at
    assert after.status["lastHandledReconcileAt"] == after.requested_at
    assert before.status.get("lastHandledReconcileAt") != after.requested_at
    assert after.status["lastAutomationRunTime"] >= before.status.get("lastAutomationRunTime", "")
    ready = [c for c in after.status["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "True", json.dumps(after.status)
