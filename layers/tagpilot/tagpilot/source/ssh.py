"""A Paramiko-based dulwich ``SSHVendor`` with strict ``known_hosts`` checking.

dulwich 1.2 only ships vendors that run an ``ssh`` binary, which Lambda does not have. This
vendor keeps everything in memory (key and ``known_hosts`` bytes, no files), refuses unknown
hosts and mismatched keys with typed errors, and never adds a key to ``known_hosts``.
"""

from __future__ import annotations

import io
from typing import IO

import paramiko
from dulwich.client import SSHVendor

from tagpilot.source.errors import (
    AuthenticationError,
    GitTransportError,
    HostKeyMismatchError,
    InvalidAuthError,
    UnknownHostKeyError,
)

_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


def load_private_key(identity: bytes, password: str | None) -> paramiko.PKey:
    """Parse an OpenSSH or PEM private key (ed25519, ecdsa, rsa).

    Raises
    ------
    InvalidAuthError
        The key is malformed, of an unsupported type, encrypted without a password, or the
        password is wrong.
    """
    text = identity.decode("utf-8", "replace")
    needs_password = False
    for key_class in _KEY_CLASSES:
        try:
            return key_class.from_private_key(io.StringIO(text), password=password)
        except paramiko.PasswordRequiredException:
            needs_password = True
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    if needs_password and not password:
        raise InvalidAuthError("SSH identity is encrypted and no password was given")
    raise InvalidAuthError("SSH identity is not a valid ed25519, ecdsa or rsa private key")


def parse_known_hosts(data: bytes) -> paramiko.HostKeys:
    """Parse ``known_hosts`` content (plain or hashed host names, ``[host]:port`` forms).

    Raises
    ------
    InvalidAuthError
        No usable host key line was found.
    """
    keys = paramiko.HostKeys()
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            # "@cert-authority" and "@revoked" markers are not supported: skipping them is the
            # strict choice (a CA line never makes a host trusted).
            continue
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
        except (paramiko.SSHException, ValueError, TypeError):
            entry = None
        if entry is None or entry.key is None:
            continue
        for name in entry.hostnames:
            keys.add(name, entry.key.get_name(), entry.key)
    if not keys.keys():
        raise InvalidAuthError("known_hosts holds no valid host key line")
    return keys


class _RejectUnknownHost(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        raise UnknownHostKeyError(
            f"host key for {hostname} ({key.get_name()}) is not in known_hosts"
        )


class _ChannelWrapper:
    """The file-like object dulwich's protocol expects, over a Paramiko channel."""

    def __init__(self, client: paramiko.SSHClient, channel: paramiko.Channel) -> None:
        self._client = client
        self._channel = channel

    @property
    def stderr(self) -> IO[bytes]:
        stream: IO[bytes] = self._channel.makefile_stderr("rb")
        return stream

    def can_read(self) -> bool:
        return bool(self._channel.recv_ready())

    def write(self, data: bytes) -> None:
        self._channel.sendall(data)

    def read(self, n: int | None = None) -> bytes:
        if n is None:
            chunks = []
            while chunk := self._recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
        # dulwich's pkt-line reader expects exactly n bytes unless the stream ended.
        buf = bytearray()
        while len(buf) < n:
            chunk = self._recv(n - len(buf))
            if not chunk:
                break
            buf += chunk
        return bytes(buf)

    def _recv(self, n: int) -> bytes:
        try:
            return bytes(self._channel.recv(n))
        except TimeoutError as exc:
            raise GitTransportError("SSH read timed out") from exc

    def close(self) -> None:
        self._channel.close()
        self._client.close()


class ParamikoSSHVendor(SSHVendor):
    """Open SSH command channels with an in-memory key and strict host-key checking.

    Parameters
    ----------
    identity:
        The private key.
    known_hosts:
        Parsed trusted host keys (:func:`parse_known_hosts`).
    timeout:
        Seconds for the TCP connect, the SSH handshake, authentication and each read.
    """

    def __init__(
        self, identity: paramiko.PKey, known_hosts: paramiko.HostKeys, timeout: float
    ) -> None:
        self._identity = identity
        self._known_hosts = known_hosts
        self._timeout = timeout

    def run_command(  # type: ignore[override]
        self,
        host: str,
        command: bytes,
        username: str | None = None,
        port: int | None = None,
        password: str | None = None,
        key_filename: str | None = None,
        ssh_command: str | None = None,
        protocol_version: int | None = None,
    ) -> _ChannelWrapper:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(_RejectUnknownHost())
        for name, entries in self._known_hosts.items():
            for key_type, key in entries.items():
                client.get_host_keys().add(name, key_type, key)
        try:
            client.connect(
                host,
                port=port or 22,
                username=username or "git",
                pkey=self._identity,
                timeout=self._timeout,
                banner_timeout=self._timeout,
                auth_timeout=self._timeout,
                channel_timeout=self._timeout,
                allow_agent=False,
                look_for_keys=False,
            )
            channel = client.get_transport().open_session(timeout=self._timeout)
            channel.settimeout(self._timeout)
            channel.exec_command(command.decode("utf-8") if isinstance(command, bytes) else command)
        except UnknownHostKeyError:
            client.close()
            raise
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostKeyMismatchError(
                f"host key for {host} does not match known_hosts ({exc.key.get_name()})"
            ) from None
        except paramiko.AuthenticationException:
            client.close()
            raise AuthenticationError(f"SSH authentication to {host} failed") from None
        except (TimeoutError, paramiko.SSHException, OSError) as exc:
            client.close()
            raise GitTransportError(f"SSH connection to {host} failed: {exc}") from None
        return _ChannelWrapper(client, channel)
