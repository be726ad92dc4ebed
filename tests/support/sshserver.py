"""A real SSH Git server for tests: Debian's OpenSSH ``sshd`` on a loopback port.

``sshd -D -e -f <config>`` runs in the foreground as a child process with a generated host key
and an ``AuthorizedKeysFile`` holding a generated client key; the login user is the current user
(root in CI containers is fine: ``PermitRootLogin prohibit-password``). Repositories are served
by ``git-upload-pack``/``git-receive-pack`` through the user's login shell, addressed by absolute
path: ``ssh://<user>@127.0.0.1:<port>/<abs path>``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

SSHD = "/usr/sbin/sshd"


def _keypair() -> tuple[bytes, str]:
    """An ed25519 key: (OpenSSH private key PEM, ``ssh-ed25519 AAAA...`` public line)."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return private, public.decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SSHServer:
    """Run ``sshd`` on 127.0.0.1 serving Git repositories under :attr:`root`.

    Attributes
    ----------
    client_key:
        OpenSSH private key authorised to log in (the ``identity`` of a Flux secret).
    known_hosts:
        The ``known_hosts`` line for this server (``[127.0.0.1]:<port> ssh-ed25519 ...``).
    """

    def __init__(self, root: Path | None = None, force_command: str | None = None) -> None:
        #: ``ForceCommand``: run this instead of whatever the client asked (a misbehaving
        #: server after a genuine connect, key exchange and authentication).
        self.force_command = force_command
        self._dir = Path(tempfile.mkdtemp(prefix="sshserver-"))
        self.root = root or self._dir / "repos"
        self.root.mkdir(parents=True, exist_ok=True)
        self.user = getpass.getuser()
        self.port = _free_port()
        self.client_key, client_public = _keypair()
        host_private, self.host_public = _keypair()
        self._host_key = self._dir / "ssh_host_ed25519_key"
        self._host_key.write_bytes(host_private)
        self._host_key.chmod(0o600)
        (self._dir / "authorized_keys").write_text(client_public + "\n")
        self._config = self._dir / "sshd_config"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def known_hosts(self) -> bytes:
        return f"[127.0.0.1]:{self.port} {self.host_public}\n".encode()

    def url_for(self, repo: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.root / repo}"

    def start(self) -> SSHServer:
        self._config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self._host_key}",
                    f"PidFile {self._dir / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self._dir / 'authorized_keys'}",
                    "StrictModes no",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "PermitRootLogin prohibit-password",
                    f"AllowUsers {self.user}",
                    "LogLevel ERROR",
                    *([f"ForceCommand {self.force_command}"] if self.force_command else []),
                    "",
                ]
            )
        )
        # sshd insists on its privilege-separation directory even with -D.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self._proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"sshd exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not start listening")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SSHServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
