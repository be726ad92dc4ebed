"""Delivery: a Provider that times out or answers 500 is retried, then dead-lettered, while the
other Providers still get their events, promptly; failures become Warning events on the Alert
without the token."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.resource import Resource
from tagpilot.reconcile.events import notify

from tests.support.recording import recording_server

pytestmark = pytest.mark.integration


def _fail(app: Any) -> None:
    from tagpilot.api import conditions

    policy = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "flux-system",
            spec={},
        )
    ).resource
    failed: dict[str, Any] = {}
    conditions.mark_failed(failed, "AccessDenied", "access denied", generation=1)
    notify(app, policy, {}, failed)


def test_down_providers_are_retried_then_dead_lettered_others_unaffected(
    events_app: Any, add_alert: Any
) -> None:
    app = events_app
    delivery = app.notifications
    delivery.max_attempts = 3
    app.secrets.put(
        "flux-system", "hook-token", "Opaque", {"token": "sekret-token-1"}, uses=("provider",)
    )
    with (
        recording_server() as healthy,
        recording_server(answers={"": (500, {"error": "down"})}) as broken,
        recording_server() as slow,
    ):
        slow.delay = 1.0
        add_alert("healthy", healthy.url)
        add_alert(
            "broken",
            broken.url,
            type="generic-hmac",
            extra="  timeout: 500ms\n  secretRef: {name: hook-token}\n",
        )
        add_alert("slow", slow.url, extra="  timeout: 300ms\n")
        _fail(app)
        assert delivery.wait(30)
        broken_attempts = len(broken.requests)
        slow_attempts = len(slow.wait_for(3, timeout=5))
    # The healthy Provider was served before the others' first retries, not after them.
    assert healthy.requests[0].at < broken.requests[1].at
    assert healthy.requests[0].at < slow.requests[0].at
    assert len(healthy.requests) == 1
    assert broken_attempts == 3
    assert slow_attempts >= 3
    dead = sorted((d.delivery.provider, d.attempts) for d in delivery.dead_letters)
    assert dead == [("broken", 3), ("slow", 3)]
    warnings = {
        e.name: e.message
        for e in app.events.store.list("flux-system", kind="Alert")
        if e.reason == "NotificationDispatchFailed"
    }
    assert set(warnings) == {"broken", "slow"}
    assert warnings["broken"].startswith(
        "failed to send notification for ImagePolicy/flux-system/app: "
    )
    assert "500" in warnings["broken"]
    assert "sekret-token-1" not in " ".join(warnings.values())


def test_suspended_provider_and_missing_provider(events_app: Any, add_alert: Any) -> None:
    app = events_app
    with recording_server() as sink:
        add_alert("quiet", sink.url, extra="  suspend: true\n")
        _fail(app)
        assert app.notifications.wait(10)
        assert sink.requests == []
    app.objects.delete("Provider", "flux-system", "quiet")
    from dataclasses import replace

    event = app.events.event(
        app.objects.require("ImagePolicy", "flux-system", "app"), "Warning", "Other", "again"
    )
    deliveries = app.notifications.dispatcher.route(replace(event))
    assert deliveries == []
    messages = [e.message for e in app.events.store.list("flux-system", kind="Alert")]
    assert any("failed to read provider" in m for m in messages)
