"""Test servers keep the port they were started on, or move: a port that was free when picked
can be taken by another suite before the server binds it, and the readiness poll would then find
the other server (tests/support/ports.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.support import registry as registry_module
from tests.support.ports import listened_by
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def test_listened_by_names_the_process_holding_the_listener() -> None:
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::", 0))
        sock.listen()
        port = sock.getsockname()[1]
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert listened_by(os.getpid(), port) is True
            assert listened_by(child.pid, port) is False
        finally:
            child.kill()
            child.wait()
    assert listened_by(os.getpid(), port) is False


def test_a_registry_whose_port_is_squatted_starts_on_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The squatter answers /v2/ like a registry; the server must not take it for itself."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Squatter(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    squatter = ThreadingHTTPServer(("127.0.0.1", 0), Squatter)
    Thread(target=squatter.serve_forever, daemon=True).start()
    taken = squatter.server_address[1]
    picks = iter([taken])
    real = registry_module.free_port
    monkeypatch.setattr(registry_module, "free_port", lambda: next(picks, None) or real())
    try:
        with RegistryServer() as server:
            assert server.port != taken
            assert listened_by(server._proc.pid, server.port)  # type: ignore[union-attr]
    finally:
        squatter.shutdown()
        squatter.server_close()
