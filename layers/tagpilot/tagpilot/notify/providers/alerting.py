"""Webhook-style types: generic, generic-hmac, alertmanager, grafana, opsgenie, pagerduty.

Each function sends what notification-controller's ``internal/notifier/<type>.go`` sends
(reference section 3.5).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

from tagpilot.notify.event import ERROR, INFO, Event, object_name, reason_description
from tagpilot.notify.providers.base import (
    PermanentError,
    ProviderConfig,
    Send,
    post_json,
    require_url,
)


def _auth_headers(cfg: ProviderConfig) -> dict[str, str]:
    """Basic auth when username and password, else Bearer token (alertmanager, grafana)."""
    if cfg.username and cfg.password:
        raw = f"{cfg.username}:{cfg.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    if cfg.token:
        return {"Authorization": f"Bearer {cfg.token}"}
    return {}


def generic(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "address")
    headers = {"Gotk-Component": event.reporting_controller, **dict(cfg.headers)}
    post_json(send, cfg.address, event.to_json(), headers)


def generic_hmac(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "address")
    if not cfg.token:
        raise PermanentError("HMAC key is empty")
    body = event.to_json()
    signature = hmac.new(cfg.token.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Gotk-Component": event.reporting_controller,
        **dict(cfg.headers),
        "X-Signature": f"sha256={signature}",
    }
    post_json(send, cfg.address, body, headers)


def _title_first(text: str) -> str:
    return text[:1].upper() + text[1:].lower()


def alertmanager(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Alertmanager")
    labels = dict(event.metadata)
    annotations = {"message": event.message}
    if "summary" in labels:
        annotations["summary"] = labels.pop("summary")
    labels.update(
        {
            "alertname": "Flux" + event.kind + _title_first(event.reason),
            "severity": event.severity,
            "reason": event.reason,
            "kind": event.kind,
            "name": event.name,
            "namespace": event.namespace,
            "reportingcontroller": event.reporting_controller,
        }
    )
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": annotations,
        "startsAt": event.timestamp,
        "endsAt": "0001-01-01T00:00:00Z",
    }
    post_json(send, cfg.address, [alert], _auth_headers(cfg))


def grafana(cfg: ProviderConfig, event: Event, send: Send) -> None:
    from tagpilot.notify.event import parse_rfc3339

    require_url(cfg.address, "Grafana")
    tags = ["flux", event.reporting_controller]
    for key, value in event.metadata.items():
        tags.append(f"{key.replace(':', '|')}: {value.replace(':', '|')}")
    tags += [f"kind: {event.kind}", f"name: {event.name}", f"namespace: {event.namespace}"]
    payload = {
        "when": int(parse_rfc3339(event.timestamp)),
        "text": object_name(event),
        "tags": tags,
    }
    post_json(send, cfg.address, payload, _auth_headers(cfg))


def opsgenie(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "Opsgenie")
    if not cfg.token:
        raise PermanentError("empty Opsgenie apikey")
    identity = f"{cfg.uid}/{event.kind}/{event.namespace}/{event.name}/{event.reason}"
    details = dict(event.metadata)
    details["severity"] = event.severity
    payload = {
        "message": f"{event.kind}/{event.name}",
        "alias": hashlib.sha256(identity.encode()).hexdigest()[:64],
        "description": event.message,
        "details": details,
    }
    post_json(send, cfg.address, payload, {"Authorization": f"GenieKey {cfg.token}"})


def pagerduty(cfg: ProviderConfig, event: Event, send: Send) -> None:
    require_url(cfg.address, "PagerDuty")
    if event.reason == "Progressing":
        return
    parts = urlsplit(cfg.address)
    base = f"{parts.scheme}://{parts.netloc}"
    summary = f"{reason_description(event.reason)}: {event.kind.lower()}/{event.name}"
    source = f"Flux {event.reporting_controller}"
    details: dict[str, Any] = {"message": event.message}
    if event.metadata:
        details["metadata"] = dict(event.metadata)
    body: dict[str, Any] = {
        "routing_key": cfg.channel,
        "event_action": "trigger" if event.severity == ERROR else "resolve",
        "dedup_key": event.involved_object.get("uid", ""),
    }
    if event.severity == ERROR:
        body["payload"] = {
            "summary": summary,
            "source": source,
            "severity": "error",
            "timestamp": event.timestamp,
            "component": event.name,
            "group": event.kind,
            "custom_details": details,
        }
    post_json(send, f"{base}/v2/enqueue", body)
    if event.severity == INFO:
        change = {
            "routing_key": cfg.channel,
            "payload": {
                "summary": summary,
                "source": source,
                "timestamp": event.timestamp,
                "custom_details": details,
            },
        }
        post_json(send, f"{base}/v2/change/enqueue", change)
