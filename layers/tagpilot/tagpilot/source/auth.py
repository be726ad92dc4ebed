"""Credentials for a Git remote, read from a Flux ``GitRepository`` secret.

Flux (``fluxcd/pkg/git.NewAuthOptions``) reads these keys of the secret's ``data``:

``username`` / ``password``
    HTTP basic authentication.
``bearerToken``
    ``Authorization: Bearer`` header; when present, ``username``/``password`` are ignored.
``identity`` / ``known_hosts``
    SSH private key (PEM or OpenSSH format) and the trusted host keys. For SSH, ``password``
    is the passphrase of ``identity``.
``ca.crt`` / ``caFile``
    PEM bundle of extra certificate authorities for HTTPS; ``ca.crt`` wins when both are set.

Which fields apply depends on the URL scheme, which is only known when the remote is opened
(:func:`tagpilot.source.remote.open_remote`), so :class:`GitAuth` keeps them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tagpilot.source.errors import InvalidAuthError


@dataclass(frozen=True)
class GitAuth:
    """Credentials for one Git remote. ``repr`` never shows secret values.

    Attributes
    ----------
    username, password:
        HTTP basic authentication.
    bearer_token:
        HTTP bearer token (takes precedence over basic authentication, as in Flux).
    ssh_identity, ssh_password:
        SSH private key bytes and its optional passphrase.
    known_hosts:
        ``known_hosts`` file content; required for SSH (strict checking, no auto-add).
    ca_bundle:
        PEM certificates trusted for HTTPS in addition to the system store.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    bearer_token: str | None = field(default=None, repr=False)
    ssh_identity: bytes | None = field(default=None, repr=False)
    ssh_password: str | None = field(default=None, repr=False)
    known_hosts: bytes | None = None
    ca_bundle: bytes | None = None

    @classmethod
    def from_secret(cls, data: Mapping[str, bytes]) -> GitAuth:
        """Build credentials from a Flux ``GitRepository`` secret's decoded ``data``.

        Parameters
        ----------
        data:
            Secret keys to raw (base64-decoded) values. Unknown keys are ignored.

        Returns
        -------
        GitAuth

        Raises
        ------
        InvalidAuthError
            A value that must be text is not UTF-8.

        Examples
        --------
        >>> GitAuth.from_secret({"username": b"git", "password": b"s3cret"}).username
        'git'
        """
        ca = data.get("ca.crt") or data.get("caFile") or None
        identity = data.get("identity") or None
        password = _text(data, "password")
        return cls(
            username=_text(data, "username"),
            password=password,
            bearer_token=_text(data, "bearerToken"),
            ssh_identity=identity,
            ssh_password=password if identity is not None else None,
            known_hosts=data.get("known_hosts") or None,
            ca_bundle=ca,
        )


def _text(data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidAuthError(f"secret key {key!r} is not valid UTF-8") from None
