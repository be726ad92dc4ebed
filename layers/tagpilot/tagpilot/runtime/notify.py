"""Wiring for notifications: the dispatcher of an :class:`App`, the in-process delivery used
locally, and the two steps the notification functions run in AWS.

In AWS, the ``NotifyFunction`` receives each event from the stack's bus (rule: ``source``
``tagpilot``), routes it (dedup, Alert matching) and sends one message per matched Provider to
the delivery queue; the ``DeliveryFunction`` sends each message to its Provider. A failed send is
retried by SQS after an exponential visibility backoff, and after ``maxReceiveCount`` receives the
message moves to the dead-letter queue (alarmed). One message per Provider keeps a Provider that
is down from delaying the others.
"""

from __future__ import annotations

import logging
from typing import Any

from tagpilot.notify.delivery import LocalDelivery, retry_delay
from tagpilot.notify.dispatch import Delivery, Dispatcher
from tagpilot.notify.event import Event
from tagpilot.notify.providers.base import PermanentError, TransientError
from tagpilot.notify.ratelimit import DEFAULT_INTERVAL, MemoryRateLimiter
from tagpilot.store.errors import SecretNotFoundError

log = logging.getLogger(__name__)


def _reader(app: Any) -> Any:
    """Provider secrets, from their own prefix (``_provider``): the delivery role reads no other."""

    def read(namespace: str, name: str) -> dict[str, str]:
        try:
            return dict(app.secrets.get(namespace, name, use="provider").data)
        except SecretNotFoundError as exc:
            raise KeyError(name) from exc

    return read


def _warner(app: Any) -> Any:
    def warn(namespace: str, name: str, reason: str, message: str) -> None:
        recorder = getattr(app, "events", None)
        if recorder is None:
            log.warning("alert %s/%s: %s: %s", namespace, name, reason, message)
            return
        try:
            recorder.store.add(
                namespace,
                "Alert",
                name,
                "Warning",
                reason,
                message,
                controller="notification-controller",
            )
        except Exception as exc:  # noqa: BLE001 - a warning that cannot be stored is logged instead
            log.warning("alert %s/%s: %s (not stored: %s)", namespace, name, reason, exc)

    return warn


def build_dispatcher(app: Any, limiter: Any = None, **options: Any) -> Dispatcher:
    """A :class:`Dispatcher` over ``app``'s objects and secrets (one per execution environment)."""
    import boto3

    def aws_client(service: str, region: str) -> Any:
        return boto3.client(service, region_name=region)  # type: ignore[call-overload]

    options.setdefault("aws_client", aws_client)
    return Dispatcher(
        app.objects,
        _reader(app),
        limiter=limiter if limiter is not None else MemoryRateLimiter(DEFAULT_INTERVAL),
        warn=_warner(app),
        **options,
    )


def local_delivery(app: Any, model: Any = None, **options: Any) -> LocalDelivery:
    """In-process routing and delivery (local mode, tests, bench)."""
    return LocalDelivery(build_dispatcher(app, **options))


def route_bus_event(
    dispatcher: Dispatcher, sqs: Any, queue_url: str, bus_event: dict[str, Any]
) -> int:
    """``NotifyFunction``: route one EventBridge event; returns the deliveries queued.

    A detail that is not a Flux event (no ``involvedObject``) is not for the Alerts: skipped.
    """
    detail = bus_event.get("detail") or {}
    if not isinstance(detail, dict) or not isinstance(detail.get("involvedObject"), dict):
        log.info("bus event without involvedObject skipped: %s", bus_event.get("detail-type"))
        return 0
    event = Event.from_dict(detail)
    deliveries = dispatcher.route(event) or []
    for start in range(0, len(deliveries), 10):
        batch = deliveries[start : start + 10]
        answer = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": d.to_message()} for i, d in enumerate(batch)],
        )
        if answer.get("Failed"):
            raise TransientError(f"queueing {len(answer['Failed'])} deliveries failed")
    return len(deliveries)


def deliver_record(
    dispatcher: Dispatcher,
    sqs: Any,
    queue_url: str,
    body: str,
    receipt_handle: str,
    receive_count: int,
) -> str:
    """``DeliveryFunction``: send one queued delivery.

    Returns ``delivered`` or ``dropped`` (a permanent error, reported on the Alert as NC does).
    A transient failure sets the message's visibility to the backoff delay and re-raises, so the
    record is reported as failed and SQS redelivers it later (or dead-letters it).
    """
    delivery = Delivery.from_message(body)
    try:
        dispatcher.deliver(delivery)
    except PermanentError as exc:
        dispatcher.report_failure(delivery, exc)
        return "dropped"
    except TransientError as exc:
        delay = int(retry_delay(receive_count, base=30.0, cap=900.0))
        try:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
            )
        except Exception as vis_exc:  # noqa: BLE001 - the queue's own visibility timeout applies instead
            log.warning("visibility backoff not set: %s", type(vis_exc).__name__)
        if receive_count >= 5:
            dispatcher.report_failure(delivery, exc)
        raise
    return "delivered"


_CONTEXT: dict[str, Any] = {}


def notify_context() -> tuple[Dispatcher, Any, str]:
    """The dispatcher, SQS client and delivery queue of this execution environment (built once).

    The rate limiter lives in the events table, so every concurrent instance shares NC's
    duplicate-suppression windows.
    """
    if not _CONTEXT:
        import boto3

        from tagpilot.runtime.lambda_support import current_app
        from tagpilot.store.eventlog import DynamoRateLimiter, build_event_model

        app = current_app()
        model = build_event_model(app.settings)
        _CONTEXT["dispatcher"] = build_dispatcher(
            app, limiter=DynamoRateLimiter(model, DEFAULT_INTERVAL)
        )
        _CONTEXT["sqs"] = boto3.client("sqs", region_name=app.settings.region)
        _CONTEXT["queue_url"] = app.settings.delivery_queue_url
    return _CONTEXT["dispatcher"], _CONTEXT["sqs"], _CONTEXT["queue_url"]


def use_notify_context(dispatcher: Any, sqs: Any, queue_url: str) -> None:
    """Install the notification context (tests); ``None`` dispatcher resets it."""
    _CONTEXT.clear()
    if dispatcher is not None:
        _CONTEXT.update(dispatcher=dispatcher, sqs=sqs, queue_url=queue_url)


def route_from_bus(bus_event: dict[str, Any]) -> int:
    dispatcher, sqs, url = notify_context()
    return route_bus_event(dispatcher, sqs, url, bus_event)


def deliver_from_record(body: str, receipt_handle: str, receive_count: int) -> str:
    dispatcher, sqs, url = notify_context()
    return deliver_record(dispatcher, sqs, url, body, receipt_handle, receive_count)
