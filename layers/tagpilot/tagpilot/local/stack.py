"""The local stack: DynamoDB Local plus the embedded Secrets Manager endpoint, in one daemon.

``tagpilot local up`` (or any command that needs the store) starts a background daemon that runs
both and records their ports in ``<home>/local.json``. It keeps running, and the data persists
on disk under ``<home>`` (files 0600), until ``tagpilot local down``. Every shell, and
``tagpilot serve``, finds the same stack through that file. A restart takes the same ports again
(remembered in ``<home>/ports.json``) when they are free, so processes that resolved them before
an outage reconnect on their own.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tagpilot.local.dynamodb import LocalStackError

STATE_FILE = "local.json"
#: The ports of the last start: a restart reuses them when free, so running ``serve`` processes
#: and shells reconnect to the same endpoints after an outage.
PORTS_FILE = "ports.json"


@dataclass(frozen=True)
class LocalStack:
    pid: int
    dynamodb_port: int
    secrets_port: int
    access_key: str

    @property
    def dynamodb_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    @property
    def secrets_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.secrets_port}"


def _alive(pid: int) -> bool:
    try:  # a daemon this process started and that exited is a zombie until reaped
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: ask the kernel below
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def read_state(home: Path) -> LocalStack | None:
    try:
        raw = json.loads((home / STATE_FILE).read_text())
        stack = LocalStack(
            int(raw["pid"]),
            int(raw["dynamodb_port"]),
            int(raw["secrets_port"]),
            str(raw["access_key"]),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    if _alive(stack.pid) and _listening(stack.dynamodb_port) and _listening(stack.secrets_port):
        return stack
    return None


def access_key(home: Path) -> str:
    """The random access key the local endpoints accept, created once per home (mode 0600)."""
    path = home / "access-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        home.mkdir(parents=True, exist_ok=True)
        key = "TPLOCAL" + secrets.token_hex(8).upper()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def ensure_running(home: Path, timeout: float = 60.0) -> LocalStack:
    """Return the running stack, starting the daemon first if none runs."""
    stack = read_state(home)
    if stack is not None:
        return stack
    home.mkdir(parents=True, exist_ok=True)
    access_key(home)
    log = open(home / "daemon.log", "ab")  # noqa: SIM115 - handed to the child
    subprocess.Popen(
        [sys.executable, "-m", "tagpilot.local.daemon", str(home)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack = read_state(home)
        if stack is not None:
            return stack
        time.sleep(0.2)
    raise LocalStackError(
        f"the local stack did not start within {timeout:.0f}s; see {home / 'daemon.log'}"
    )


def stop(home: Path, timeout: float = 15.0) -> bool:
    """Stop the daemon (and with it DynamoDB Local). Data stays on disk for the next start."""
    try:
        pid = int(json.loads((home / STATE_FILE).read_text())["pid"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return False
    if not _alive(pid):
        (home / STATE_FILE).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    (home / STATE_FILE).unlink(missing_ok=True)
    return True
