"""What the registry client needs to reach one repository: credentials, TLS, scheme, proxy.

:class:`RegistryAuth` is a frozen value built once per scan from the ImageRepository spec and its
secrets (see :mod:`tagpilot.registry.credentials`). Secret fields are left out of ``repr``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tagpilot.registry.dockerconfig import DockerConfig

if TYPE_CHECKING:
    from tagpilot.registry.ecr import EcrCredentialProvider

PROVIDERS = ("generic", "aws")


@dataclass(frozen=True)
class BasicCredentials:
    """A username and password (from a docker config, or an ECR token)."""

    username: str
    password: str = field(repr=False)

    def identity(self) -> str:
        """A one-way fingerprint, used to key cached tokens without holding the secret."""
        raw = f"{self.username}\0{self.password}".encode()
        return hashlib.sha256(raw).hexdigest()[:24]


@dataclass(frozen=True)
class TLSConfig:
    """PEM material from a ``certSecretRef``; the system CA pool is always kept (as in Flux)."""

    ca_pem: bytes | None = field(default=None, repr=False)
    client_cert_pem: bytes | None = field(default=None, repr=False)
    client_key_pem: bytes | None = field(default=None, repr=False)

    def fingerprint(self) -> str:
        """A digest of the material, to share one TLS session between equal configs."""
        digest = hashlib.sha256()
        for part in (self.ca_pem, self.client_cert_pem, self.client_key_pem):
            digest.update(part or b"")
            digest.update(b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class RegistryAuth:
    """Credentials and connection settings for one registry.

    Attributes
    ----------
    basic:
        Username/password, or ``None`` for anonymous access.
    identity_token, registry_token:
        Docker config ``identitytoken`` (OAuth2 refresh token) / ``registrytoken`` (bearer).
    provider:
        ``generic`` or ``aws`` (credentials come from ``ecr`` at request time).
    tls:
        Extra CA and client certificate, or ``None``.
    insecure:
        Plain HTTP. tagpilot never uses HTTP otherwise.
    proxy:
        Proxy URL for ``http`` and ``https`` (``proxySecretRef``), or ``None``.
    """

    basic: BasicCredentials | None = None
    identity_token: str | None = field(default=None, repr=False)
    registry_token: str | None = field(default=None, repr=False)
    provider: str = "generic"
    ecr: EcrCredentialProvider | None = field(default=None, repr=False, compare=False)
    tls: TLSConfig | None = None
    insecure: bool = False
    proxy: str | None = field(default=None, repr=False)

    @classmethod
    def anonymous(
        cls, *, tls: TLSConfig | None = None, insecure: bool = False, proxy: str | None = None
    ) -> RegistryAuth:
        """No credentials (public repositories, or a registry's anonymous token)."""
        return cls(tls=tls, insecure=insecure, proxy=proxy)

    @classmethod
    def with_basic(
        cls,
        username: str,
        password: str,
        *,
        tls: TLSConfig | None = None,
        insecure: bool = False,
        proxy: str | None = None,
    ) -> RegistryAuth:
        """Username and password, used for Basic challenges and for Bearer token requests."""
        return cls(
            basic=BasicCredentials(username, password), tls=tls, insecure=insecure, proxy=proxy
        )

    @classmethod
    def from_docker_config(
        cls,
        config: DockerConfig,
        registry: str,
        *,
        tls: TLSConfig | None = None,
        insecure: bool = False,
        proxy: str | None = None,
        source: str = "secret",
    ) -> RegistryAuth:
        """The entry of ``config`` for ``registry`` (Flux: error when the host has no entry).

        Raises
        ------
        AuthConfigError
            ``auth for "<registry>" not found in <source>``.
        """
        entry = config.lookup(registry, source=source)
        basic = BasicCredentials(entry.username, entry.password) if entry.has_basic else None
        return cls(
            basic=basic,
            identity_token=entry.identity_token or None,
            registry_token=entry.registry_token or None,
            tls=tls,
            insecure=insecure,
            proxy=proxy,
        )

    @classmethod
    def aws(
        cls,
        ecr: EcrCredentialProvider,
        *,
        tls: TLSConfig | None = None,
        insecure: bool = False,
        proxy: str | None = None,
    ) -> RegistryAuth:
        """Provider ``aws``: ECR authorization tokens from ``ecr`` (cached there)."""
        return cls(provider="aws", ecr=ecr, tls=tls, insecure=insecure, proxy=proxy)

    def with_tls(self, tls: TLSConfig | None) -> RegistryAuth:
        """A copy with other TLS settings."""
        return replace(self, tls=tls)

    def proxies(self) -> dict[str, str] | None:
        """The ``requests`` proxies mapping, or ``None`` to use the session's own."""
        if not self.proxy:
            return None
        return {"http": self.proxy, "https": self.proxy}
