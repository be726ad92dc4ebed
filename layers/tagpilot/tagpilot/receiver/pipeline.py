"""The webhook request pipeline in Flux's order (reference §1), with injected store access.

Order and status codes:

1. body over 3 MiB -> 413, before any lookup (exactly 3 MiB is accepted);
2. the path must be exactly ``/hook/<64 lower-case hex>`` with no query string, and a stored
   Receiver must have it -> else 404 (store failure -> 500);
3. method other than POST -> 405 (tagpilot deviation: Flux accepts every method). It sits after
   404 so unknown paths answer alike whatever the method, and before 503 because no Receiver
   state makes a GET valid;
4. Receiver suspended or not ready -> 503;
5. Secret read failure -> 500 (deviation: Flux answers 400; a store outage is not the sender's
   fault), Secret absent -> 400;
6. :func:`~tagpilot.receiver.validate.validate` failure -> 400;
7. each ``spec.resources`` entry is resolved and every selected object gets a reconcile request;
   a failing entry or request does not stop the others, and makes the answer 500; else 200.

The response never says which check failed; :class:`WebhookOutcome` carries that for logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tagpilot.receiver.errors import ReceiverError, ReconcileRequestError, WebhookError
from tagpilot.receiver.gcr import GcrVerifier
from tagpilot.receiver.request import WebhookRequest
from tagpilot.receiver.select import ObjectLookup, ObjectRef, select_resources
from tagpilot.receiver.spec import Receiver
from tagpilot.receiver.validate import WebhookEvent, validate

MAX_BODY_BYTES = 3 * 1024 * 1024
_PATH = re.compile(r"/hook/[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredReceiver:
    """A Receiver as the store holds it: the validated object plus its Ready condition."""

    receiver: Receiver
    ready: bool = True


@dataclass(frozen=True)
class WebhookOutcome:
    """Status code plus what happened, for logging (no secrets, no path).

    ``reason`` is one of: ``ok``, ``body-too-large``, ``not-found``, ``lookup-failed``,
    ``method-not-allowed``, ``suspended``, ``not-ready``, ``secret-read-failed``, ``invalid``,
    ``reconcile-failed``.
    """

    status: int
    reason: str
    receiver: str | None = None
    event: WebhookEvent | None = None
    reconciled: tuple[ObjectRef, ...] = ()
    errors: tuple[ReceiverError, ...] = ()


#: ``lookup_receiver(path)``: the Receiver whose webhook path equals ``path``, or ``None``.
ReceiverLookup = Callable[[str], StoredReceiver | None]
#: ``read_secret(namespace, name)``: the Secret's data, or ``None`` when it does not exist.
SecretReader = Callable[[str, str], Mapping[str, str] | None]
#: ``request_reconcile(ref)``: ask for an immediate reconcile of one object.
ReconcileRequester = Callable[[ObjectRef], None]


def handle(
    request: WebhookRequest,
    lookup_receiver: ReceiverLookup,
    read_secret: SecretReader,
    lookup_objects: ObjectLookup,
    request_reconcile: ReconcileRequester,
    gcr_verifier: GcrVerifier | None = None,
    *,
    allow_cross_namespace: bool = True,
) -> int:
    """Process one webhook request and return the HTTP status code.

    See :func:`handle_request` for the parameters; this returns ``handle_request(...).status``.
    """
    return handle_request(
        request,
        lookup_receiver,
        read_secret,
        lookup_objects,
        request_reconcile,
        gcr_verifier,
        allow_cross_namespace=allow_cross_namespace,
    ).status


def handle_request(
    request: WebhookRequest,
    lookup_receiver: ReceiverLookup,
    read_secret: SecretReader,
    lookup_objects: ObjectLookup,
    request_reconcile: ReconcileRequester,
    gcr_verifier: GcrVerifier | None = None,
    *,
    allow_cross_namespace: bool = True,
) -> WebhookOutcome:
    """Process one webhook request and return the :class:`WebhookOutcome`.

    Parameters
    ----------
    request : WebhookRequest
        From :func:`tagpilot.receiver.request.from_apigw_v2`.
    lookup_receiver : ReceiverLookup
        Path -> stored Receiver; an exception means 500.
    read_secret : SecretReader
        (namespace, name) -> Secret data or ``None``; an exception means 500.
    lookup_objects : ObjectLookup
        Objects for resource selection.
    request_reconcile : ReconcileRequester
        Called once per selected object; an exception fails that object (500 overall).
    gcr_verifier : GcrVerifier, optional
        Needed by ``gcr`` receivers.
    allow_cross_namespace : bool
        ``False`` refuses entries naming another namespace.

    Returns
    -------
    WebhookOutcome

    Examples
    --------
    >>> handle_request(WebhookRequest("POST", "/hook/x"), lambda p: None, None, None, None).status
    404
    """
    if len(request.body) > MAX_BODY_BYTES:
        return WebhookOutcome(413, "body-too-large")
    if request.query or not _PATH.fullmatch(request.path):
        return WebhookOutcome(404, "not-found")
    try:
        stored = lookup_receiver(request.path)
    except Exception:  # noqa: BLE001 - any store failure is Flux's "unable to list receivers"
        return WebhookOutcome(500, "lookup-failed")
    if stored is None:
        return WebhookOutcome(404, "not-found")
    receiver = stored.receiver
    ident = f"{receiver.namespace}/{receiver.name}"
    if request.method != "POST":
        return WebhookOutcome(405, "method-not-allowed", ident)
    if receiver.spec.suspend:
        return WebhookOutcome(503, "suspended", ident)
    if not stored.ready:
        return WebhookOutcome(503, "not-ready", ident)
    try:
        secret = read_secret(receiver.namespace, receiver.spec.secret_name)
    except Exception:  # noqa: BLE001 - a store outage is a 500, not the sender's fault
        return WebhookOutcome(500, "secret-read-failed", ident)
    try:
        event = validate(
            receiver.spec.type,
            receiver.spec.events,
            secret,
            request.headers,
            request.body,
            gcr_verifier=gcr_verifier,
        )
    except WebhookError as exc:
        return WebhookOutcome(400, "invalid", ident, errors=(exc,))
    selection = select_resources(
        receiver.namespace,
        receiver.spec.resources,
        lookup_objects,
        allow_cross_namespace=allow_cross_namespace,
    )
    errors: list[ReceiverError] = list(selection.errors)
    reconciled = []
    for ref in selection.targets:
        try:
            request_reconcile(ref)
        except Exception as exc:  # noqa: BLE001 - one failed request must not stop the others
            errors.append(
                ReconcileRequestError(
                    f"{ref.kind} {ref.namespace}/{ref.name}: reconcile request failed "
                    f"({type(exc).__name__})"
                )
            )
            continue
        reconciled.append(ref)
    status, reason = (500, "reconcile-failed") if errors else (200, "ok")
    return WebhookOutcome(status, reason, ident, event, tuple(reconciled), tuple(errors))
