"""Typed errors of :mod:`tagpilot.registry`.

Callers branch on these types, never on the message. Every error carries a short ``reason``
(e.g. ``"unauthorized"``) fit for a condition message; ``str(err)`` is the full message. Messages
never contain credentials, tokens or the ``Authorization`` header.

Mapping to ImageRepository conditions (Flux, reference §2.6):

- :class:`ImageURLInvalidError` -> Stalled ``ImageURLInvalid`` (no retry).
- :class:`AuthConfigError` -> Ready=False ``AuthenticationFailed`` (retried).
- every other :class:`RegistryError` -> Ready=False ``ReadOperationFailed`` (retried).
"""

from __future__ import annotations

from tagpilot.errors import TagpilotError


class RegistryError(TagpilotError):
    """Base class of every registry error raised by tagpilot.

    Attributes
    ----------
    reason:
        Short human text for a condition message (``"unauthorized"``, ``"rate limited"``...).
    status:
        The HTTP status code when the error came from a response, else ``None``.
    codes:
        The ``errors[].code`` values of an OCI error body (``["NAME_UNKNOWN"]``), maybe empty.
    """

    default_reason = "registry error"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        status: int | None = None,
        codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.status = status
        self.codes = codes


class ImageURLInvalidError(RegistryError):
    """``spec.image`` is not a valid repository address (Flux: Stalled ``ImageURLInvalid``)."""

    default_reason = "invalid image"


class AuthConfigError(RegistryError):
    """Credentials could not be built: bad docker config, no entry for the host, bad TLS data,
    a non-ECR host with provider ``aws``, or the cloud token call failed (``AuthenticationFailed``).
    """

    default_reason = "authentication failed"


class UnauthorizedError(RegistryError):
    """HTTP 401 after authenticating (or a token endpoint refused the credentials)."""

    default_reason = "unauthorized"


class ForbiddenError(RegistryError):
    """HTTP 403: the credentials are valid but not allowed to pull this repository."""

    default_reason = "forbidden"


class RepositoryNotFoundError(RegistryError):
    """HTTP 404 on the tag list (``NAME_UNKNOWN``): the repository does not exist."""

    default_reason = "repository not found"


class ManifestNotFoundError(RegistryError):
    """HTTP 404 on a manifest: the tag (or the repository) does not exist."""

    default_reason = "manifest not found"


class RateLimitedError(RegistryError):
    """HTTP 429; ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one."""

    default_reason = "rate limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, status=status, codes=codes)
        self.retry_after = retry_after


class RegistryServerError(RegistryError):
    """HTTP 5xx (or another unexpected status); ``status`` holds the code."""

    default_reason = "registry server error"


class RegistryTimeoutError(RegistryError):
    """Connect or read timeout, or the overall deadline (``spec.timeout``) ran out."""

    default_reason = "timeout"


class MalformedResponseError(RegistryError):
    """The registry answered 2xx with a body or header tagpilot cannot understand."""

    default_reason = "malformed response"


class RegistryConnectionError(RegistryError):
    """The registry could not be reached: refused, DNS failure, TLS handshake or verification."""

    default_reason = "connection failed"
