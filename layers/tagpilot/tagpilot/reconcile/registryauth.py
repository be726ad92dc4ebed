"""Build the registry credentials of an ImageRepository from its secret references."""

from __future__ import annotations

from typing import Any

from tagpilot.api.imagerepository import ImageRepositorySpec
from tagpilot.api.ocirepository import OCIRepositorySpec
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.credentials import auth_from_secrets, proxy_from_secret, tls_from_secret
from tagpilot.registry.errors import AuthConfigError
from tagpilot.registry.names import ImageName
from tagpilot.store.errors import SecretNotFoundError


def _secret(secrets: Any, namespace: str, name: str | None, field: str) -> dict[str, str] | None:
    if not name:
        return None
    try:
        return dict(secrets.get(namespace, name, use="registry").data)
    except SecretNotFoundError as exc:
        raise AuthConfigError(f"{field}: secret '{namespace}/{name}' not found") from exc


def build_registry_auth(
    spec: ImageRepositorySpec | OCIRepositorySpec,
    namespace: str,
    image: ImageName,
    secrets: Any,
    ecr: Any,
) -> RegistryAuth:
    """Flux's auth options: ``secretRef`` (generic), ``provider: aws`` (ECR), TLS and proxy.

    Raises
    ------
    AuthConfigError
        A referenced secret is missing or malformed (-> Ready=False ``AuthenticationFailed``).
    """
    docker = _secret(secrets, namespace, spec.secret_ref, "secretRef")
    cert = _secret(secrets, namespace, spec.cert_secret_ref, "certSecretRef")
    proxy = _secret(secrets, namespace, spec.proxy_secret_ref, "proxySecretRef")
    if spec.provider == "aws":
        tls = tls_from_secret(cert, "certSecretRef").config if cert is not None else None
        proxy_url = proxy_from_secret(proxy, "proxySecretRef") if proxy is not None else None
        return RegistryAuth.aws(ecr, tls=tls, insecure=spec.insecure, proxy=proxy_url)
    return auth_from_secrets(
        image.registry,
        docker_secret=docker,
        cert_secret=cert,
        proxy_secret=proxy,
        insecure=spec.insecure,
    )
