"""Parsing of Git remote URLs: ``http(s)://``, ``ssh://`` and scp-like ``user@host:path``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from tagpilot.source.errors import InvalidURLError

# scp-like syntax: [user@]host:path, where the host part has no slash (else it is a local path).
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:\[\]]+|\[[^\]]+\]):(?P<path>.+)$")


@dataclass(frozen=True)
class GitURL:
    """A parsed remote URL. ``display`` never carries a password."""

    scheme: str
    host: str
    port: int | None
    path: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        netloc = self.host if ":" not in self.host else f"[{self.host}]"
        if self.port is not None:
            netloc += f":{self.port}"
        if self.username:
            netloc = f"{self.username}@{netloc}"
        return f"{self.scheme}://{netloc}{self.path}"

    @property
    def base_url(self) -> str:
        """``scheme://host[:port]`` without user-info (HTTP transports)."""
        netloc = self.host if ":" not in self.host else f"[{self.host}]"
        if self.port is not None:
            netloc += f":{self.port}"
        return f"{self.scheme}://{netloc}"


def parse_git_url(url: str) -> GitURL:
    """Parse a remote URL.

    Parameters
    ----------
    url:
        ``https://host/org/repo.git``, ``http://...``, ``ssh://[user@]host[:port]/path`` or
        scp-like ``[user@]host:path`` (path relative to the login directory).

    Raises
    ------
    InvalidURLError
        Unsupported scheme, missing host or path.

    Examples
    --------
    >>> parse_git_url("git@example.com:org/repo.git").path
    'org/repo.git'
    """
    if "://" not in url:
        match = _SCP_LIKE.fullmatch(url)
        if match is None:
            raise InvalidURLError(f"unsupported Git URL {_redact(url)!r}")
        return GitURL(
            scheme="ssh",
            host=match["host"].strip("[]"),
            port=None,
            path=match["path"],
            username=match["user"],
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidURLError(f"malformed Git URL {_redact(url)!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", "ssh"):
        raise InvalidURLError(f"unsupported Git URL scheme {scheme!r}")
    if not parts.hostname:
        raise InvalidURLError(f"Git URL {_redact(url)!r} has no host")
    path = parts.path or "/"
    if parts.query and scheme != "ssh":
        path += "?" + parts.query
    return GitURL(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        path=path,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _redact(url: str) -> str:
    # Drop anything that looks like user-info so passwords never reach a message.
    return re.sub(r"//[^/@]*@", "//***@", url)
