"""A token server for distribution's ``auth: token`` (Docker registry v2 token auth).

Issues ES256 JWTs the way distribution 2.8 (``registry/auth/token``) verifies them: header
``kid`` is the libtrust key ID of the signing key, whose self-signed certificate is the
registry's ``rootcertbundle``; claims ``iss``, ``sub``, ``aud`` (= service), ``exp``, ``nbf``,
``iat``, ``jti`` and ``access`` ``[{type, name, actions}]``.

``GET /token?service=..&scope=repository:<name>:<actions>`` checks Basic credentials against
``users`` (anonymous callers get ``pull`` only when ``allow_anonymous``). ``POST /token`` answers
404, like token servers without OAuth2, so clients fall back to GET. ``hits`` counts requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.support.certs import self_signed


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """libtrust ``keyIDFromCryptoKey``: base32 of SHA-256(DER SPKI)[:30] in 12 ':'-joined groups."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


class _NoDelayServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


class TokenIssuer:
    """A JWT token endpoint on 127.0.0.1; use as a context manager or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        allow_anonymous: bool = True,
        service: str = "tagpilot-test-registry",
        issuer: str = "tagpilot-test-issuer",
        expires_in: int = 300,
        omit_expires_in: bool = False,
    ) -> None:
        self.users = dict(users or {})
        self.allow_anonymous = allow_anonymous
        self.service = service
        self.issuer = issuer
        self.expires_in = expires_in
        self.omit_expires_in = omit_expires_in
        self.hits = 0
        self.requests: list[dict[str, object]] = []
        self.issued: set[str] = set()
        self._lock = threading.Lock()
        cert, self._key = self_signed("tagpilot token signer")
        self.cert_pem = cert.cert_pem
        self.key_id = libtrust_key_id(self._key.public_key())
        self._dir = Path(tempfile.mkdtemp(prefix="tagpilot-issuer-"))
        self.rootcertbundle = self._dir / "root.crt"
        self.rootcertbundle.write_bytes(self.cert_pem)
        self._server: _NoDelayServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def realm(self) -> str:
        """The token endpoint URL (``http://127.0.0.1:<port>/token``)."""
        assert self._server is not None, "issuer not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def start(self) -> TokenIssuer:
        """Listen on a free loopback port."""
        self._server = _NoDelayServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and remove the certificate directory."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for path in self._dir.iterdir():
            path.unlink()
        self._dir.rmdir()

    def __enter__(self) -> TokenIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sign(self, subject: str, access: list[dict[str, object]], audience: str) -> str:
        """A signed JWT granting ``access``."""
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "kid": self.key_id}
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        der = self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        token = f"{signing_input}.{_b64url(signature)}"
        with self._lock:
            self.issued.add(token)
        return token

    def _authenticate(self, header: str | None) -> str | None:
        """The user name, ``""`` for anonymous, ``None`` when refused."""
        if not header:
            return "" if self.allow_anonymous else None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
        return user if self.users.get(user) == password and user else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def _reply(self, status: int, body: dict[str, object] | None = None) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with issuer._lock:
                    issuer.hits += 1
                self._reply(404, {"errors": [{"code": "UNSUPPORTED", "message": "no oauth"}]})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                with issuer._lock:
                    issuer.hits += 1
                    issuer.requests.append(
                        {"query": query, "auth": bool(self.headers["Authorization"])}
                    )
                if parts.path != "/token":
                    self._reply(404)
                    return
                user = issuer._authenticate(self.headers.get("Authorization"))
                if user is None:
                    self._reply(
                        401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
                    )
                    return
                access: list[dict[str, object]] = []
                for scope in (s for value in query.get("scope", []) for s in value.split(" ")):
                    kind, _, rest = scope.partition(":")
                    name, _, actions = rest.rpartition(":")
                    wanted = [a for a in actions.split(",") if a]
                    granted = wanted if user else [a for a in wanted if a == "pull"]
                    access.append({"type": kind, "name": name, "actions": granted})
                service = (query.get("service") or [issuer.service])[0]
                token = issuer.sign(user, access, service)
                body: dict[str, object] = {"token": token, "access_token": token}
                if not issuer.omit_expires_in:
                    body["expires_in"] = issuer.expires_in
                self._reply(200, body)

        return Handler
