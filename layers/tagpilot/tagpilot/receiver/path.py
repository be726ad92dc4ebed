"""Webhook path derivation, identical to Flux's ``Receiver.GetWebhookPath``."""

from __future__ import annotations

import hashlib

#: Prefix every webhook path starts with (Flux ``apiv1.ReceiverWebhookPath``).
WEBHOOK_PATH_PREFIX = "/hook/"


def webhook_path(token: str, name: str, namespace: str) -> str:
    """Return the webhook path Flux derives for a Receiver.

    The digest is SHA-256 over the plain concatenation token + name + namespace (UTF-8, no
    separator), printed as 64 lower-case hex digits. The concatenation is ambiguous; the store
    must keep paths unique with a conditional write.

    Parameters
    ----------
    token : str
        The ``token`` key of the Receiver's Secret.
    name : str
        The Receiver's ``metadata.name``.
    namespace : str
        The Receiver's ``metadata.namespace``.

    Returns
    -------
    str
        ``/hook/<sha256 hex>``. Never log it: for several types it is the only credential.

    Examples
    --------
    >>> webhook_path("b7e1c04f9a2d4e6f8c3a5b1d0e9f7a62", "ci-trigger", "apps")[:14]
    '/hook/9b98fd31'
    """
    digest = hashlib.sha256((token + name + namespace).encode("utf-8")).hexdigest()
    return WEBHOOK_PATH_PREFIX + digest
