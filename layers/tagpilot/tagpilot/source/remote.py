"""Open a dulwich client for a remote URL with tagpilot's credentials and strict TLS/SSH checks.

``open_remote`` is the only place that builds Git transports; everything else takes the returned
:class:`Remote`, so tests and the automation can inject their own.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import urllib3
from dulwich.client import (
    GitClient,
    HTTPUnauthorized,
    SSHGitClient,
    Urllib3HttpGitClient,
    default_user_agent_string,
)
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository

from tagpilot.deadline import Deadline
from tagpilot.httpdeadline import enforce_deadlines
from tagpilot.source.auth import GitAuth
from tagpilot.source.errors import (
    AuthenticationError,
    GitTimeoutError,
    GitTransportError,
    InvalidAuthError,
    RepositoryNotFoundError,
    SourceError,
)
from tagpilot.source.ssh import ParamikoSSHVendor, load_private_key, parse_known_hosts
from tagpilot.source.urls import GitURL, parse_git_url

#: Flux's default ``GitRepository.spec.timeout``.
DEFAULT_TIMEOUT = 60.0


class _RecordsReceiveCapabilities:
    """Remember what ``git-receive-pack`` advertised, so a push can check ``push-options``."""

    receive_capabilities: frozenset[bytes] = frozenset()

    def _negotiate_receive_pack_capabilities(
        self, server_capabilities: set[bytes]
    ) -> tuple[set[bytes], bytes | None]:
        self.receive_capabilities = frozenset(server_capabilities)
        return super()._negotiate_receive_pack_capabilities(server_capabilities)  # type: ignore[misc,no-any-return]


class _HttpClient(_RecordsReceiveCapabilities, Urllib3HttpGitClient):
    def __init__(self, *args: Any, display_url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._display_url = display_url

    def _http_request(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        data: bytes | Iterator[bytes] | None = None,
        raise_for_status: bool = True,
    ) -> tuple[Any, Callable[[int], bytes]]:
        resp, read = super()._http_request(url, headers, data, raise_for_status=False)
        if raise_for_status and resp.status != 200:
            status = resp.status
            resp.close()
            if status in (401, 403):
                raise AuthenticationError(
                    f"{self._display_url}: server refused the credentials (HTTP {status})"
                )
            if status == 404:
                raise RepositoryNotFoundError(f"{self._display_url}: repository not found")
            raise GitTransportError(f"{self._display_url}: unexpected HTTP status {status}")
        return resp, read


class _SSHClient(_RecordsReceiveCapabilities, SSHGitClient):
    pass


@dataclass
class Remote:
    """An open Git remote: a dulwich client plus the repository path on the server.

    Attributes
    ----------
    client:
        The dulwich client.
    path:
        Repository path as the client expects it.
    url:
        The URL without password, for messages.
    """

    client: GitClient
    path: str
    url: str
    timeout: float = DEFAULT_TIMEOUT
    _closed: bool = field(default=False, repr=False)

    @property
    def path_bytes(self) -> bytes:
        return self.path.encode("utf-8")

    def supports_push_options(self) -> bool:
        """Whether the last receive-pack advertisement listed ``push-options``."""
        caps: frozenset[bytes] = getattr(self.client, "receive_capabilities", frozenset())
        return b"push-options" in caps

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.client.close()

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_remote(url: str, auth: GitAuth | None = None, timeout: float = DEFAULT_TIMEOUT) -> Remote:
    """Open a remote for fetch and push.

    Parameters
    ----------
    url:
        ``https://``, ``http://``, ``ssh://`` or scp-like ``user@host:path``.
    auth:
        Credentials (see :class:`GitAuth`); ``None`` means anonymous HTTP(S).
    timeout:
        The deadline of each Git operation (``ls-remote``, fetch, push): over HTTP it bounds
        connect, request and response together, however slowly the server sends; over SSH it
        bounds each connect and read. An enclosing active deadline (e.g. the Lambda
        invocation's) shortens it.

    Returns
    -------
    Remote

    Raises
    ------
    InvalidURLError, InvalidAuthError

    Examples
    --------
    >>> with open_remote("https://example.com/org/repo.git") as remote:  # doctest: +SKIP
    ...     heads = ls_remote(remote)
    """
    parsed = parse_git_url(url)
    auth = auth or GitAuth()
    if parsed.scheme == "ssh":
        return _open_ssh(parsed, auth, timeout)
    return _open_http(parsed, auth, timeout)


def _open_http(parsed: GitURL, auth: GitAuth, timeout: float) -> Remote:
    username = auth.username or parsed.username
    password = auth.password if auth.password is not None else parsed.password
    headers = {"User-Agent": default_user_agent_string()}
    if auth.bearer_token:
        headers["Authorization"] = f"Bearer {auth.bearer_token}"
        username = password = None
    elif password and not username:
        raise InvalidAuthError(
            f"invalid '{parsed.scheme}' auth option: 'password' requires 'username' to be set"
        )
    pool_kwargs: dict[str, Any] = {}
    if parsed.scheme == "https":
        context = ssl.create_default_context()
        if auth.ca_bundle:
            try:
                context.load_verify_locations(cadata=auth.ca_bundle.decode("ascii"))
            except (ssl.SSLError, ValueError, UnicodeDecodeError):
                raise InvalidAuthError("CA bundle is not a valid PEM certificate list") from None
        pool_kwargs["ssl_context"] = context
    pool = enforce_deadlines(
        urllib3.PoolManager(
            headers=headers,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=2, connect=2, read=0, redirect=5, status=0),
            **pool_kwargs,
        )
    )
    client = _HttpClient(
        parsed.base_url,
        pool_manager=pool,
        username=username or None,
        password=password,
        timeout=timeout,
        display_url=parsed.display,
    )
    return Remote(client=client, path=parsed.path, url=parsed.display, timeout=timeout)


def _open_ssh(parsed: GitURL, auth: GitAuth, timeout: float) -> Remote:
    if not auth.ssh_identity:
        raise InvalidAuthError("invalid 'ssh' auth option: 'identity' is required")
    if not auth.known_hosts:
        raise InvalidAuthError("invalid 'ssh' auth option: 'known_hosts' is required")
    vendor = ParamikoSSHVendor(
        load_private_key(auth.ssh_identity, auth.ssh_password),
        parse_known_hosts(auth.known_hosts),
        timeout,
    )
    client = _SSHClient(
        host=parsed.host,
        port=parsed.port,
        username=parsed.username or "git",
        vendor=vendor,
    )
    return Remote(client=client, path=parsed.path, url=parsed.display, timeout=timeout)


@contextmanager
def translate_errors(remote: Remote, action: str) -> Iterator[None]:
    """Run one Git operation within ``remote.timeout`` (bounded by any active deadline) and turn
    dulwich, urllib3 and socket failures into :mod:`tagpilot.source.errors` types."""
    deadline = Deadline(remote.timeout)
    try:
        with deadline.active():
            yield
    except SourceError:
        raise
    except (
        HTTPUnauthorized,
        NotGitRepository,
        GitProtocolError,
        OSError,
        urllib3.exceptions.HTTPError,
    ) as exc:
        if deadline.expired:
            raise GitTimeoutError(
                f"{action} {remote.url}: timed out (deadline of {deadline.budget():g}s exceeded)"
            ) from None
        raise _translate(exc, remote, action) from None


def _translate(exc: BaseException, remote: Remote, action: str) -> SourceError:
    if isinstance(exc, HTTPUnauthorized):
        return AuthenticationError(f"{action} {remote.url}: authentication required")
    if isinstance(exc, NotGitRepository):
        return RepositoryNotFoundError(f"{action} {remote.url}: repository not found")
    if isinstance(exc, HangupException):
        detail = b"\n".join(exc.stderr_lines).decode("utf-8", "replace") if exc.stderr_lines else ""
        return GitTransportError(f"{action} {remote.url}: remote hung up {detail}".rstrip())
    return GitTransportError(f"{action} {remote.url}: {exc}")
