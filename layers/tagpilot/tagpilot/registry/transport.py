"""One HTTP exchange with a registry: overall deadline, exception and status mapping.

``requests`` exceptions and error statuses become the typed errors of
:mod:`tagpilot.registry.errors`. Messages follow go-containerregistry's ``transport.Error``
(``GET <url>: CODE: message``) so condition messages read like Flux's.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tagpilot.deadline import Deadline as BaseDeadline
from tagpilot.httpdeadline import enforce_deadlines
from tagpilot.registry.errors import (
    ForbiddenError,
    RateLimitedError,
    RegistryConnectionError,
    RegistryError,
    RegistryServerError,
    RegistryTimeoutError,
    UnauthorizedError,
)
from tagpilot.registry.retryafter import parse_retry_after

_MAX_RAW_BODY = 200


class Deadline(BaseDeadline):
    """The overall time budget of one operation (Flux: ``spec.timeout`` covers auth + listing).

    Bounded by the caller's active deadline too (e.g. a Lambda invocation's remaining time).
    """

    def __init__(self, timeout: float, clock: Callable[[], float]) -> None:
        super().__init__(timeout, clock=clock)

    def remaining(self, what: str) -> float:
        """Seconds left; raises :class:`RegistryTimeoutError` naming ``what`` when none are."""
        left = self.left()
        if left <= 0:
            raise RegistryTimeoutError(
                f"{what}: timed out (deadline of {self.budget():g}s exceeded)"
            )
        return left


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections honour the active deadline on every socket call."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        enforce_deadlines(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        fresh = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **kwargs)
        if fresh:
            enforce_deadlines(manager)
        return manager


def bound_by_deadlines(session: requests.Session) -> requests.Session:
    """Mount :class:`DeadlineAdapter` where ``session`` has requests' default adapters."""
    for prefix in ("http://", "https://"):
        if type(session.adapters.get(prefix)) is HTTPAdapter:
            session.mount(prefix, DeadlineAdapter())
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    deadline: Deadline,
    headers: Mapping[str, str],
    proxies: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request with ``timeout = time left``; map transport failures to typed errors."""
    what = f"{method} {url}"
    timeout = deadline.remaining(what)
    try:
        # The active deadline bounds every socket call, so a peer trickling its status line,
        # headers or body cannot outlive it (a plain read timeout restarts at every byte).
        with deadline.active():
            response = session.request(
                method, url, headers=dict(headers), timeout=timeout, proxies=proxies, **kwargs
            )
    except (requests.exceptions.RequestException, OSError) as exc:
        raise _transport_error(exc, what, timeout, deadline) from None
    deadline.remaining(what)
    return response


def _transport_error(
    exc: BaseException, what: str, timeout: float, deadline: Deadline
) -> RegistryError:
    if deadline.expired:
        return RegistryTimeoutError(
            f"{what}: timed out (deadline of {deadline.budget():g}s exceeded)"
        )
    if isinstance(exc, requests.exceptions.SSLError):
        if _find_cause(exc, ssl.SSLCertVerificationError) is not None:
            return RegistryConnectionError(
                f"{what}: TLS certificate verification failed",
                reason="certificate verification failed",
            )
        return RegistryConnectionError(f"{what}: TLS handshake failed", reason="TLS failed")
    if isinstance(exc, requests.exceptions.Timeout | TimeoutError):
        return RegistryTimeoutError(f"{what}: timed out after {timeout:.3g}s")
    if isinstance(exc, requests.exceptions.ConnectionError | OSError):
        return RegistryConnectionError(f"{what}: {_connection_reason(exc)}")
    return RegistryConnectionError(f"{what}: {type(exc).__name__}")


def check_status(
    response: requests.Response,
    not_found: type[RegistryError],
    now: Callable[[], float] | None = None,
) -> None:
    """Raise the typed error for a non-2xx ``response``; ``not_found`` is the 404 type."""
    code = response.status_code
    if 200 <= code < 300:
        return
    codes, detail = _describe(response)
    message = f"{response.request.method} {_url(response)}: {detail}"
    if code == 401:
        raise UnauthorizedError(message, status=code, codes=codes)
    if code == 403:
        raise ForbiddenError(message, status=code, codes=codes)
    if code == 404:
        raise not_found(message, status=code, codes=codes)
    if code == 429:
        header = response.headers.get("Retry-After")
        delay = parse_retry_after(header) if now is None else parse_retry_after(header, now)
        raise RateLimitedError(message, retry_after=delay, status=code, codes=codes)
    if code >= 500:
        raise RegistryServerError(message, status=code, codes=codes)
    raise RegistryError(message, reason=f"unexpected status {code}", status=code, codes=codes)


def _describe(response: requests.Response) -> tuple[tuple[str, ...], str]:
    """The OCI error codes and a ggcr-style description of an error response."""
    diagnostics = _oci_errors(response.content)
    if diagnostics:
        codes = tuple(code for code, _ in diagnostics)
        parts = [f"{code}: {msg}" for code, msg in diagnostics]
        if len(parts) == 1:
            return codes, parts[0]
        return codes, "multiple errors returned: " + "; ".join(parts)
    status = f"unexpected status code {response.status_code} {_phrase(response.status_code)}"
    raw = response.content.decode("utf-8", "replace").strip()
    if raw:
        return (), f"{status}: {raw[:_MAX_RAW_BODY]}"
    return (), status


def _oci_errors(body: bytes) -> list[tuple[str, str]]:
    if not body:
        return []
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return []
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if not isinstance(errors, list):
        return []
    found = []
    for item in errors:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            found.append((item["code"], str(item.get("message", ""))))
    return found


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _url(response: requests.Response) -> str:
    return response.request.url or response.url


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """Search ``__cause__``, ``__context__``, ``args`` and urllib3's ``reason`` for ``kind``."""
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kind):
            return item
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return None


def _connection_reason(exc: BaseException) -> str:
    if _find_cause(exc, ConnectionRefusedError) is not None:
        return "connection refused"
    if _find_cause(exc, socket.gaierror) is not None:
        return "host name could not be resolved"
    return "connection failed"
