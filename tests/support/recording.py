"""An HTTP(S) server on 127.0.0.1 that records every request and answers as told.

Used as the far side of every notification provider: tests assert on the method, path, headers
and body it received. ``answers`` maps a path prefix to ``(status, body)`` or to a callable;
``delay`` makes it slow (a provider that times out).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordingServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def answer(self, method: str, path: str) -> tuple[int, bytes]:
        for prefix, reply in self.answers.items():
            want_method, _, want_path = prefix.rpartition(" ")
            if path.startswith(want_path) and (not want_method or want_method == method):
                if callable(reply):
                    reply = reply(method, path)
                status, body = reply
                return status, body if isinstance(body, bytes) else json.dumps(body).encode()
        return 200, b"{}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.arrived.wait(remaining)
        return list(self.requests)

    def only(self) -> Recorded:
        assert len(self.requests) == 1, [r.path for r in self.requests]
        return self.requests[0]


def _handler(server: RecordingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if server.delay:
                time.sleep(server.delay)
            record = Recorded(
                self.command, self.path, dict(self.headers.items()), body, time.monotonic()
            )
            with server.arrived:
                server.requests.append(record)
                server.arrived.notify_all()
            status, reply = server.answer(self.command, self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def recording_server(
    *, cert: tuple[Path, Path] | None = None, answers: dict[str, Any] | None = None
) -> Iterator[RecordingServer]:
    """Serve on a free port of 127.0.0.1 (HTTPS when ``cert`` = (cert file, key file))."""
    state = RecordingServer(url="", answers=dict(answers or {}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    scheme = "http"
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    state.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


Answer = Callable[[str, str], tuple[int, Any]]
