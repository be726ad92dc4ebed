"""A Paramiko-based dulwich ``SSHVendor`` with strict ``known_hosts`` checking.

dulwich 1.2 only ships vendors that run an ``ssh`` binary, which Lambda does not have. This
vendor keeps everything in memory (key and ``known_hosts`` bytes, no files), refuses unknown
hosts and mismatched keys with typed errors, and never adds a key to ``known_hosts``.

Deadlines: Paramiko's timeouts (``banner_timeout``, ``auth_timeout``, a channel's timeout) apply
to each read, so a server sending one byte at a time never trips them. Each connection therefore
runs under the active :class:`~tagpilot.deadline.Deadline` (the Git operation's ``timeout``,
bounded by any enclosing budget): every connect and read gets at most the time left, and a
watchdog closes the connection when the deadline passes, whatever it is blocked on (banner, key
exchange, authentication, a channel read or a write into a full window). The operation then
fails with :class:`~tagpilot.deadline.DeadlineExceededError`, which
:func:`tagpilot.source.remote.translate_errors` reports as a ``GitTimeoutError``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from typing import IO

import paramiko
from dulwich.client import SSHVendor

from tagpilot.deadline import Deadline, DeadlineExceededError
from tagpilot.source.errors import (
    AuthenticationError,
    GitTransportError,
    HostKeyMismatchError,
    InvalidAuthError,
    UnknownHostKeyError,
)

#: Paramiko's transport threads log every failure with a traceback at ERROR; those failures reach
#: the caller as typed errors, so its log goes to this quiet channel (lower its level to debug).
PARAMIKO_LOG_CHANNEL = __name__ + ".paramiko"
logging.getLogger(PARAMIKO_LOG_CHANNEL).setLevel(logging.CRITICAL)

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


class _Watchdog:
    """Shut ``sock`` down once ``deadline`` has passed, unless cancelled first.

    ``shutdown`` (not ``close``) wakes every thread blocked on the connection (Paramiko's
    transport reader, a pending ``start_client``, a channel read) while the descriptor stays
    allocated: closing it under a thread still polling it could let a new socket reuse the
    number and that thread read from it. The owner closes the socket once the reader is gone
    (:func:`_close`).
    """

    def __init__(self, deadline: Deadline, sock: socket.socket) -> None:
        self.fired = threading.Event()
        self._sock = sock
        self._lock = threading.Lock()
        self._cancelled = False
        # A hair after the end, so that ``deadline.expired`` holds when the abort is seen.
        self._timer = threading.Timer(max(deadline.left(), 0.0) + 0.01, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self.fired.set()
            _shutdown(self._sock)

    def cancel(self) -> None:
        """After this returns the watchdog never touches the socket."""
        self._timer.cancel()
        with self._lock:
            self._cancelled = True


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


def _close(client: paramiko.SSHClient, sock: socket.socket) -> None:
    """Close the connection once Paramiko's reader thread has stopped reading it."""
    _shutdown(sock)
    transport = client.get_transport()
    if transport is not None and transport.is_alive():
        transport.join(2.0)  # it sees EOF at once after the shutdown
    client.close()
    sock.close()


class _ChannelWrapper:
    """The file-like object dulwich's protocol expects, over a Paramiko channel."""

    def __init__(
        self,
        client: paramiko.SSHClient,
        channel: paramiko.Channel,
        sock: socket.socket,
        *,
        deadline: Deadline,
        watchdog: _Watchdog,
        read_timeout: float,
    ) -> None:
        self._client = client
        self._channel = channel
        self._sock = sock
        self._deadline = deadline
        self._watchdog = watchdog
        self._read_timeout = read_timeout

    @property
    def stderr(self) -> IO[bytes]:
        stream: IO[bytes] = self._channel.makefile_stderr("rb")
        return stream

    def can_read(self) -> bool:
        return bool(self._channel.recv_ready())

    def write(self, data: bytes) -> None:
        self._check("SSH write")
        try:
            self._channel.sendall(data)
        except OSError:
            self._check("SSH write")
            raise

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

    def _check(self, what: str) -> float:
        if self._watchdog.fired.is_set():
            raise DeadlineExceededError(
                f"{what}: deadline of {self._deadline.budget():g}s exceeded"
            )
        return self._deadline.check(what)

    def _recv(self, n: int) -> bytes:
        self._channel.settimeout(min(self._read_timeout, self._check("SSH read")))
        try:
            data = bytes(self._channel.recv(n))
        except TimeoutError as exc:
            self._check("SSH read")
            raise GitTransportError("SSH read timed out") from exc
        if not data:
            self._check("SSH read")  # closed by the watchdog, not by the server
        return data

    def close(self) -> None:
        self._watchdog.cancel()
        self._channel.close()
        _close(self._client, self._sock)


class ParamikoSSHVendor(SSHVendor):
    """Open SSH command channels with an in-memory key and strict host-key checking.

    Parameters
    ----------
    identity:
        The private key.
    known_hosts:
        Parsed trusted host keys (:func:`parse_known_hosts`).
    timeout:
        The deadline of each connection (connect, handshake, authentication and transfer
        together) when no deadline is active; the active one bounds it (see the module notes).
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
        deadline = Deadline(self._timeout)  # nested in the operation's deadline, if active
        what = f"SSH connection to {host}"
        try:
            sock = socket.create_connection(
                (host, port or 22), timeout=min(self._timeout, deadline.check(what))
            )
        except TimeoutError as exc:
            deadline.check(what)
            raise GitTransportError(f"{what} failed: {exc}") from None
        except OSError as exc:
            raise GitTransportError(f"{what} failed: {exc}") from None
        client = paramiko.SSHClient()
        client.set_log_channel(PARAMIKO_LOG_CHANNEL)
        client.set_missing_host_key_policy(_RejectUnknownHost())
        for name, entries in self._known_hosts.items():
            for key_type, key in entries.items():
                client.get_host_keys().add(name, key_type, key)
        watchdog = _Watchdog(deadline, sock)
        try:
            step = min(self._timeout, deadline.check(what))
            client.connect(
                host,
                port=port or 22,
                username=username or "git",
                pkey=self._identity,
                sock=sock,
                timeout=step,
                banner_timeout=step,
                auth_timeout=step,
                channel_timeout=step,
                allow_agent=False,
                look_for_keys=False,
            )
            transport = client.get_transport()
            if transport is None:
                raise paramiko.SSHException("the connection closed")
            channel = transport.open_session(timeout=min(self._timeout, deadline.check(what)))
            channel.settimeout(min(self._timeout, deadline.check(what)))
            channel.exec_command(command.decode("utf-8") if isinstance(command, bytes) else command)
        except Exception as exc:  # noqa: BLE001 - closed on any failure, then mapped below
            watchdog.cancel()
            _close(client, sock)
            if watchdog.fired.is_set() or deadline.expired:
                raise DeadlineExceededError(
                    f"{what}: deadline of {deadline.budget():g}s exceeded"
                ) from None
            raise _connect_error(exc, host) from None
        return _ChannelWrapper(
            client, channel, sock, deadline=deadline, watchdog=watchdog, read_timeout=self._timeout
        )


def _connect_error(exc: Exception, host: str) -> Exception:
    if isinstance(exc, UnknownHostKeyError | DeadlineExceededError):
        return exc
    if isinstance(exc, paramiko.BadHostKeyException):
        return HostKeyMismatchError(
            f"host key for {host} does not match known_hosts ({exc.key.get_name()})"
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return AuthenticationError(f"SSH authentication to {host} failed")
    if isinstance(exc, TimeoutError | paramiko.SSHException | OSError | EOFError):
        return GitTransportError(f"SSH connection to {host} failed: {exc}")
    return exc
