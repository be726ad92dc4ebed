"""``python -m tagpilot.local.daemon HOME``: the process behind ``tagpilot local up``."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tagpilot.local.dynamodb import free_port, start_dynamodb_local
from tagpilot.local.secretsmanager import make_server
from tagpilot.local.stack import STATE_FILE, access_key


def main(home: Path) -> int:
    key = access_key(home)
    ddb_port = free_port()
    java = start_dynamodb_local(
        home, ddb_port, db_path=home / "dynamodb", log=home / "dynamodb.log"
    )
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
    tmp = home / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state))
    os.chmod(tmp, 0o600)
    os.replace(tmp, home / STATE_FILE)
    while not stop.wait(1.0):
        if java.poll() is not None:
            break
    server.shutdown()
    java.terminate()
    try:
        java.wait(10)
    except Exception:  # noqa: BLE001 - last resort on shutdown
        java.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
