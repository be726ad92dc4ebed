"""Typed errors of :mod:`tagpilot.source` (Git access).

Callers branch on these types, never on the message. Messages never contain credentials: URLs
are shown without their user-info part.
"""

from __future__ import annotations

from tagpilot.errors import TagpilotError


class SourceError(TagpilotError):
    """Base class of every Git error raised by tagpilot."""


class InvalidURLError(SourceError):
    """The repository URL cannot be used (bad syntax, unsupported scheme)."""


class InvalidAuthError(SourceError):
    """The credentials do not fit the transport (e.g. SSH without ``known_hosts``)."""


class AuthenticationError(SourceError):
    """The server refused the credentials (HTTP 401/403, SSH authentication failure)."""


class HostKeyError(SourceError):
    """The SSH server's host key failed strict ``known_hosts`` checking."""


class UnknownHostKeyError(HostKeyError):
    """``known_hosts`` holds no key for the server."""


class HostKeyMismatchError(HostKeyError):
    """``known_hosts`` holds a key for the server, but the server presented another one."""


class GitTransportError(SourceError):
    """Connection, TLS, timeout or protocol failure while talking to the server."""


class GitTimeoutError(GitTransportError):
    """The operation did not finish within its deadline (``GitRepository.spec.timeout``)."""


class RepositoryNotFoundError(SourceError):
    """The server has no repository at that path."""


class RefNotFoundError(SourceError):
    """The requested branch, tag, reference or commit does not exist on the remote."""


class InvalidRefError(SourceError):
    """A checkout reference or refspec is malformed."""


class UnsupportedRefError(SourceError):
    """The checkout reference kind is recognised but not supported (``semver``)."""


class InvalidPathError(SourceError):
    """A path inside the repository is malformed."""


class PathNotFoundError(SourceError):
    """The update path does not exist in the checked-out tree."""


class SigningKeyError(SourceError):
    """The commit signing key is missing, malformed, ambiguous or cannot be unlocked."""


class GitPushError(SourceError):
    """The push failed; the message carries the server's reason."""


class PushRejectedError(GitPushError):
    """The remote branch moved: not a fast-forward, or another push updated it during ours."""


class PushOptionsUnsupportedError(GitPushError):
    """Push options were given but the server does not advertise ``push-options``."""


class CommitError(SourceError):
    """A commit could not be built (e.g. a changed path is not a file in the tree)."""
