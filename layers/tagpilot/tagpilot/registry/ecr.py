"""Provider ``aws``: Amazon ECR authorization tokens as Basic credentials.

ECR answers ``401`` with a Basic challenge; the password is the decoded
``GetAuthorizationToken`` token (``AWS:<password>``). Tokens live 12 hours; they are cached per
(account, region) until ``expiresAt`` minus a margin, so a warm Lambda calls ECR rarely.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.registry.auth import BasicCredentials
from tagpilot.registry.errors import AuthConfigError

# Flux (fluxcd/pkg auth/aws) accepts these ECR hosts, including FIPS and the isolated partitions.
_ECR_HOST = re.compile(
    r"^([0-9]{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\."
    r"(?:amazonaws\.com(?:\.cn)?|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$"
)
DEFAULT_MARGIN = 300.0


def parse_ecr_host(host: str) -> tuple[str, str]:
    """``(account, region)`` of an ECR registry host.

    Raises
    ------
    AuthConfigError
        ``host`` is not an ECR registry (Flux: ``AuthenticationFailed``).

    Examples
    --------
    >>> parse_ecr_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    ('123456789012', 'eu-west-1')
    """
    match = _ECR_HOST.match(host)
    if match is None:
        raise AuthConfigError(f"invalid ECR registry host '{host}' for provider aws")
    return match.group(1), match.group(2)


class EcrCredentialProvider:
    """Fetch and cache ECR credentials.

    Parameters
    ----------
    ecr_client:
        A boto3 ECR client; used for registries in its own region.
    client_factory:
        ``region -> ECR client`` for registries in other regions (e.g.
        ``lambda r: boto3.client("ecr", region_name=r)``); without it such registries fail.
    clock:
        Wall clock in epoch seconds (``expiresAt`` is absolute).
    margin:
        Seconds before ``expiresAt`` at which a cached token is refreshed.
    """

    def __init__(
        self,
        ecr_client: Any = None,
        *,
        client_factory: Callable[[str], Any] | None = None,
        clock: Callable[[], float] = time.time,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self._clients: dict[str, Any] = {}
        if ecr_client is not None:
            self._clients[ecr_client.meta.region_name] = ecr_client
        self._factory = client_factory
        self._clock = clock
        self._margin = margin
        self._cache: dict[tuple[str, str], tuple[BasicCredentials, float]] = {}
        self._lock = threading.Lock()

    def credentials(self, host: str) -> BasicCredentials:
        """Basic credentials for the ECR registry ``host``; cached until near expiry."""
        account, region = parse_ecr_host(host)
        key = (account, region)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and self._clock() < cached[1] - self._margin:
                return cached[0]
            creds, expires_at = self._fetch(region, host)
            self._cache[key] = (creds, expires_at)
            return creds

    def _client(self, region: str) -> Any:
        client = self._clients.get(region)
        if client is None:
            if self._factory is None:
                raise AuthConfigError(f"no ECR client configured for region '{region}'")
            client = self._clients[region] = self._factory(region)
        return client

    def _fetch(self, region: str, host: str) -> tuple[BasicCredentials, float]:
        try:
            response = self._client(region).get_authorization_token()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            raise AuthConfigError(
                f"failed to get ECR authorization token for {host}: {code}"
            ) from None
        except BotoCoreError as exc:
            raise AuthConfigError(
                f"failed to get ECR authorization token for {host}: {type(exc).__name__}"
            ) from None
        data = response.get("authorizationData") or []
        if not data or "authorizationToken" not in data[0]:
            raise AuthConfigError(f"ECR returned no authorization data for {host}")
        try:
            decoded = base64.b64decode(data[0]["authorizationToken"], validate=True).decode()
        except (binascii.Error, ValueError):
            raise AuthConfigError(f"ECR returned an undecodable token for {host}") from None
        user, sep, password = decoded.partition(":")
        if not sep:
            raise AuthConfigError(f"ECR returned a malformed token for {host}")
        expires = data[0].get("expiresAt")
        # Without an expiry, keep the token for an hour (ECR tokens last 12 hours).
        expires_at = expires.timestamp() if expires is not None else self._clock() + 3600.0
        return BasicCredentials(user, password), expires_at
