"""Chat types: slack, discord, rocket, msteams, googlechat, webex, telegram, matrix.

Payloads follow NC ``internal/notifier/<type>.go`` (reference section 3.5). Go iterates the
metadata map in random order; here metadata entries are sorted by key (deterministic output).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tagpilot.notify.event import ERROR, Event, object_name
from tagpilot.notify.providers.base import (
    TELEGRAM_API,
    PermanentError,
    ProviderConfig,
    Send,
    post_json,
    require_url,
)

SLACK_API = "https://slack.com/api/chat.postMessage"


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _slack_payload(
    event: Event, *, channel: str, username: str, colors: tuple[str, str], fallback: str
) -> dict[str, Any]:
    fields = [{"title": k, "value": v, "short": False} for k, v in sorted(event.metadata.items())]
    attachment = {
        "fallback": fallback,
        "color": colors[1] if event.severity == ERROR else colors[0],
        "author_name": object_name(event),
        "text": event.message,
        "mrkdwn_in": ["text"],
        "fields": fields,
    }
    return {
        "channel": channel,
        "username": username,
        "icon_url": "",
        "icon_emoji": "",
        "attachments": [attachment],
    }


def slack(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Slack hook")
    payload = _slack_payload(
        event,
        channel=cfg.channel,
        username=cfg.username or event.reporting_controller,
        colors=("good", "danger"),
        fallback=f"{object_name(event)}: {_first_line(event.message)}",
    )
    headers = {"Authorization": f"Bearer {cfg.token}"} if cfg.token else {}
    response = post_json(send, cfg.address, payload, headers)
    if cfg.address == SLACK_API:
        try:
            answer = response.json()
        except ValueError as exc:
            raise PermanentError(f"unable to unmarshal response body: {exc}") from exc
        if not (isinstance(answer, dict) and answer.get("ok")):
            error = answer.get("error", "") if isinstance(answer, dict) else ""
            raise PermanentError(f"Slack responded with error: {error}")


def discord(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Discord hook")
    parts = urlsplit(cfg.address)
    path = parts.path if parts.path.endswith("/slack") else parts.path.rstrip("/") + "/slack"
    url = urlunsplit(parts._replace(path=path))
    payload = _slack_payload(
        event,
        channel="",
        username=cfg.username or event.reporting_controller,
        colors=("good", "danger"),
        fallback="",
    )
    post_json(send, url, payload)


def rocket(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Rocket hook")
    payload = _slack_payload(
        event,
        channel=cfg.channel,
        username=cfg.username,
        colors=("#0076D7", "#FF0000"),
        fallback="",
    )
    post_json(send, cfg.address, payload)


def msteams(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "MS Teams webhook")
    host = urlsplit(cfg.address).hostname or ""
    name = object_name(event)
    if host.endswith(".webhook.office.com"):
        facts = [{"name": k, "value": v} for k, v in sorted(event.metadata.items())]
        payload: dict[str, Any] = {
            "@type": "MessageCard",
            "@context": "http://schema.org/extensions",
            "themeColor": "FF0000" if event.severity == ERROR else "0076D7",
            "summary": name,
            "sections": [
                {"activityTitle": event.message, "activitySubtitle": name, "facts": facts}
            ],
        }
        post_json(send, cfg.address, payload)
        return
    keys = sorted(event.metadata)
    if "summary" in keys:
        keys.remove("summary")
        keys.insert(0, "summary")
    message: dict[str, Any] = {"type": "TextBlock", "text": event.message, "wrap": True}
    if event.severity == ERROR:
        message["color"] = "attention"
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": name, "size": "large", "weight": "bolder", "wrap": True},
        message,
    ]
    if keys:
        items.append(
            {
                "type": "FactSet",
                "facts": [{"title": k, "value": event.metadata[k]} for k in keys],
            }
        )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "Container", "items": items}],
        "msteams": {"width": "Full"},
    }
    payload = {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }
    post_json(send, cfg.address, payload)


def googlechat(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Google Chat hook")
    text = event.message
    if event.severity == ERROR:
        text = f'<font color="#ff0000">{text}</font>'
    sections: list[dict[str, Any]] = [
        {"header": "", "widgets": [{"textParagraph": {"text": text}, "keyValue": None}]}
    ]
    if event.metadata:
        widgets = [
            {
                "textParagraph": None,
                "keyValue": {
                    "topLabel": k,
                    "content": v,
                    "contentMultiline": False,
                    "bottomLabel": None,
                    "icon": None,
                },
            }
            for k, v in sorted(event.metadata.items())
        ]
        sections.append({"header": "", "widgets": widgets})
    header = {
        "title": object_name(event),
        "subtitle": event.reporting_controller,
        "imageUrl": None,
        "imageStyle": None,
    }
    post_json(send, cfg.address, {"cards": [{"header": header, "sections": sections}]})


def webex(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Webex")
    emoji = "\U0001f4a3" if event.severity == ERROR else "\u2705"
    text = f"{emoji} **{object_name(event)}**\n{event.message}\n"
    for key, value in sorted(event.metadata.items()):
        text += f">**{key}**: {value}\n"
    payload = {"roomId": cfg.channel, "markdown": text}
    post_json(send, cfg.address, payload, {"Authorization": f"Bearer {cfg.token}"})


_TELEGRAM_SPECIAL = set("\\.-_[]()~>`#+=|{}!*")


def telegram_escape(text: str) -> str:
    return "".join("\\" + c if c in _TELEGRAM_SPECIAL else c for c in text)


def telegram(cfg: ProviderConfig, event: Event, send: Send) -> None:
    if not cfg.channel:
        raise PermanentError("empty Telegram channel")
    if not cfg.token:
        raise PermanentError("empty Telegram token")
    chat_id, _, thread = cfg.channel.partition(":")
    emoji = "\U0001f6a8" if event.severity == ERROR else "\U0001f4ab"
    heading = f"{emoji} {event.kind.lower()}/{event.name}/{event.namespace}"
    text = f"*{telegram_escape(heading)}*\n{telegram_escape(event.message)}\n"
    for key, value in sorted(event.metadata.items()):
        text += f"\\- *{telegram_escape(key)}*: {telegram_escape(value)}\n"
    payload: dict[str, Any] = {"chat_id": chat_id}
    if thread:
        payload["message_thread_id"] = int(thread) if thread.lstrip("-").isdigit() else thread
    payload.update(text=text, parse_mode="MarkdownV2")
    url = f"{cfg.endpoint(TELEGRAM_API)}/bot{cfg.token}/sendMessage"
    post_json(send, url, payload)


def matrix(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Matrix homeserver")
    txn = hashlib.sha1(event.to_json()).hexdigest()  # noqa: S324 - a transaction id, as NC
    emoji = "\U0001f6a8" if event.severity == ERROR else "\U0001f4ab"
    body = f"{emoji} {object_name(event)}\n{event.message}\n"
    for key, value in sorted(event.metadata.items()):
        body += f"- {key}: {value}\n"
    url = (
        f"{cfg.address.rstrip('/')}/_matrix/client/r0/rooms/{cfg.channel}/send/m.room.message/{txn}"
    )
    payload = {"body": body, "msgtype": "m.text"}
    post_json(send, url, payload, {"Authorization": f"Bearer {cfg.token}"}, method="PUT")
