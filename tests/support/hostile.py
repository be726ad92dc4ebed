"""A hostile HTTP peer on 127.0.0.1: answers whatever bytes a test scripts, as slowly as it likes.

Real registries and Git servers answer well; the failure modes tagpilot must survive (a peer that
trickles its headers or body one byte at a time, nested JSON bombs, an answer that arrives after
the object was deleted) need a peer that misbehaves on purpose. Each connection runs ``respond``
in its own thread with the raw socket and the request head already read; the server records every
request line and stops trickling when closed.

Usage::

    def respond(peer: Peer) -> None:
        peer.trickle(http_response(b'{"tags": []}'), every=0.5)

    with HostileServer(respond) as server:
        ...  # server.url, server.port, server.requests
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass


def http_response(
    body: bytes,
    status: int = 200,
    content_type: str = "application/json",
    extra: dict[str, str] | None = None,
) -> bytes:
    """The bytes of a complete HTTP/1.1 response (connection closed after it)."""
    head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    head += [f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@dataclass
class Peer:
    """One accepted connection."""

    sock: socket.socket
    head: bytes
    stopped: threading.Event

    @property
    def request_line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def trickle(self, data: bytes, every: float, step: int = 1) -> None:
        """Send ``step`` bytes every ``every`` seconds until done, closed or stopped."""
        for i in range(0, len(data), step):
            if self.stopped.wait(every if i else 0):
                return
            try:
                self.sock.sendall(data[i : i + step])
            except OSError:
                return

    def hold(self, seconds: float) -> None:
        """Keep the connection open and silent."""
        self.stopped.wait(seconds)


class HostileServer:
    """Accept connections on 127.0.0.1 and hand each to ``respond`` in a thread.

    ``read_head=False``: hand the connection over at once, without waiting for an HTTP request
    head (a raw TCP peer, e.g. one that trickles an SSH banner; ``Peer.head`` is empty).
    """

    def __init__(self, respond: Callable[[Peer], None], *, read_head: bool = True) -> None:
        self._respond = respond
        self._read_head = read_head
        self._stopped = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.requests: list[str] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        # Wake the blocked accept() before closing: a listening socket closed under it keeps
        # accepting in the kernel, and once its descriptor number is reused by a later server
        # the stale thread could take that server's connections.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(5)
        self._sock.close()
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            head = b""
            try:
                while self._read_head and b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
            except OSError:
                return
            peer = Peer(conn, head, self._stopped)
            self.requests.append(peer.request_line)
            try:
                self._respond(peer)
            except OSError:
                return
