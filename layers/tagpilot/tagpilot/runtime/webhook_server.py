"""``tagpilot serve --port``: the webhook function behind a local HTTP server.

Each request is turned into the API Gateway HTTP API (payload v2) event the Lambda receives and
handled by the same pipeline, so a registry on this machine can call tagpilot as it would call the
deployed endpoint.

API Gateway shields the Lambda from slow and malformed clients; this server does it itself:

- the request line and headers must arrive within :data:`HEAD_SECONDS`, the body within
  :data:`BODY_SECONDS` (overall deadlines, not per read: a client trickling bytes is cut off);
- ``Content-Length`` must be one non-negative decimal number (negative, non-numeric or repeated
  with different values: 400); a body over the pipeline's limit is refused with 413 before it is
  read, and a chunked body is counted while it is read and refused at the limit;
- ``HEAD`` answers 405 (the pipeline's answer for every method but POST);
- at most :data:`MAX_CONNECTIONS` connections are served at once; more are answered 503.
"""

from __future__ import annotations

import base64
import io
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tagpilot.deadline import Deadline
from tagpilot.receiver.pipeline import MAX_BODY_BYTES
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.reconcile.app import App
from tagpilot.runtime.webhook import handle_webhook

logger = logging.getLogger(__name__)

#: Time for the request line and headers of one request (also the keep-alive idle time).
HEAD_SECONDS = 10.0
#: Time for the body of one request.
BODY_SECONDS = 30.0
#: Connections served at once; more are answered 503.
MAX_CONNECTIONS = 32
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
)


class BadRequest(Exception):
    """The request is malformed (or too large, or too slow): answer ``status`` and close."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def to_apigw_event(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    """The HTTP API v2 event for one request (headers lower-cased, repeats comma-joined)."""
    parts = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return {
        "version": "2.0",
        "routeKey": "ANY /hook/{digest}",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": joined,
        "requestContext": {
            "http": {"method": method, "path": parts.path, "sourceIp": "127.0.0.1"},
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def content_length(values: list[str]) -> int | None:
    """The body length the headers announce; ``None`` when there is no ``Content-Length``.

    Raises
    ------
    BadRequest
        400 for a value that is not one non-negative decimal number, including a repeated header
        or a list (``5, 5``): a request that two parsers could frame differently is refused;
        413 for a number too long to be a body this server accepts.
    """
    if not values:
        return None
    text = values[0].strip()
    if len(values) != 1 or not text.isascii() or not text.isdigit():
        raise BadRequest(400, "invalid Content-Length")
    if len(text) > 12:
        raise BadRequest(413, "body too large")
    return int(text)


class _TimedReader(io.RawIOBase):
    """Reads the connection with each ``recv`` bounded by the handler's current deadline."""

    def __init__(self, sock: socket.socket, clock: Callable[[], Deadline]) -> None:
        self._sock = sock
        self._deadline = clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline().left()
        if left <= 0:
            raise TimeoutError("request deadline exceeded")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    max_connections = MAX_CONNECTIONS

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()

    def server_activate(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-answer is not worth a traceback on the console.
        logger.info("webhook connection ended with an error", exc_info=True)


def start_webhook_server(
    app: App, port: int, on_request: Callable[[], Any] | None = None
) -> ThreadingHTTPServer:
    """Serve on 127.0.0.1:``port`` in a background thread; ``on_request`` runs after each 200."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # replaced by a reader bounded by the request's deadlines
            self._deadline = Deadline(HEAD_SECONDS, parent=None)
            self.rfile = io.BufferedReader(_TimedReader(self.connection, lambda: self._deadline))

        def handle_one_request(self) -> None:
            # Each request on a kept-alive connection gets a fresh time for its line and headers.
            self._deadline = Deadline(HEAD_SECONDS, parent=None)
            super().handle_one_request()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - never log paths
            return

        def _handle(self) -> None:
            try:
                body = self._read_body()
            except BadRequest as exc:
                self.close_connection = True
                self._reply(exc.status)
                return
            except TimeoutError:
                self.close_connection = True
                self._reply(408)
                return
            event = to_apigw_event(self.command, self.path, list(self.headers.items()), body)
            try:
                outcome = handle_webhook(app, from_apigw_v2(event))
            except Exception as exc:  # noqa: BLE001 - answer 500, keep serving
                logger.warning("webhook failed: %s: %s", type(exc).__name__, exc)
                self._reply(500)
                return
            self._reply(outcome.status)
            if outcome.status == 200 and on_request is not None:
                threading.Thread(target=on_request, daemon=True).start()

        def _read_body(self) -> bytes:
            self._deadline = Deadline(BODY_SECONDS, parent=None)
            encoding = self.headers.get_all("Transfer-Encoding") or []
            length = content_length(self.headers.get_all("Content-Length") or [])
            if encoding:
                if length is not None or [e.strip().lower() for e in encoding] != ["chunked"]:
                    raise BadRequest(400, "unsupported Transfer-Encoding")
                return self._read_chunked()
            if not length:
                return b""
            if length > MAX_BODY_BYTES:
                raise BadRequest(413, "body too large")
            body = self.rfile.read(length)
            if len(body) != length:
                raise BadRequest(400, "body shorter than Content-Length")
            return body

        def _read_chunked(self) -> bytes:
            body = bytearray()
            while True:
                line = self.rfile.readline(64)
                size_text = line.split(b";", 1)[0].strip()
                if not line.endswith(b"\n") or not size_text or len(size_text) > 8:
                    raise BadRequest(400, "malformed chunk")
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise BadRequest(400, "malformed chunk") from None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers are ignored
                    return bytes(body)
                if len(body) + size > MAX_BODY_BYTES:
                    raise BadRequest(413, "body too large")
                chunk = self.rfile.read(size)
                if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise BadRequest(400, "malformed chunk")
                body += chunk

        def _reply(self, status: int) -> None:
            try:
                self.send_response(status)
                if status == 405:
                    self.send_header("Allow", "POST")
                self.send_header("Content-Length", "0")
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
            except OSError:
                self.close_connection = True

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            # Answered here: a HEAD response has no body, and the pipeline's 405 applies.
            self.close_connection = True
            self._reply(405)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle  # noqa: N815

    server = _Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
