"""Every provider type against a recording HTTP server on 127.0.0.1: method, path, headers, body.

Expected bodies are written out from the reference (flux-notifications.md section 3.5), not
computed with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from tagpilot.notify.event import Event
from tagpilot.notify.providers import NOTIFIERS
from tagpilot.notify.providers.base import PermanentError, ProviderConfig
from tagpilot.notify.transport import HttpSender

from tests.support.recording import recording_server

pytestmark = pytest.mark.integration

INFO = Event(
    involved_object={
        "kind": "ImagePolicy",
        "namespace": "flux-system",
        "name": "podinfo",
        "uid": "7c1e2a3b-0000-4000-8000-000000000001",
        "apiVersion": "image.toolkit.fluxcd.io/v1",
        "resourceVersion": "91234",
    },
    severity="info",
    timestamp="2026-07-01T10:04:05Z",
    message="Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 6.5.1",
    reason="NewArtifact",
    reporting_controller="image-reflector-controller",
    metadata={"env": "prod"},
)
ERROR_EVENT = Event(
    involved_object=dict(INFO.involved_object),
    severity="error",
    timestamp="2026-07-01T10:04:05Z",
    message="scan failed: boom",
    reason="ReadOperationFailed",
    reporting_controller="image-reflector-controller",
)
UID = "0c9c2e41-1111-4222-8333-444455556666"


def send(kind: str, event: Event, server: Any, **fields: Any) -> None:
    fields.setdefault("address", server.url + "/hook")
    cfg = ProviderConfig(type=kind, namespace="flux-system", name="p", uid=UID, **fields)
    sender = HttpSender(cfg, wait_min=0.01)
    NOTIFIERS[kind](cfg, event, sender)


def test_generic_posts_the_event_json_with_gotk_component_and_secret_headers() -> None:
    with recording_server() as server:
        send("generic", INFO, server, headers={"X-Team": "platform"})
        req = server.only()
    assert (req.method, req.path) == ("POST", "/hook")
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Gotk-Component"] == "image-reflector-controller"
    assert req.headers["User-Agent"] == "Go-http-client/1.1"
    assert req.headers["X-Team"] == "platform"
    assert req.body == (
        b'{"involvedObject":{"kind":"ImagePolicy","namespace":"flux-system","name":"podinfo",'
        b'"uid":"7c1e2a3b-0000-4000-8000-000000000001","apiVersion":"image.toolkit.fluxcd.io/v1",'
        b'"resourceVersion":"91234"},"severity":"info","timestamp":"2026-07-01T10:04:05Z",'
        b'"message":"Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 6.5.1",'
        b'"reason":"NewArtifact","metadata":{"env":"prod"},'
        b'"reportingController":"image-reflector-controller"}'
    )


def test_generic_hmac_signs_the_exact_body() -> None:
    with recording_server() as server:
        send("generic-hmac", INFO, server, token="s3cret")
        req = server.only()
    expected = hmac.new(b"s3cret", req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Signature"] == f"sha256={expected}"
    assert json.loads(req.body)["reason"] == "NewArtifact"


def test_generic_hmac_without_token_is_refused() -> None:
    with recording_server() as server, pytest.raises(PermanentError, match="HMAC key is empty"):
        send("generic-hmac", INFO, server)


def test_slack_webhook_body_and_bot_token() -> None:
    with recording_server() as server:
        send("slack", ERROR_EVENT, server, channel="general", token="xoxb-1")
        req = server.only()
    assert req.headers["Authorization"] == "Bearer xoxb-1"
    assert req.json() == {
        "channel": "general",
        "username": "image-reflector-controller",
        "icon_url": "",
        "icon_emoji": "",
        "attachments": [
            {
                "fallback": "imagepolicy/podinfo.flux-system: scan failed: boom",
                "color": "danger",
                "author_name": "imagepolicy/podinfo.flux-system",
                "text": "scan failed: boom",
                "mrkdwn_in": ["text"],
                "fields": [],
            }
        ],
    }
    assert list(req.json()) == ["channel", "username", "icon_url", "icon_emoji", "attachments"]


def test_slack_metadata_fields_and_username() -> None:
    with recording_server() as server:
        send("slack", INFO, server, username="flux")
        body = server.only().json()
    assert body["username"] == "flux"
    assert body["attachments"][0]["color"] == "good"
    assert body["attachments"][0]["fields"] == [{"title": "env", "value": "prod", "short": False}]


def test_discord_appends_slack_to_the_path() -> None:
    with recording_server() as server:
        send("discord", INFO, server, address=server.url + "/api/webhooks/1/abc")
        send("discord", INFO, server, address=server.url + "/api/webhooks/1/abc/slack")
        first, second = server.requests
    assert first.path == second.path == "/api/webhooks/1/abc/slack"
    att = first.json()["attachments"][0]
    assert first.json()["channel"] == "" and att["fallback"] == "" and att["color"] == "good"


def test_rocket_colours_and_no_default_username() -> None:
    with recording_server() as server:
        send("rocket", ERROR_EVENT, server, channel="ops")
        body = server.only().json()
    assert body["username"] == "" and body["channel"] == "ops"
    assert body["attachments"][0]["color"] == "#FF0000"


def test_msteams_adaptive_card_summary_first_then_sorted_facts() -> None:
    event = INFO.with_metadata({"zeta": "1", "alpha": "2", "summary": "prod cluster"})
    with recording_server() as server:
        send("msteams", event, server)
        body = server.only().json()
    content = body["attachments"][0]["content"]
    assert body["type"] == "message"
    assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert content["version"] == "1.4" and content["msteams"] == {"width": "Full"}
    items = content["body"][0]["items"]
    assert items[0] == {
        "type": "TextBlock",
        "text": "imagepolicy/podinfo.flux-system",
        "size": "large",
        "weight": "bolder",
        "wrap": True,
    }
    assert items[1] == {"type": "TextBlock", "text": INFO.message, "wrap": True}
    assert [f["title"] for f in items[2]["facts"]] == ["summary", "alpha", "zeta"]


def test_msteams_legacy_connector_message_card() -> None:
    # The host decides the format; the recording server stands in for *.webhook.office.com.
    from tagpilot.notify.providers import chat

    captured: list[Any] = []

    def capture(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Any:
        from tagpilot.notify.providers.base import Response

        captured.append((url, json.loads(body or b"{}")))
        return Response(200, b"1")

    cfg = ProviderConfig(
        type="msteams",
        namespace="n",
        name="p",
        uid=UID,
        address="https://acme.webhook.office.com/webhookb2/x",
    )
    chat.msteams(cfg, ERROR_EVENT, capture)
    assert captured[0][1] == {
        "@type": "MessageCard",
        "@context": "http://schema.org/extensions",
        "themeColor": "FF0000",
        "summary": "imagepolicy/podinfo.flux-system",
        "sections": [
            {
                "activityTitle": "scan failed: boom",
                "activitySubtitle": "imagepolicy/podinfo.flux-system",
                "facts": [],
            }
        ],
    }


def test_googlechat_card() -> None:
    with recording_server() as server:
        send("googlechat", ERROR_EVENT, server)
        body = server.only().json()
    assert body == {
        "cards": [
            {
                "header": {
                    "title": "imagepolicy/podinfo.flux-system",
                    "subtitle": "image-reflector-controller",
                    "imageUrl": None,
                    "imageStyle": None,
                },
                "sections": [
                    {
                        "header": "",
                        "widgets": [
                            {
                                "textParagraph": {
                                    "text": '<font color="#ff0000">scan failed: boom</font>'
                                },
                                "keyValue": None,
                            }
                        ],
                    }
                ],
            }
        ]
    }


def test_webex_markdown_and_bearer() -> None:
    with recording_server() as server:
        send("webex", INFO, server, channel="room-1", token="wx")
        req = server.only()
    assert req.headers["Authorization"] == "Bearer wx"
    assert req.json() == {
        "roomId": "room-1",
        "markdown": "\u2705 **imagepolicy/podinfo.flux-system**\n"
        "Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 6.5.1\n>**env**: prod\n",
    }


def test_telegram_escapes_markdown_and_splits_thread() -> None:
    with recording_server() as server:
        send(
            "telegram",
            INFO,
            server,
            channel="-100123:7",
            token="123:ABC",
            endpoints={"https://api.telegram.org": server.url},
        )
        req = server.only()
    assert req.path == "/bot123:ABC/sendMessage"
    assert req.json() == {
        "chat_id": "-100123",
        "message_thread_id": 7,
        "text": "*\U0001f4ab imagepolicy/podinfo/flux\\-system*\n"
        "Latest image tag for ghcr\\.io/stefanprodan/podinfo resolved to 6\\.5\\.1\n"
        "\\- *env*: prod\n",
        "parse_mode": "MarkdownV2",
    }


def test_matrix_put_with_sha1_transaction() -> None:
    with recording_server() as server:
        send("matrix", ERROR_EVENT, server, address=server.url, channel="!room:x", token="mx")
        req = server.only()
    txn = hashlib.sha1(ERROR_EVENT.to_json()).hexdigest()
    assert req.method == "PUT"
    assert req.path == f"/_matrix/client/r0/rooms/!room:x/send/m.room.message/{txn}"
    assert req.headers["Authorization"] == "Bearer mx"
    assert req.json() == {
        "body": "\U0001f6a8 imagepolicy/podinfo.flux-system\nscan failed: boom\n",
        "msgtype": "m.text",
    }


def test_alertmanager_array_labels_and_basic_auth() -> None:
    event = INFO.with_metadata({"summary": "prod", "env": "prod"})
    with recording_server() as server:
        send("alertmanager", event, server, username="u", password="p", token="t")
        req = server.only()
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert req.json() == [
        {
            "status": "firing",
            "labels": {
                "env": "prod",
                "alertname": "FluxImagePolicyNewartifact",
                "severity": "info",
                "reason": "NewArtifact",
                "kind": "ImagePolicy",
                "name": "podinfo",
                "namespace": "flux-system",
                "reportingcontroller": "image-reflector-controller",
            },
            "annotations": {"message": INFO.message, "summary": "prod"},
            "startsAt": "2026-07-01T10:04:05Z",
            "endsAt": "0001-01-01T00:00:00Z",
        }
    ]


def test_grafana_annotation_without_message() -> None:
    event = INFO.with_metadata({"revision": "main@sha1:abc"})
    with recording_server() as server:
        send("grafana", event, server, token="g")
        req = server.only()
    assert req.headers["Authorization"] == "Bearer g"
    assert req.json() == {
        "when": 1782900245,
        "text": "imagepolicy/podinfo.flux-system",
        "tags": [
            "flux",
            "image-reflector-controller",
            "revision: main@sha1|abc",
            "kind: ImagePolicy",
            "name: podinfo",
            "namespace: flux-system",
        ],
    }


def test_opsgenie_genie_key_and_alias() -> None:
    with recording_server() as server:
        send("opsgenie", ERROR_EVENT, server, token="og")
        req = server.only()
    alias = hashlib.sha256(
        f"{UID}/ImagePolicy/flux-system/podinfo/ReadOperationFailed".encode()
    ).hexdigest()
    assert req.headers["Authorization"] == "GenieKey og"
    assert req.json() == {
        "message": "ImagePolicy/podinfo",
        "alias": alias,
        "description": "scan failed: boom",
        "details": {"severity": "error"},
    }


def test_pagerduty_error_triggers_and_info_resolves_plus_change() -> None:
    with recording_server() as server:
        send("pagerduty", ERROR_EVENT, server, channel="rk")
        send("pagerduty", INFO, server, channel="rk")
        trigger, resolve, change = server.requests
    assert trigger.path == "/v2/enqueue"
    assert trigger.json() == {
        "routing_key": "rk",
        "event_action": "trigger",
        "dedup_key": INFO.involved_object["uid"],
        "payload": {
            "summary": "read operation failed: imagepolicy/podinfo",
            "source": "Flux image-reflector-controller",
            "severity": "error",
            "timestamp": "2026-07-01T10:04:05Z",
            "component": "podinfo",
            "group": "ImagePolicy",
            "custom_details": {"message": "scan failed: boom"},
        },
    }
    assert resolve.json() == {
        "routing_key": "rk",
        "event_action": "resolve",
        "dedup_key": INFO.involved_object["uid"],
    }
    assert change.path == "/v2/change/enqueue"
    assert change.json()["payload"]["summary"] == "new artifact: imagepolicy/podinfo"


def test_pagerduty_skips_progressing() -> None:
    from dataclasses import replace

    with recording_server() as server:
        send("pagerduty", replace(INFO, reason="Progressing"), server, channel="rk")
        assert server.requests == []


@pytest.mark.parametrize("status", [403, 503])
@pytest.mark.parametrize("kind", sorted(set(NOTIFIERS) - {"eventbridge", "sns"}))
def test_errors_name_the_status_and_mask_the_token(kind: str, status: int) -> None:
    from tagpilot.notify.providers.base import NotifyError

    reply = {"message": "bad token tok-123"}
    with recording_server(answers={"": (status, reply)}) as server:
        cfg = ProviderConfig(
            type=kind,
            namespace="n",
            name="p",
            uid=UID,
            address=server.url + "/o/r",
            token="tok-123" if kind != "bitbucket" else "user:tok-123",
            channel="c",
            timeout=1.0,
            endpoints={
                "https://api.telegram.org": server.url,
                "https://api.bitbucket.org": server.url,
            },
        )
        event = ERROR_EVENT.with_metadata({"revision": "main@sha1:" + "a" * 40})
        with pytest.raises(NotifyError) as info:
            NOTIFIERS[kind](cfg, event, HttpSender(cfg, wait_min=0.01))
    text = cfg.mask(str(info.value))
    assert "tok-123" not in text
    assert str(status) in text
