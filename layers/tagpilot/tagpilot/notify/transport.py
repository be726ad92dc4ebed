"""The HTTP client a Provider posts with: TLS verified, its own CA and proxy, retries in budget.

As NC's ``postMessage`` (go-retryablehttp): connection errors, 429 and 5xx except 501 are
retried with exponential backoff (2 s, 4 s, 8 s, 16 s, capped at 30 s), all inside the Provider's
``timeout``; a ``ca.crt`` from ``certSecretRef`` becomes the only trusted CA.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tagpilot.notify.providers.base import (
    PermanentError,
    ProviderConfig,
    Response,
    TransientError,
)

RETRY_MAX = 4
RETRY_WAIT_MIN = 2.0
RETRY_WAIT_MAX = 30.0


class _ContextAdapter(HTTPAdapter):
    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None


def ssl_context(cfg: ProviderConfig) -> ssl.SSLContext | None:
    """``None`` (the default trust store) unless ``certSecretRef`` gave a CA or client pair."""
    if not (cfg.ca_pem or cfg.client_cert_pem):
        return None
    try:
        context = (
            ssl.create_default_context(cadata=cfg.ca_pem)
            if cfg.ca_pem
            else ssl.create_default_context()
        )
    except (ssl.SSLError, ValueError):
        raise PermanentError("failed to parse CA certificate: 'ca.crt' is not valid PEM") from None
    if cfg.client_cert_pem and cfg.client_key_pem:
        with tempfile.TemporaryDirectory(prefix="tagpilot-notify-") as directory:
            paths = []
            for name, data in (("tls.crt", cfg.client_cert_pem), ("tls.key", cfg.client_key_pem)):
                path = os.path.join(directory, name)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(data)
                paths.append(path)
            try:
                context.load_cert_chain(paths[0], paths[1])
            except (ssl.SSLError, ValueError):
                raise PermanentError("failed to load 'tls.crt'/'tls.key' key pair") from None
    return context


class HttpSender:
    """A ``Send`` for one delivery: one session, one deadline covering every retry."""

    def __init__(
        self,
        cfg: ProviderConfig,
        *,
        session_factory: Callable[[], requests.Session] = requests.Session,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wait_min: float = RETRY_WAIT_MIN,
    ) -> None:
        self.cfg = cfg
        self.session = session_factory()
        self.session.trust_env = False  # the Provider's proxy only, never the environment's
        context = ssl_context(cfg)
        if context is not None:
            self.session.mount("https://", _ContextAdapter(context))
        if cfg.proxy:
            self.session.proxies = {"http": cfg.proxy, "https": cfg.proxy}
        self.deadline = clock() + cfg.timeout
        self._clock, self._sleep, self._wait_min = clock, sleep, wait_min
        self.attempts = 0

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> Response:
        last = ""
        for attempt in range(RETRY_MAX + 1):
            remaining = self.deadline - self._clock()
            if remaining <= 0:
                break
            self.attempts += 1
            try:
                raw = self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    timeout=remaining,
                    allow_redirects=False,
                )
            except requests.exceptions.SSLError:
                raise PermanentError(
                    self.cfg.mask(f"{method} {_safe(url)}: TLS verification failed")
                ) from None
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}"
            else:
                response = Response(raw.status_code, raw.content, dict(raw.headers))
                if not (
                    raw.status_code == 429 or (raw.status_code >= 500 and raw.status_code != 501)
                ):
                    return response
                last = f"status code {raw.status_code}"
                if attempt == RETRY_MAX:
                    return response
            wait = min(self._wait_min * (2**attempt), RETRY_WAIT_MAX)
            if self.deadline - self._clock() <= wait:
                break
            self._sleep(wait)
        raise TransientError(
            self.cfg.mask(
                f"{method} {_safe(url)} giving up after {self.attempts} attempt(s): {last}"
            )
        )

    def close(self) -> None:
        self.session.close()


def _safe(url: str) -> str:
    """The URL without its query and user info (tokens live there for some types)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
