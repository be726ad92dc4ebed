"""tagpilot's extension types ``eventbridge`` (a bus ARN) and ``sns`` (a topic ARN).

Both forward the event JSON the ``generic`` type posts, so a rule or subscription sees exactly
what a webhook would; the region is the ARN's.
"""

from __future__ import annotations

from typing import Any

from tagpilot.notify.event import Event
from tagpilot.notify.providers.base import PermanentError, ProviderConfig, Send, TransientError

SOURCE = "tagpilot"


def _arn(address: str, service: str) -> tuple[str, str]:
    parts = address.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != service or not parts[3]:
        raise PermanentError(f"invalid {service} ARN '{address}'")
    return parts[3], parts[5]


def _client(cfg: ProviderConfig, service: str, region: str) -> Any:
    if cfg.aws_client is None:
        raise PermanentError(f"no AWS client configured for provider type {cfg.type}")
    return cfg.aws_client(service, region)


def eventbridge(cfg: ProviderConfig, event: Event, send: Send) -> None:
    region, _ = _arn(cfg.address, "events")
    client = _client(cfg, "events", region)
    entry = {
        "Source": SOURCE,
        "DetailType": event.reason or "Event",
        "Detail": event.to_json().decode(),
        "EventBusName": cfg.address,
        "Resources": [],
    }
    try:
        answer = client.put_events(Entries=[entry])
    except Exception as exc:  # noqa: BLE001 - botocore errors: the bus may be throttled or unreachable
        raise TransientError(f"PutEvents failed: {type(exc).__name__}") from exc
    if answer.get("FailedEntryCount"):
        failed = answer["Entries"][0]
        raise TransientError(f"PutEvents failed: {failed.get('ErrorCode')}")


def sns(cfg: ProviderConfig, event: Event, send: Send) -> None:
    region, _ = _arn(cfg.address, "sns")
    client = _client(cfg, "sns", region)
    attributes = {
        key: {"DataType": "String", "StringValue": value}
        for key, value in (
            ("kind", event.kind),
            ("reason", event.reason),
            ("severity", event.severity),
        )
        if value
    }
    try:
        client.publish(
            TopicArn=cfg.address,
            Message=event.to_json().decode(),
            MessageAttributes=attributes,
        )
    except Exception as exc:  # noqa: BLE001 - botocore errors
        raise TransientError(f"Publish failed: {type(exc).__name__}") from exc
