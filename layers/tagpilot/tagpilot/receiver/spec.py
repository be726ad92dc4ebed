"""A validated Receiver, as the webhook pipeline reads it.

The values are built by :mod:`tagpilot.api.receiver`, the one validator of Receiver manifests;
this module holds only the types the pipeline needs (lower in the layers than ``api``) and the
token rule both ``apply`` and the webhook enforce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tagpilot.receiver.errors import WeakTokenError
from tagpilot.receiver.path import webhook_path

API_VERSIONS = ("notification.toolkit.fluxcd.io/v1", "notification.toolkit.fluxcd.io/v1beta2")
IMAGE_GROUP = "image.toolkit.fluxcd.io"
IMAGE_VERSIONS = ("v1", "v1beta2", "v1beta1")
#: Flux defaults an apiVersion only for ImageRepository among the image kinds.
SOURCE_GROUP = "source.toolkit.fluxcd.io"
SOURCE_VERSIONS = ("v1", "v1beta2", "v1beta1")
#: The API group and versions of each resource kind tagpilot reconciles for a Receiver.
KIND_GROUPS = {
    "ImageRepository": (IMAGE_GROUP, IMAGE_VERSIONS),
    "ImagePolicy": (IMAGE_GROUP, IMAGE_VERSIONS),
    "ImageUpdateAutomation": (IMAGE_GROUP, IMAGE_VERSIONS),
    "GitRepository": (SOURCE_GROUP, SOURCE_VERSIONS),
    "OCIRepository": (SOURCE_GROUP, SOURCE_VERSIONS),
}
#: Flux defaults an apiVersion for ImageRepository among the image kinds, and for the sources.
DEFAULT_API_VERSIONS = {
    "ImageRepository": f"{IMAGE_GROUP}/v1",
    "GitRepository": f"{SOURCE_GROUP}/v1",
}
MIN_TOKEN_LENGTH = 32
DEFAULT_INTERVAL = "10m"


@dataclass(frozen=True)
class ResourceRef:
    """One ``spec.resources`` entry.

    ``match_labels`` keeps Go's nil/empty distinction: ``None`` (absent) with ``name: '*'`` is an
    error, ``{}`` selects every object of the kind in the namespace.
    """

    kind: str
    name: str
    namespace: str | None = None
    match_labels: Mapping[str, str] | None = None
    api_version: str | None = None


@dataclass(frozen=True)
class ReceiverSpec:
    """A validated Receiver spec."""

    type: str
    secret_name: str
    resources: tuple[ResourceRef, ...] = ()
    events: tuple[str, ...] = ()
    interval: str = DEFAULT_INTERVAL
    suspend: bool = False
    api_version: str = field(default=API_VERSIONS[0])


@dataclass(frozen=True)
class Receiver:
    """A validated Receiver: identity plus spec."""

    name: str
    namespace: str
    spec: ReceiverSpec

    def webhook_path(self, token: str) -> str:
        """Return the path Flux publishes in ``status.webhookPath`` for this token."""
        return webhook_path(token, self.name, self.namespace)


def check_token(token: object) -> str:
    """Refuse an empty or short webhook token (tagpilot hardening; Flux accepts any token).

    Parameters
    ----------
    token : object
        The Secret's ``token`` value.

    Returns
    -------
    str
        The token, unchanged.

    Raises
    ------
    WeakTokenError
        Not a string, empty, or shorter than :data:`MIN_TOKEN_LENGTH` characters.

    Examples
    --------
    >>> check_token("0123456789abcdef0123456789abcdef")
    '0123456789abcdef0123456789abcdef'
    """
    if not isinstance(token, str) or not token:
        raise WeakTokenError("token", "the Secret's token is missing or empty")
    if len(token) < MIN_TOKEN_LENGTH:
        raise WeakTokenError(
            "token",
            f"the Secret's token has {len(token)} characters; tagpilot requires at least "
            f"{MIN_TOKEN_LENGTH} (use 32 random bytes, e.g. `openssl rand -hex 32`)",
        )
    return token
