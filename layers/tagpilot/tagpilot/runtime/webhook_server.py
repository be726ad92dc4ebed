"""``tagpilot serve --port``: the webhook function behind a local HTTP server.

Each request is turned into the API Gateway HTTP API (payload v2) event the Lambda receives and
handled by the same pipeline, so a registry on this machine can call tagpilot as it would call the
deployed endpoint.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tagpilot.receiver.pipeline import MAX_BODY_BYTES
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.reconcile.app import App
from tagpilot.runtime.webhook import handle_webhook


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


def start_webhook_server(
    app: App, port: int, on_request: Callable[[], Any] | None = None
) -> ThreadingHTTPServer:
    """Serve on 127.0.0.1:``port`` in a background thread; ``on_request`` runs after each 200."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - never log paths
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                self._reply(413)
                return
            body = self.rfile.read(length) if length else b""
            event = to_apigw_event(self.command, self.path, list(self.headers.items()), body)
            outcome = handle_webhook(app, from_apigw_v2(event))
            self._reply(outcome.status)
            if outcome.status == 200 and on_request is not None:
                threading.Thread(target=on_request, daemon=True).start()

        def _reply(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle  # noqa: N815

    server = _Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
