"""TLS settings from a ``certSecretRef`` as a ``requests`` session.

The SSL context starts from the system trust store plus certifi's bundle (``requests``' default),
then adds the secret's CA: the system pool is kept, as in Flux. A client key is written to a
private (0600) temporary file only while OpenSSL loads it, then deleted.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
from collections import OrderedDict
from typing import Any

import certifi
import requests

from tagpilot.registry.auth import TLSConfig
from tagpilot.registry.errors import AuthConfigError
from tagpilot.registry.transport import DeadlineAdapter

_MAX_SESSIONS = 16


def build_ssl_context(tls: TLSConfig) -> ssl.SSLContext:
    """An SSL context verifying servers against system + certifi + ``tls.ca_pem``.

    Raises
    ------
    AuthConfigError
        The CA or the client certificate/key is not valid PEM, or they do not match.
    """
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=certifi.where())
    if tls.ca_pem:
        try:
            context.load_verify_locations(cadata=tls.ca_pem.decode("ascii"))
        except (ssl.SSLError, ValueError, UnicodeDecodeError):
            raise AuthConfigError(
                "certSecretRef: 'ca.crt' is not a valid PEM certificate"
            ) from None
    if tls.client_cert_pem and tls.client_key_pem:
        _load_client_pair(context, tls.client_cert_pem, tls.client_key_pem)
    return context


def _load_client_pair(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # OpenSSL only loads a certificate chain from files; keep them just for the call.
    with tempfile.TemporaryDirectory(prefix="tagpilot-tls-") as directory:
        cert_path = os.path.join(directory, "tls.crt")
        key_path = os.path.join(directory, "tls.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except (ssl.SSLError, ValueError):
            raise AuthConfigError(
                "certSecretRef: 'tls.crt'/'tls.key' are not a valid PEM certificate and key pair"
            ) from None


class ContextAdapter(DeadlineAdapter):
    """An ``HTTPAdapter`` that uses one fixed SSL context for every HTTPS connection."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Keep requests from loading certifi into our context again on every new connection.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


class TLSSessions:
    """A small LRU of sessions, one per distinct :class:`TLSConfig`, modelled on ``base``."""

    def __init__(self, base: requests.Session, limit: int = _MAX_SESSIONS) -> None:
        self._base = base
        self._limit = limit
        self._sessions: OrderedDict[str, requests.Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tls: TLSConfig) -> requests.Session:
        """The session for ``tls`` (built on first use)."""
        key = tls.fingerprint()
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                self._sessions.move_to_end(key)
                return session
        session = requests.Session()
        session.headers.update(self._base.headers)
        session.trust_env = self._base.trust_env
        session.proxies.update(self._base.proxies)
        session.mount("https://", ContextAdapter(build_ssl_context(tls)))
        with self._lock:
            self._sessions[key] = session
            while len(self._sessions) > self._limit:
                _, old = self._sessions.popitem(last=False)
                old.close()
        return session
