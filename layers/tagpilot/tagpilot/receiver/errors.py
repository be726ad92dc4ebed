"""Typed errors of the webhook receiver.

The webhook handler maps them to HTTP status codes (see :mod:`tagpilot.receiver.pipeline`);
nothing branches on message text. Messages never contain tokens, signatures or full webhook
paths.
"""

from __future__ import annotations

from tagpilot.errors import TagpilotError


class ReceiverError(TagpilotError):
    """Base class of every receiver error."""


class ReceiverSpecError(ReceiverError):
    """A Receiver manifest, spec or Secret is invalid or uses something tagpilot refuses.

    Parameters
    ----------
    field : str
        Path of the offending field, e.g. ``spec.resources[0].kind``.
    message : str
        What is wrong, without secret values.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class WeakTokenError(ReceiverSpecError):
    """The Secret's ``token`` is empty or too short (tagpilot hardening, not a Flux rule)."""


class WebhookError(ReceiverError):
    """A request failed validation; the handler answers 400 (Flux's ``validate()`` failures)."""


class SecretMissingError(WebhookError):
    """The Receiver's Secret, its ``token`` or a type-specific key is missing or unusable."""


class WebhookAuthError(WebhookError):
    """Signature, token or JWT missing or wrong."""


class EventNotAcceptedError(WebhookError):
    """The event header is not in ``spec.events`` (checked after authentication)."""


class PayloadError(WebhookError):
    """The body, Content-Type or form could not be decoded the way Flux decodes it."""


class RequestError(ReceiverError):
    """The API Gateway event itself is malformed (not a payload v2 event)."""


class SelectionError(ReceiverError):
    """One ``spec.resources`` entry could not be resolved (Flux answers 500 overall).

    Parameters
    ----------
    index : int
        Position of the entry in ``spec.resources``.
    message : str
        What went wrong for this entry.
    """

    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"spec.resources[{index}]: {message}")
        self.index = index
        self.message = message


class ResourceNotFoundError(SelectionError):
    """A named object does not exist."""


class MatchLabelsRequiredError(SelectionError):
    """``name: '*'`` without ``matchLabels`` (Flux never reads that as "all")."""


class CrossNamespaceError(SelectionError):
    """The entry names another namespace and cross-namespace references are disabled."""


class ApiVersionRequiredError(SelectionError):
    """The kind has no default apiVersion in Flux and the entry sets none."""


class LookupFailedError(SelectionError):
    """The object store failed while getting or listing objects for this entry."""


class ReconcileRequestError(ReceiverError):
    """Requesting the reconcile of a selected object failed (Flux's failed annotation patch)."""


class EcrEventError(ReceiverError):
    """An EventBridge event is not a well-formed ``ECR Image Action`` event."""
