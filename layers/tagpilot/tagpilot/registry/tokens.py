"""Bearer tokens (distribution token auth) and their cache.

A token is fetched from the challenge's ``realm`` with ``service`` and ``scope`` (GET with Basic
credentials, or an OAuth2 refresh-token POST for a docker config ``identitytoken``, falling back
to GET on 404 as ggcr does). Tokens are cached per (realm, service, scope, credential
fingerprint) until ``expires_in`` (default 60 s) minus a small margin; the last challenge of
each registry is cached too, so later scans send a cached token without a 401 round trip.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from tagpilot.registry.auth import BasicCredentials
from tagpilot.registry.challenge import Challenge
from tagpilot.registry.errors import (
    ForbiddenError,
    MalformedResponseError,
    RegistryError,
    UnauthorizedError,
)
from tagpilot.registry.transport import Deadline, check_status, send

DEFAULT_EXPIRES_IN = 60.0
_EXPIRY_MARGIN = 5.0
_CLIENT_ID = "tagpilot"


@dataclass(frozen=True)
class TokenKey:
    """What a cached token is valid for."""

    realm: str
    service: str
    scope: str
    identity: str


class TokenCache:
    """Thread-safe, bounded cache of bearer tokens and of each registry's last challenge."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._tokens: OrderedDict[TokenKey, tuple[str, float]] = OrderedDict()
        self._challenges: dict[str, Challenge] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: TokenKey, now: float) -> str | None:
        """The token for ``key`` if it is still valid at ``now`` (client clock)."""
        with self._lock:
            item = self._tokens.get(key)
            if item is None:
                return None
            if now >= item[1]:
                del self._tokens[key]
                return None
            return item[0]

    def put(self, key: TokenKey, token: str, expires_at: float) -> None:
        """Remember ``token`` until ``expires_at`` (client clock)."""
        with self._lock:
            self._tokens[key] = (token, expires_at)
            self._tokens.move_to_end(key)
            while len(self._tokens) > self._max:
                self._tokens.popitem(last=False)

    def discard(self, key: TokenKey) -> None:
        """Forget a token the registry refused."""
        with self._lock:
            self._tokens.pop(key, None)

    def challenge(self, origin: str) -> Challenge | None:
        """The last challenge seen from ``origin`` (``scheme://host``)."""
        with self._lock:
            return self._challenges.get(origin)

    def remember_challenge(self, origin: str, challenge: Challenge) -> None:
        """Store ``origin``'s challenge for the next operation."""
        with self._lock:
            if len(self._challenges) >= self._max:
                self._challenges.clear()
            self._challenges[origin] = challenge


def fetch_token(
    session: requests.Session,
    challenge: Challenge,
    scopes: list[str],
    *,
    basic: BasicCredentials | None,
    identity_token: str | None,
    deadline: Deadline,
    allow_http: bool,
    proxies: dict[str, str] | None,
) -> tuple[str, float]:
    """Request a token for ``scopes``; returns ``(token, expires_in seconds)``.

    Raises
    ------
    UnauthorizedError
        The token endpoint refused the credentials (401/403), or credentials would be sent to
        a plain-HTTP realm without ``insecure``.
    MalformedResponseError
        The answer is not JSON or carries no ``token``/``access_token``.
    """
    realm = challenge.get("realm")
    parts = urlsplit(realm)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MalformedResponseError(f"bearer challenge has an invalid realm '{realm}'")
    has_secret = basic is not None or identity_token is not None
    if has_secret and parts.scheme == "http" and not allow_http:
        raise UnauthorizedError(
            f"refusing to send credentials to plain-HTTP token realm {realm} (set insecure: true)"
        )
    service = challenge.get("service")
    response = None
    if identity_token is not None:
        form = {"grant_type": "refresh_token", "refresh_token": identity_token}
        form.update({"client_id": _CLIENT_ID, "scope": " ".join(scopes)})
        if service:
            form["service"] = service
        response = send(
            session, "POST", realm, deadline=deadline, headers={}, data=form, proxies=proxies
        )
        if response.status_code == 404:  # not every token server implements OAuth2
            response = None
    if response is None:
        params: list[tuple[str, str]] = [("service", service)] if service else []
        params += [("scope", scope) for scope in scopes]
        auth = (basic.username, basic.password) if basic is not None else None
        response = send(
            session,
            "GET",
            realm,
            deadline=deadline,
            headers={},
            params=params,
            auth=auth,
            proxies=proxies,
        )
    _check_token_status(response, realm)
    return _parse_token(response, realm)


def _check_token_status(response: requests.Response, realm: str) -> None:
    try:
        check_status(response, RegistryError)
    except (UnauthorizedError, ForbiddenError) as exc:
        raise UnauthorizedError(
            f"token request to {realm} was refused: {exc}", status=exc.status, codes=exc.codes
        ) from None


def _parse_token(response: requests.Response, realm: str) -> tuple[str, float]:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise MalformedResponseError(f"token response from {realm} is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedResponseError(f"token response from {realm} is not a JSON object")
    token = body.get("token") or body.get("access_token")
    if not isinstance(token, str) or not token:
        raise MalformedResponseError(f"token response from {realm} has no token")
    expires_in = body.get("expires_in")
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool) or expires_in <= 0:
        expires_in = DEFAULT_EXPIRES_IN
    return token, max(0.0, float(expires_in) - _EXPIRY_MARGIN)
