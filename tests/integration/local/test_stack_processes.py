"""The local stack's process management with real processes: the daemon (in this process, so
its code is measured, and as the background process ``tagpilot local up`` starts), Amazon's
DynamoDB Local under Java, ports remembered across restarts, crashes, ``down`` and file modes."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tagpilot.local import daemon, stack
from tagpilot.local.dynamodb import (
    ENV_DIR,
    LocalStackError,
    find_dynamodb_local,
    free_port,
    port_is_free,
    restrict_files,
    start_dynamodb_local,
    wait_for_port,
)

pytestmark = pytest.mark.integration


def java_pid(port: int) -> int:
    """The DynamoDB Local process serving ``port`` (its command line names the port)."""
    wanted = ["-port", str(port)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if any(args[i : i + 2] == wanted for i in range(len(args))) and "java" in args[0]:
            return int(entry.name)
    raise AssertionError(f"no DynamoDB Local on port {port}")


def wait_until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "home"
    try:
        yield path
    finally:
        stack.stop(path)


# -- the daemon, run in this process ------------------------------------------------------------


def run_daemon(home: Path, during: Any) -> tuple[int, stack.LocalStack]:
    """Run ``daemon.main(home)`` here; ``during(state)`` runs in a thread once the stack is up,
    then the daemon gets SIGTERM unless ``during`` ended it some other way."""
    seen: list[stack.LocalStack] = []
    (home / "local.json").unlink(missing_ok=True)  # only the state this run writes counts

    def watcher() -> None:
        state = wait_until(lambda: stack.read_state(home))
        seen.append(state)
        if during(state) is not False:
            os.kill(os.getpid(), signal.SIGTERM)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    try:
        code = daemon.main(home)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    thread.join(30)
    assert seen, "the daemon came up"
    return code, seen[0]


def test_daemon_serves_both_endpoints_with_private_files_then_stops(home: Path) -> None:
    def check(state: stack.LocalStack) -> None:
        assert not port_is_free(state.dynamodb_port)
        assert not port_is_free(state.secrets_port)
        assert state.access_key == stack.access_key(home)
        assert state.pid == os.getpid()
        assert mode(home / "local.json") == 0o600

    code, state = run_daemon(home, check)
    assert code == 0
    assert not (home / "local.json").exists(), "the daemon removes its state when it ends"
    wait_until(lambda: port_is_free(state.dynamodb_port), timeout=20)
    assert port_is_free(state.secrets_port), "the Secrets Manager endpoint was shut down"
    for name in ("ports.json", "access-key"):
        assert mode(home / name) == 0o600, name
    assert mode(home / "dynamodb") == 0o700
    remembered = json.loads((home / "ports.json").read_text())
    assert remembered == {"dynamodb_port": state.dynamodb_port, "secrets_port": state.secrets_port}


def test_daemon_takes_the_remembered_ports_or_moves_when_taken(home: Path) -> None:
    home.mkdir(parents=True)
    ddb, secrets = free_port(), free_port()
    (home / "ports.json").write_text(json.dumps({"dynamodb_port": ddb, "secrets_port": secrets}))
    _code, first = run_daemon(home, lambda _s: None)
    assert (first.dynamodb_port, first.secrets_port) == (ddb, secrets)
    wait_until(lambda: port_is_free(ddb), timeout=20)
    assert daemon.remembered_ports(home) == (ddb, secrets)

    with socket.socket() as squatter, socket.socket() as other:
        for sock, port in ((squatter, ddb), (other, secrets)):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("", port))
            sock.listen(1)
        _code, moved = run_daemon(home, lambda _s: None)
    assert moved.dynamodb_port != ddb and moved.secrets_port != secrets
    assert daemon.remembered_ports(home) == (moved.dynamodb_port, moved.secrets_port)


def test_remembered_ports_unreadable_means_any(home: Path) -> None:
    home.mkdir(parents=True)
    assert daemon.remembered_ports(home) == (0, 0)
    (home / "ports.json").write_text("{not json")
    assert daemon.remembered_ports(home) == (0, 0)
    (home / "ports.json").write_text('{"dynamodb_port": 1}')
    assert daemon.remembered_ports(home) == (0, 0)


def test_daemon_ends_when_dynamodb_local_crashes(home: Path) -> None:
    def crash(state: stack.LocalStack) -> bool:
        os.kill(java_pid(state.dynamodb_port), signal.SIGKILL)
        return False  # no SIGTERM: the daemon must notice on its own

    started = time.monotonic()
    code, state = run_daemon(home, crash)
    assert code == 0
    assert time.monotonic() - started < 60
    assert port_is_free(state.secrets_port), "the daemon shut its endpoint down too"


# -- the background daemon, as `tagpilot local up` runs it ----------------------------------------


def test_ensure_running_starts_once_and_reuses(home: Path) -> None:
    first = stack.ensure_running(home)
    again = stack.ensure_running(home)
    assert again == first, "the running stack is reused, not started twice"
    assert stack.read_state(home) == first
    assert mode(home / "access-key") == 0o600
    assert stack.stop(home)
    assert stack.read_state(home) is None
    assert not (home / "local.json").exists()
    assert not stack.stop(home), "nothing left to stop"


def test_a_crashed_stack_restarts_on_the_same_ports(home: Path) -> None:
    first = stack.ensure_running(home)
    os.kill(java_pid(first.dynamodb_port), signal.SIGKILL)
    # The daemon notices, exits, and the stack counts as down.
    wait_until(lambda: stack.read_state(home) is None, timeout=30)
    wait_until(lambda: not stack._alive(first.pid), timeout=30)
    second = stack.ensure_running(home)
    assert second.pid != first.pid
    assert (second.dynamodb_port, second.secrets_port) == (first.dynamodb_port, first.secrets_port)
    assert second.access_key == first.access_key


def test_stale_and_broken_state_files(home: Path) -> None:
    home.mkdir(parents=True)
    state = home / "local.json"
    state.write_text("{broken")
    assert stack.read_state(home) is None
    assert not stack.stop(home)
    finished = subprocess.run(["true"], check=True)
    assert finished.returncode == 0
    dead = subprocess.Popen(["true"])
    dead.wait()
    state.write_text(
        json.dumps({"pid": dead.pid, "dynamodb_port": 1, "secrets_port": 2, "access_key": "k"})
    )
    assert stack.read_state(home) is None, "a dead daemon is no stack"
    assert not stack.stop(home)
    assert not state.exists(), "the stale state is removed"


def test_ensure_running_reports_a_stack_that_does_not_come_up(home: Path) -> None:
    with pytest.raises(LocalStackError, match="did not start within"):
        stack.ensure_running(home, timeout=0.05)
    # The daemon was started and does come up: it is the one found afterwards.
    late = wait_until(lambda: stack.read_state(home), timeout=60)
    assert stack.ensure_running(home) == late


# -- DynamoDB Local's process -------------------------------------------------------------------


def test_find_dynamodb_local_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "DynamoDBLocal.jar").write_bytes(b"")
    monkeypatch.setenv(ENV_DIR, str(flat))
    assert find_dynamodb_local(tmp_path) == flat
    nested = tmp_path / "lib"
    for version in ("dynamodb_local_2024", "dynamodb_local_2025"):
        (nested / version).mkdir(parents=True)
        (nested / version / "DynamoDBLocal.jar").write_bytes(b"")
    monkeypatch.setenv(ENV_DIR, str(nested))
    assert find_dynamodb_local(tmp_path) == nested / "dynamodb_local_2025", "the newest"


def test_ports_and_file_modes(tmp_path: Path) -> None:
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        assert not port_is_free(port)
        wait_for_port(port, timeout=5)
    data = tmp_path / "db"
    data.mkdir(mode=0o755)
    (data / "shared-local-instance.db").write_bytes(b"x")
    os.chmod(data / "shared-local-instance.db", 0o644)
    restrict_files(data)
    assert mode(data) == 0o700
    assert mode(data / "shared-local-instance.db") == 0o600


def test_wait_for_port_fails_clearly() -> None:
    with pytest.raises(LocalStackError, match="nothing listens"):
        wait_for_port(free_port(), timeout=0.3)
    exited = subprocess.Popen(["false"])
    exited.wait()
    with pytest.raises(LocalStackError, match="exited with code 1"):
        wait_for_port(free_port(), timeout=5, proc=exited)


def test_dynamodb_local_needs_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalStackError, match="java not found"):
        start_dynamodb_local(tmp_path, free_port(), db_path=None)


def test_dynamodb_local_persists_to_a_private_directory(tmp_path: Path) -> None:
    port = free_port()
    proc = start_dynamodb_local(tmp_path, port, db_path=tmp_path / "db", log=tmp_path / "log")
    try:
        assert not port_is_free(port)
        assert mode(tmp_path / "db") == 0o700
    finally:
        proc.terminate()
        proc.wait(15)
