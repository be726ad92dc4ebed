"""Make urllib3 (and so ``requests`` and dulwich's HTTP client) honour the active deadline.

urllib3's timeouts apply to each socket operation: a peer that sends one byte every few seconds
never trips a 20 s read timeout, and one response can take minutes. The connections made here
re-arm the socket timeout before every ``connect``, ``send`` and ``recv`` with the time left on
the active :class:`~tagpilot.deadline.Deadline` (never more than urllib3's own timeout), so the
status line, the headers and the body together end by the deadline. Without an active deadline
they behave exactly like urllib3's.
"""

from __future__ import annotations

import http.client
import io
import socket
from typing import Any

from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

from tagpilot.deadline import Deadline, DeadlineExceededError, current


def _bounded(deadline: Deadline, limit: Any, what: str) -> float:
    left = deadline.check(what)
    return min(left, float(limit)) if isinstance(limit, int | float) and limit > 0 else left


class _DeadlineSocketIO(socket.SocketIO):
    """A socket reader that gives each ``recv`` only the time left on the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__(sock, "rb")
        self._socket = sock
        self._deadline = deadline
        self._limit = sock.gettimeout()

    def readinto(self, b: Any) -> int | None:
        self._socket.settimeout(_bounded(self._deadline, self._limit, "read response"))
        return super().readinto(b)


class _DeadlineFile:
    """Stands in for the socket when ``http.client.HTTPResponse`` calls ``sock.makefile``."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        # Like socket.makefile: the socket stays open until this reader is closed too.
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(_DeadlineSocketIO(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(
        self, sock: Any, debuglevel: int = 0, method: str | None = None, url: str | None = None
    ) -> None:
        deadline = current()
        if deadline is not None:
            sock = _DeadlineFile(sock, deadline)
        super().__init__(sock, debuglevel, method, url)


class _DeadlineConnection:
    """Mixin for urllib3 connections: connect, send and read bounded by the active deadline."""

    response_class: Any = _DeadlineResponse
    timeout: Any
    sock: socket.socket | None

    def connect(self) -> None:
        deadline = current()
        if deadline is not None:
            try:
                self.timeout = _bounded(deadline, self.timeout, "connect")
            except DeadlineExceededError as exc:
                raise ConnectTimeoutError(self, str(exc)) from None
        super().connect()  # type: ignore[misc]

    def send(self, data: Any) -> None:
        deadline = current()
        if deadline is not None and self.sock is not None:
            self.sock.settimeout(_bounded(deadline, self.timeout, "send request"))
        super().send(data)  # type: ignore[misc]


class DeadlineHTTPConnection(_DeadlineConnection, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


def enforce_deadlines(manager: PoolManager) -> PoolManager:
    """Make ``manager`` (a ``PoolManager`` or ``ProxyManager``) open deadline-bound connections.

    Call it before the manager opens its first pool; returns ``manager``.
    """
    manager.pool_classes_by_scheme = {
        "http": DeadlineHTTPConnectionPool,
        "https": DeadlineHTTPSConnectionPool,
    }
    return manager
