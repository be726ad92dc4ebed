"""Receivers on a GitRepository (the automations that use it run now) and without a spec (as
Flux: accepted, never Ready, no webhook path)."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.runtime.webhook import handle_webhook
from tagpilot.runtime.webhook_server import to_apigw_event

pytestmark = pytest.mark.functional

TOKEN = "a-webhook-token-of-at-least-32-characters"
MANIFESTS = (
    f"""\
apiVersion: v1
kind: Secret
metadata: {{name: webhook-token, namespace: flux-system}}
stringData: {{token: {TOKEN}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: fleet, namespace: flux-system}}
spec: {{url: "https://git.example.com/fleet.git", interval: 5m, ref: {{branch: main}}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: other, namespace: flux-system}}
spec: {{url: "https://git.example.com/other.git", interval: 5m, ref: {{branch: main}}}}
"""
    + "".join(
        f"""---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {{name: {name}, namespace: {ns}}}
spec:
  interval: 30m
  sourceRef: {{kind: GitRepository, name: {source}, namespace: flux-system}}
  git:
    commit:
      author: {{name: bot, email: bot@example.com}}
  update: {{path: ./, strategy: Setters}}
"""
        for name, ns, source in (
            ("apps", "flux-system", "fleet"),
            ("infra", "team", "fleet"),
            ("unrelated", "flux-system", "other"),
        )
    )
    + """---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: github, namespace: flux-system}
spec:
  type: generic
  secretRef: {name: webhook-token}
  resources:
    - kind: GitRepository
      name: fleet
"""
)


def test_receiver_on_git_repository_runs_its_automations(cli: Any, app: Any) -> None:
    done = cli("apply", "-f", "-", stdin=MANIFESTS)
    assert done.code == 0, done.err
    while app.automation_queue.take() is not None:  # what apply scheduled, not the webhook
        pass
    receiver = app.objects.require("Receiver", "flux-system", "github")
    path = receiver.status["webhookPath"]
    event = to_apigw_event("POST", path, [("Content-Type", "application/json")], b"{}")
    assert handle_webhook(app, from_apigw_v2(event)).status == 200
    queued = []
    while (item := app.automation_queue.take()) is not None:
        queued.append((item.namespace, item.name))
    assert sorted(queued) == [("flux-system", "apps"), ("team", "infra")]
    token = app.objects.require("GitRepository", "flux-system", "fleet").requested_at
    assert token
    for ns, name in queued:
        auto = app.objects.require("ImageUpdateAutomation", ns, name)
        assert auto.requested_at == token
    assert (
        app.objects.require("ImageUpdateAutomation", "flux-system", "unrelated").requested_at
        is None
    )


def test_receiver_without_spec_is_accepted_and_never_ready(cli: Any, app: Any) -> None:
    manifest = (
        "apiVersion: notification.toolkit.fluxcd.io/v1\n"
        "kind: Receiver\n"
        "metadata: {name: bare, namespace: flux-system}\n"
    )
    assert cli("validate", "-f", "-", stdin=manifest).code == 0
    done = cli("apply", "-f", "-", stdin=manifest)
    assert done.code == 0, done.err
    got = cli("get", "receiver", "bare", "--no-header")
    assert got.out.startswith("bare\tFalse    \tFalse\t")
    assert "not found" in got.out
    bare = app.objects.require("Receiver", "flux-system", "bare")
    assert "webhookPath" not in bare.status
