"""``python -m tagpilot.local.daemon HOME``: the process behind ``tagpilot local up``."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tagpilot.local.dynamodb import free_port, port_is_free, start_dynamodb_local
from tagpilot.local.secretsmanager import make_server
from tagpilot.local.stack import PORTS_FILE, STATE_FILE, access_key


def remembered_ports(home: Path) -> tuple[int, int]:
    """The ports of the previous start (0 when unknown), so clients still running find the
    stack again at the same address after a restart."""
    try:
        raw = json.loads((home / PORTS_FILE).read_text())
        return int(raw["dynamodb_port"]), int(raw["secrets_port"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return 0, 0


def _choose(preferred: int) -> int:
    return preferred if preferred and port_is_free(preferred) else free_port()


def _write_private(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main(home: Path) -> int:
    key = access_key(home)
    ddb_wanted, secrets_wanted = remembered_ports(home)
    ddb_port = _choose(ddb_wanted)
    java = start_dynamodb_local(
        home, ddb_port, db_path=home / "dynamodb", log=home / "dynamodb.log"
    )
    try:
        server = make_server(home / "secrets.json", key, _choose(secrets_wanted))
    except OSError:
        server = make_server(home / "secrets.json", key)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    state = {
        "pid": os.getpid(),
        "dynamodb_port": ddb_port,
        "secrets_port": server.server_address[1],
        "access_key": key,
    }
    _write_private(home / STATE_FILE, state)
    _write_private(
        home / PORTS_FILE, {"dynamodb_port": ddb_port, "secrets_port": state["secrets_port"]}
    )
    while not stop.wait(1.0):
        if java.poll() is not None:
            break
    # No longer reachable: clients must not find this stack (``ports.json`` stays for the next).
    (home / STATE_FILE).unlink(missing_ok=True)
    server.shutdown()
    java.terminate()
    try:
        java.wait(10)
    except Exception:  # noqa: BLE001 - last resort on shutdown
        java.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
