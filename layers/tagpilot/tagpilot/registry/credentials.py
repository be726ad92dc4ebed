"""Turn decoded secret data into :class:`~tagpilot.registry.auth.RegistryAuth` pieces.

The functions take plain mappings of key -> decoded value (``bytes`` or ``str``), so the caller
can feed them from Secrets Manager, a Kubernetes ``Secret`` manifest or a test. Error messages
name keys, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from tagpilot.registry.auth import RegistryAuth, TLSConfig
from tagpilot.registry.dockerconfig import DockerConfig, parse_docker_config
from tagpilot.registry.errors import AuthConfigError

SecretData = Mapping[str, bytes | str]

DOCKER_CONFIG_KEY = ".dockerconfigjson"
# (current key, deprecated key) pairs of a certSecretRef, as Flux reads them.
_TLS_KEYS = (("ca.crt", "caFile"), ("tls.crt", "certFile"), ("tls.key", "keyFile"))


@dataclass(frozen=True)
class TLSSecret:
    """A parsed ``certSecretRef``; ``deprecated_keys`` lists ``caFile``-style keys that were used
    (Flux logs a warning for them)."""

    config: TLSConfig
    deprecated_keys: tuple[str, ...] = ()


def docker_config_from_secret(data: SecretData, source: str = "secret") -> DockerConfig:
    """Parse the ``.dockerconfigjson`` key of a ``kubernetes.io/dockerconfigjson`` secret.

    Raises
    ------
    AuthConfigError
        The key is missing or its JSON is invalid.
    """
    raw = data.get(DOCKER_CONFIG_KEY)
    if raw is None:
        raise AuthConfigError(f"{source} has no '{DOCKER_CONFIG_KEY}' key")
    return parse_docker_config(raw)


def tls_from_secret(data: SecretData, source: str = "secret") -> TLSSecret:
    """Read ``ca.crt``, ``tls.crt``, ``tls.key`` (or the deprecated ``caFile``-style keys).

    Raises
    ------
    AuthConfigError
        Neither a CA nor a certificate pair, or a certificate without its key (or vice versa).
    """
    values: list[bytes | None] = []
    deprecated: list[str] = []
    for name, old_name in _TLS_KEYS:
        value = data.get(name)
        if not value and data.get(old_name):
            value = data[old_name]
            deprecated.append(old_name)
        values.append(_as_bytes(value) if value else None)
    ca, cert, key = values
    if (cert is None) != (key is None):
        raise AuthConfigError(f"{source} must contain both 'tls.crt' and 'tls.key'")
    if ca is None and cert is None:
        raise AuthConfigError(f"{source} must contain 'ca.crt' and/or 'tls.crt' and 'tls.key'")
    return TLSSecret(TLSConfig(ca, cert, key), tuple(deprecated))


def proxy_from_secret(data: SecretData, source: str = "secret") -> str:
    """The proxy URL of a ``proxySecretRef`` (``address``, optional ``username``/``password``)."""
    address = data.get("address")
    if not address:
        raise AuthConfigError(f"{source} has no 'address' key")
    url = _as_text(address).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthConfigError(f"{source}: 'address' must be an http(s) URL")
    username = data.get("username")
    if not username:
        return url
    password = _as_text(data.get("password") or "")
    userinfo = f"{quote(_as_text(username), safe='')}:{quote(password, safe='')}"
    return parts._replace(netloc=f"{userinfo}@{parts.netloc.rsplit('@', 1)[-1]}").geturl()


def auth_from_secrets(
    registry: str,
    *,
    docker_secret: SecretData | None = None,
    cert_secret: SecretData | None = None,
    proxy_secret: SecretData | None = None,
    insecure: bool = False,
) -> RegistryAuth:
    """Build the ``generic`` provider's auth for ``registry`` from the referenced secrets.

    Examples
    --------
    >>> auth = auth_from_secrets("ghcr.io", docker_secret={
    ...     ".dockerconfigjson": '{"auths": {"ghcr.io": {"username": "u", "password": "p"}}}'})
    >>> auth.basic.username
    'u'
    """
    tls = tls_from_secret(cert_secret, "certSecretRef").config if cert_secret is not None else None
    proxy = proxy_from_secret(proxy_secret, "proxySecretRef") if proxy_secret is not None else None
    if docker_secret is None:
        return RegistryAuth.anonymous(tls=tls, insecure=insecure, proxy=proxy)
    config = docker_config_from_secret(docker_secret, "secretRef")
    return RegistryAuth.from_docker_config(
        config, registry, tls=tls, insecure=insecure, proxy=proxy, source="secretRef"
    )


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _as_text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
