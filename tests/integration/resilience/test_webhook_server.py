"""The ``serve --port`` webhook server against hostile clients, over raw sockets.

API Gateway protects the deployed function from slow and malformed clients; the local server has
to do it itself: deadlines for the request head and body, strict ``Content-Length``, the body
limit enforced before and while reading, 405 for HEAD, and a bound on concurrent connections.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from tagpilot.receiver.pipeline import MAX_BODY_BYTES
from tagpilot.runtime import webhook_server
from tagpilot.runtime.webhook_server import start_webhook_server

pytestmark = pytest.mark.integration

HOOK = "/hook/0123456789abcdef"


@pytest.fixture
def server(app: Any) -> Iterator[int]:
    httpd = start_webhook_server(app, 0)
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


# The reason phrase is the running Python's (3.13 renamed it "Content Too Large", RFC 9110).
TOO_LARGE = f"HTTP/1.1 413 {HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase}"


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def answer(sock: socket.socket) -> str:
    """The status line of the answer ('' when the server closed without one)."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(1024)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data.split(b"\r\n", 1)[0].decode()


def ask(port: int, head: str, body: bytes = b"") -> str:
    with connect(port) as sock:
        sock.sendall(head.encode() + body)
        return answer(sock)


def post(*headers: str) -> str:
    return "".join([f"POST {HOOK} HTTP/1.1\r\nHost: x\r\n", *(h + "\r\n" for h in headers), "\r\n"])


@pytest.mark.parametrize("value", ["-1", "abc", "0x10", "+5", "5 5", "1e3", "\u0663"], ids=repr)
def test_invalid_content_length_is_400_without_reading(server: int, value: str) -> None:
    # No body follows and the connection stays open: the answer must not wait for one.
    assert ask(server, post(f"Content-Length: {value}")) == "HTTP/1.1 400 Bad Request"


@pytest.mark.parametrize(
    "headers",
    [("Content-Length: 5", "Content-Length: 5"), ("Content-Length: 5, 5",)],
    ids=["repeated", "list"],
)
def test_duplicate_content_length_is_400(server: int, headers: tuple[str, ...]) -> None:
    assert ask(server, post(*headers), b"{}   ") == "HTTP/1.1 400 Bad Request"


def test_content_length_and_chunked_together_is_400(server: int) -> None:
    head = post("Content-Length: 2", "Transfer-Encoding: chunked")
    assert ask(server, head, b"2\r\n{}\r\n0\r\n\r\n") == "HTTP/1.1 400 Bad Request"


def test_a_declared_body_over_the_limit_is_413_before_it_is_sent(server: int) -> None:
    head = post(f"Content-Length: {MAX_BODY_BYTES + 1}")
    assert ask(server, head) == TOO_LARGE
    assert ask(server, post("Content-Length: " + "9" * 40)) == TOO_LARGE


def test_a_chunked_body_is_cut_at_the_limit(server: int) -> None:
    chunk = b"%x\r\n" % (1 << 20) + b"x" * (1 << 20) + b"\r\n"
    with connect(server) as sock:
        sock.sendall(post("Transfer-Encoding: chunked").encode())
        try:
            for _ in range(64):  # 64 MiB if nobody stopped us
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert answer(sock) == TOO_LARGE


def test_a_small_chunked_body_reaches_the_pipeline(server: int) -> None:
    # Unknown path: the pipeline's 404 proves the body was read and the request handled.
    head = post("Transfer-Encoding: chunked", "Content-Type: application/json")
    assert ask(server, head, b"2\r\n{}\r\n0\r\n\r\n") == "HTTP/1.1 404 Not Found"
    assert ask(server, post("Content-Length: 2"), b"{}") == "HTTP/1.1 404 Not Found"


def test_head_is_405(server: int) -> None:
    assert ask(server, f"HEAD {HOOK} HTTP/1.1\r\nHost: x\r\n\r\n") == (
        "HTTP/1.1 405 Method Not Allowed"
    )


def test_a_trickled_request_head_is_cut_off(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_server, "HEAD_SECONDS", 1.0)
    started = time.monotonic()
    with connect(server) as sock:
        try:
            for byte in post("Content-Length: 2").encode():
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert answer(sock) == "", "closed without an answer"
    assert time.monotonic() - started < 10.0, "not held for the whole trickle (~16 s)"


def test_a_trickled_body_is_408(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_server, "BODY_SECONDS", 1.0)
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(post("Content-Length: 100").encode())
        try:
            for _ in range(100):
                sock.sendall(b"x")
                time.sleep(0.2)
                if time.monotonic() - started > 3:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert answer(sock) == "HTTP/1.1 408 Request Timeout"
    assert time.monotonic() - started < 10.0


def test_connections_are_bounded(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook_server._Server, "max_connections", 2)
    httpd = start_webhook_server(app, 0)
    port = int(httpd.server_address[1])
    try:
        idle = [connect(port), connect(port)]
        time.sleep(0.3)  # both accepted and holding a slot
        assert ask(port, post("Content-Length: 2"), b"{}") == "HTTP/1.1 503 Service Unavailable"
        for sock in idle:
            sock.close()
        deadline = time.monotonic() + 10
        while (status := ask(port, post("Content-Length: 2"), b"{}")).startswith("HTTP/1.1 503"):
            assert time.monotonic() < deadline, "slots were not released"
            time.sleep(0.1)
        assert status == "HTTP/1.1 404 Not Found"
    finally:
        httpd.shutdown()
        httpd.server_close()
