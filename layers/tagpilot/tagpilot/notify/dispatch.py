"""One event through notification-controller's pipeline (reference section 2.2).

:meth:`Dispatcher.route` cleans the metadata, suppresses duplicates, matches every Alert, applies
the commit-status gating and combines metadata: it returns one :class:`Delivery` per matched
Alert. :meth:`Dispatcher.deliver` resolves the Provider's Secrets and sends. Problems NC reports
as Warning events on the Alert are recorded through ``warn``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tagpilot.api.provider import ProviderSpec
from tagpilot.notify.alert import (
    AlertRef,
    MatchProblems,
    alert_matches,
    clean_metadata,
    combine_metadata,
)
from tagpilot.notify.event import ERROR, EVENT_GROUP, Event
from tagpilot.notify.provider import resolve
from tagpilot.notify.providers import COMMIT_STATUS_TYPES, EXTENSION_TYPES, GENERIC_TYPES, NOTIFIERS
from tagpilot.notify.providers.base import NotifyError, PermanentError, ProviderConfig
from tagpilot.notify.ratelimit import MemoryRateLimiter, RateLimiter, event_key
from tagpilot.notify.recorder import object_uid

log = logging.getLogger(__name__)
DISPATCH_FAILED = "NotificationDispatchFailed"


@dataclass(frozen=True)
class Delivery:
    """One event for one Alert's Provider (what the delivery queue carries)."""

    alert_namespace: str
    alert_name: str
    provider: str  # in the Alert's namespace
    event: Event

    @property
    def provider_key(self) -> str:
        return f"{self.alert_namespace}/{self.provider}"

    def to_message(self) -> str:
        return json.dumps(
            {
                "alert": f"{self.alert_namespace}/{self.alert_name}",
                "provider": self.provider,
                "event": self.event.to_dict(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_message(cls, body: str) -> Delivery:
        data = json.loads(body)
        namespace, _, name = str(data["alert"]).partition("/")
        return cls(namespace, name, str(data["provider"]), Event.from_dict(data["event"]))


Warn = Callable[[str, str, str, str], None]  # (alert namespace, alert name, reason, message)


def _no_warn(namespace: str, name: str, reason: str, message: str) -> None:
    log.warning("alert %s/%s: %s: %s", namespace, name, reason, message)


class Dispatcher:
    """Routes and delivers events; every adapter injected."""

    def __init__(
        self,
        objects: Any,
        read_secret: Callable[[str, str], dict[str, str]],
        *,
        limiter: RateLimiter | None = None,
        warn: Warn = _no_warn,
        send_factory: Callable[[ProviderConfig], Any] | None = None,
        clock: Callable[[], float] = time.time,
        endpoints: dict[str, str] | None = None,
        aws_client: Callable[[str, str], Any] | None = None,
    ) -> None:
        from tagpilot.notify.transport import HttpSender

        self.objects, self.read_secret = objects, read_secret
        self.limiter = limiter if limiter is not None else MemoryRateLimiter()
        self.warn, self.clock = warn, clock
        self.send_factory = send_factory or HttpSender
        self.endpoints, self.aws_client = dict(endpoints or {}), aws_client

    def _labels(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        obj = self.objects.get(kind, namespace, name)
        return None if obj is None else dict(obj.labels)

    def route(self, raw: Event) -> list[Delivery] | None:
        """Deliveries for ``raw``; ``None`` when it is a duplicate within the window."""
        event = clean_metadata(raw)
        if not self.limiter.allow(event_key(event), self.clock()):
            return None
        token_key = f"{event.group}/token"
        if token_key in event.metadata:
            event = event.with_metadata({k: v for k, v in event.metadata.items() if k != token_key})
        out: list[Delivery] = []
        for alert_obj in self.objects.list("Alert"):
            alert = AlertRef(alert_obj.namespace, alert_obj.name, alert_obj.spec)
            problems = MatchProblems()
            matched = alert_matches(alert, event, self._labels, problems)
            for reason, message in problems.warnings:
                self.warn(alert.namespace, alert.name, reason, message)
            if not matched:
                continue
            provider = self.objects.get("Provider", alert.namespace, alert.provider_name)
            if provider is None:
                self.warn(
                    alert.namespace,
                    alert.name,
                    DISPATCH_FAILED,
                    f"failed to dispatch notification for {_ref(event)}: failed to read "
                    f"provider: Provider '{alert.namespace}/{alert.provider_name}' not found",
                )
                continue
            if provider.suspended or not _passes_gate(
                ProviderSpec.from_dict(provider.spec).type, event
            ):
                continue
            combined, conflicts = combine_metadata(event, alert)
            if conflicts:
                self.warn(
                    alert.namespace,
                    alert.name,
                    "MetadataAppendFailed",
                    "metadata key conflicts detected (please refer to the Alert API docs and "
                    "Flux RFC 0008 for more information)",
                )
            out.append(Delivery(alert.namespace, alert.name, alert.provider_name, combined))
        return out

    def config(self, delivery: Delivery) -> ProviderConfig | None:
        """The Provider's resolved configuration, or ``None`` when deleted or suspended."""
        provider = self.objects.get("Provider", delivery.alert_namespace, delivery.provider)
        if provider is None or provider.suspended:
            return None
        return resolve(
            provider.namespace,
            provider.name,
            object_uid("Provider", provider.namespace, provider.name),
            provider.spec,
            self.read_secret,
            endpoints=self.endpoints,
            aws_client=self.aws_client,
        )

    def deliver(self, delivery: Delivery) -> None:
        """Send one delivery. Raises ``TransientError`` (retry) or ``PermanentError`` (drop)."""
        cfg = self.config(delivery)
        if cfg is None:
            return
        notifier = NOTIFIERS.get(cfg.type)
        if notifier is None:
            raise PermanentError(f"provider {cfg.type} not supported")
        sender = self.send_factory(cfg)
        try:
            notifier(cfg, delivery.event, sender)
        except NotifyError as exc:
            exc.args = (cfg.mask(str(exc)),)
            raise
        finally:
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    def report_failure(self, delivery: Delivery, error: Exception) -> None:
        """NC's ``NotificationDispatchFailed`` Warning on the Alert (token already masked)."""
        self.warn(
            delivery.alert_namespace,
            delivery.alert_name,
            DISPATCH_FAILED,
            f"failed to send notification for {_ref(delivery.event)}: {error}",
        )


def _ref(event: Event) -> str:
    return f"{event.kind}/{event.namespace}/{event.name}"


def _passes_gate(provider_type: str, event: Event) -> bool:
    """Commit-status gating (reference section 3.6.1)."""
    update = event.metadata.get(f"{event.group}/commit_status") == "update"
    if provider_type in COMMIT_STATUS_TYPES:
        if event.reason == "Progressing" and provider_type != "gitea":
            return False
        return update or f"{EVENT_GROUP}/commit" in event.metadata or event.severity == ERROR
    return not (update and provider_type not in GENERIC_TYPES + EXTENSION_TYPES)
