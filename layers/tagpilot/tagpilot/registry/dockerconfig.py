"""Docker config JSON (``.dockerconfigjson``) parsing and host matching, as Flux does it.

Flux (IRC ``AuthFromSecret``) reduces every ``auths`` key to its URL host (``https://`` is added
when the key has no scheme, then everything but ``host[:port]`` is dropped) and looks the
registry up by exact host. So ``https://index.docker.io/v1/`` matches Docker Hub
(``index.docker.io``) while a plain ``docker.io`` key does not. Entries follow ggcr's
``AuthConfig``: a base64 ``auth`` (``user:pass``) wins over ``username``/``password``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tagpilot.registry.errors import AuthConfigError


@dataclass(frozen=True)
class DockerAuthEntry:
    """One ``auths`` entry, decoded."""

    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)
    registry_token: str = field(default="", repr=False)

    @property
    def has_basic(self) -> bool:
        """True when a username or password is present."""
        return bool(self.username or self.password)


@dataclass(frozen=True)
class DockerConfig:
    """``auths`` keyed by host (``ghcr.io``, ``index.docker.io``, ``localhost:5000``)."""

    auths: Mapping[str, DockerAuthEntry]

    def lookup(self, registry: str, source: str = "secret") -> DockerAuthEntry:
        """The entry for ``registry`` (exact host match), else :class:`AuthConfigError`."""
        entry = self.auths.get(registry)
        if entry is None:
            raise AuthConfigError(f'auth for "{registry}" not found in {source}')
        return entry


def parse_docker_config(raw: bytes | str) -> DockerConfig:
    """Parse docker config JSON text.

    Parameters
    ----------
    raw:
        The ``.dockerconfigjson`` value, e.g. ``{"auths": {"ghcr.io": {"auth": "dTpw"}}}``.

    Raises
    ------
    AuthConfigError
        Invalid JSON, a key without a host, or an undecodable ``auth`` field. The message
        never contains credential values.
    """
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise AuthConfigError("docker config is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise AuthConfigError("docker config must be a JSON object")
    auths = _field(parsed, "auths")
    if auths is None:
        return DockerConfig({})
    if not isinstance(auths, dict):
        raise AuthConfigError("docker config 'auths' must be an object")
    result: dict[str, DockerAuthEntry] = {}
    for key, value in auths.items():
        result[url_host(key)] = _entry(key, value)
    return DockerConfig(result)


def url_host(key: str) -> str:
    """The ``host[:port]`` of an ``auths`` key (Flux ``getURLHost``)."""
    if key in ("http://", "https://"):
        raise AuthConfigError("docker config has an empty registry URL")
    rest = key
    for prefix in ("http://", "https://"):
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            break
    authority = rest
    for sep in "/?#":
        authority = authority.split(sep, 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if not host:
        raise AuthConfigError(f"docker config key '{key}' has no host")
    return host


def _field(obj: Mapping[str, Any], name: str) -> Any:
    """Go's encoding/json matches struct fields case-insensitively; exact case first."""
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if key.lower() == name:
            return value
    return None


def _entry(key: str, value: Any) -> DockerAuthEntry:
    if not isinstance(value, dict):
        raise AuthConfigError(f"docker config entry '{key}' must be an object")
    strings = {}
    for name in ("username", "password", "auth", "identitytoken", "registrytoken"):
        item = _field(value, name)
        if item is not None and not isinstance(item, str):
            raise AuthConfigError(f"docker config entry '{key}': '{name}' must be a string")
        strings[name] = item or ""
    username, password = strings["username"], strings["password"]
    if strings["auth"]:
        username, password = _decode_auth(key, strings["auth"])
    return DockerAuthEntry(username, password, strings["identitytoken"], strings["registrytoken"])


def _decode_auth(key: str, field_value: str) -> tuple[str, str]:
    """ggcr ``decodeDockerConfigFieldAuth``: padded or unpadded standard base64 of ``u:p``."""
    text = field_value.strip()
    try:
        if text.endswith("="):
            decoded = base64.b64decode(text, validate=True)
        else:
            decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        user, sep, password = decoded.decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        raise AuthConfigError(f"docker config entry '{key}': unable to decode auth field") from None
    if not sep:
        raise AuthConfigError(
            f"docker config entry '{key}': auth must be formatted as base64(username:password)"
        )
    return user, password
