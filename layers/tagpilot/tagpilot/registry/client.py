"""OCI distribution client: list all tags of a repository, look up a tag's digest.

Flux semantics: ``timeout`` is one deadline for building credentials and the whole listing
(every page); each request gets the time left. No retries here: the scan reconciler retries
with backoff, and every failure is a typed :mod:`tagpilot.registry.errors` error.

Authentication follows the registry's challenge: the first request goes out with whatever
the cache already holds (a bearer token or Basic credentials for this registry); on ``401`` the
``WWW-Authenticate`` challenge is answered once (Bearer token from the realm, or Basic) and the
request repeated. The authorization is then reused for every page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from tagpilot.registry.auth import BasicCredentials, RegistryAuth
from tagpilot.registry.challenge import Challenge, parse_www_authenticate
from tagpilot.registry.errors import (
    AuthConfigError,
    MalformedResponseError,
    ManifestNotFoundError,
    RepositoryNotFoundError,
)
from tagpilot.registry.names import ImageName
from tagpilot.registry.tls import TLSSessions
from tagpilot.registry.tokens import TokenCache, TokenKey, fetch_token
from tagpilot.registry.transport import Deadline, bound_by_deadlines, check_status, send

DEFAULT_PAGE_SIZE = 1000  # ggcr remote.List's default ``n``
MANIFEST_MEDIA_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.docker.distribution.manifest.v1+json",
)
_MANIFEST_ACCEPT = ", ".join(MANIFEST_MEDIA_TYPES)
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,\s]*))?)*)')
_REL = re.compile(r'(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))', re.IGNORECASE)


class RegistryClient:
    """A registry client sharing one ``requests`` session (and its connection pool).

    Parameters
    ----------
    session:
        Used for every plain request; TLS configs with an extra CA or client certificate get a
        cached session modelled on it.
    clock:
        Monotonic seconds, for the deadline and token expiry.
    token_cache:
        Shared bearer-token cache (one per process is ideal); a private one when ``None``.
    page_size:
        The ``n`` sent with the first ``tags/list`` request.

    Examples
    --------
    >>> client = RegistryClient(requests.Session())  # doctest: +SKIP
    >>> client.list_tags(parse_image_reference("ghcr.io/org/app"), RegistryAuth.anonymous(), 30)
    ... # doctest: +SKIP
    """

    def __init__(
        self,
        session: requests.Session,
        clock: Callable[[], float] = time.monotonic,
        token_cache: TokenCache | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._session = bound_by_deadlines(session)
        self._clock = clock
        self.token_cache = token_cache if token_cache is not None else TokenCache()
        self._tls_sessions = TLSSessions(session)
        self._page_size = page_size

    def list_tags(self, name: ImageName, auth: RegistryAuth, timeout: float) -> list[str]:
        """Every tag of ``name``, following ``Link: <...>; rel="next"`` to the last page.

        Raises
        ------
        RegistryError
            A subclass: :class:`RepositoryNotFoundError`, :class:`UnauthorizedError`,
            :class:`RateLimitedError`, :class:`RegistryTimeoutError`...
        """
        deadline = Deadline(timeout, self._clock)
        call = _Call(self, name, auth, deadline)
        url = f"{call.origin}/v2/{name.repository}/tags/list"
        if self._page_size > 0:
            url += f"?n={self._page_size}"
        seen = {url}
        tags: list[str] = []
        while True:
            response = call.request("GET", url, "application/json")
            check_status(response, RepositoryNotFoundError)
            tags.extend(_parse_tags(response, url))
            next_url = _next_link(response, url)
            if next_url is None:
                return tags
            if next_url in seen:
                raise MalformedResponseError(f"GET {url}: pagination loops back to {next_url}")
            seen.add(next_url)
            url = next_url

    def head_digest(self, name: ImageName, tag: str, auth: RegistryAuth, timeout: float) -> str:
        """The digest (``sha256:...``) of the manifest or index ``tag`` points to.

        Uses ``HEAD`` and ``Docker-Content-Digest``; when a registry omits that header, ``GET``
        the manifest and hash its bytes.
        """
        deadline = Deadline(timeout, self._clock)
        call = _Call(self, name, auth, deadline)
        url = f"{call.origin}/v2/{name.repository}/manifests/{quote(tag, safe='')}"
        response = call.request("HEAD", url, _MANIFEST_ACCEPT)
        check_status(response, ManifestNotFoundError)
        digest = response.headers.get("Docker-Content-Digest", "").strip()
        if not digest:
            response = call.request("GET", url, _MANIFEST_ACCEPT)
            check_status(response, ManifestNotFoundError)
            return "sha256:" + hashlib.sha256(response.content).hexdigest()
        if not _DIGEST.fullmatch(digest):
            raise MalformedResponseError(f"HEAD {url}: invalid Docker-Content-Digest '{digest}'")
        return digest

    def call(
        self, name: ImageName, auth: RegistryAuth, timeout: float, *, push: bool = False
    ) -> RegistryCall:
        """An authorized conversation with ``name``'s repository (used by :mod:`.content`).

        ``push`` asks for the ``pull,push`` scope in token requests.
        """
        return RegistryCall(self, name, auth, Deadline(timeout, self._clock), push=push)


class _Call:
    """Authorization state of one operation (one listing or one digest lookup)."""

    def __init__(
        self,
        client: RegistryClient,
        name: ImageName,
        auth: RegistryAuth,
        deadline: Deadline,
        *,
        push: bool = False,
    ) -> None:
        self._client = client
        self._auth = auth
        self._deadline = deadline
        self.origin = name.base_url(auth.insecure).lower()
        self._session = client._session
        if auth.tls is not None and not auth.insecure:
            self._session = client._tls_sessions.get(auth.tls)
        self._basic = _basic_credentials(name, auth)
        deadline.remaining(f"credentials for {name.registry}")
        actions = "pull,push" if push else "pull"
        self._scopes = [f"repository:{name.repository}:{actions}"]
        self._identity = _identity(self._basic, auth.identity_token)
        self._proxies = auth.proxies()
        self._authorization: str | None = None
        self._token_key: TokenKey | None = None
        self._fresh = False
        if auth.registry_token:
            self._authorization, self._fresh = f"Bearer {auth.registry_token}", True
        else:
            self._preempt(client.token_cache.challenge(self.origin))

    def request(self, method: str, url: str, accept: str, **kwargs: Any) -> requests.Response:
        """Send; on a first ``401`` answer the challenge and send once more.

        ``kwargs`` go to ``requests`` (``data``, ``stream``, extra ``headers``); a body is sent
        again after a challenge, so it must be bytes, not a stream.
        """
        response = self._send(method, url, accept, **kwargs)
        if response.status_code != 401 or self._fresh or not self._same_origin(url):
            return response
        challenge = _pick(parse_www_authenticate(response.headers.get("WWW-Authenticate", "")))
        if challenge is None:
            return response
        if self._token_key is not None:
            self._client.token_cache.discard(self._token_key)
        # Keep only the repository-neutral part: the next operation may be for another repo.
        neutral = {k: v for k, v in challenge.params.items() if k in ("realm", "service")}
        self._client.token_cache.remember_challenge(
            self.origin, Challenge(challenge.scheme, neutral)
        )
        if not self._answer(challenge):
            return response
        self._fresh = True
        response.close()
        return self._send(method, url, accept, **kwargs)

    def _send(self, method: str, url: str, accept: str, **kwargs: Any) -> requests.Response:
        headers = {"Accept": accept, **kwargs.pop("headers", {})}
        if self._authorization is not None and self._same_origin(url):
            headers["Authorization"] = self._authorization
        # Redirects are followed (requests drops Authorization when the host changes).
        return send(
            self._session,
            method,
            url,
            deadline=self._deadline,
            headers=headers,
            proxies=self._proxies,
            **kwargs,
        )

    def _same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower() == self.origin

    def _preempt(self, challenge: Challenge | None) -> None:
        if challenge is None:
            return
        if challenge.scheme == "basic" and self._basic is not None:
            self._authorization = _basic_header(self._basic)
        elif challenge.scheme == "bearer":
            key = self._key(challenge)
            token = self._client.token_cache.get(key, self._client._clock())
            if token is not None:
                self._authorization, self._token_key = f"Bearer {token}", key
        # Anything else: send anonymously and let the registry challenge us.

    def _answer(self, challenge: Challenge) -> bool:
        if challenge.scheme == "basic":
            if self._basic is None:
                return False
            self._authorization = _basic_header(self._basic)
            return True
        key = self._key(challenge)
        token, expires_in = fetch_token(
            self._session,
            challenge,
            self._token_scopes(challenge),
            basic=self._basic,
            identity_token=self._auth.identity_token,
            deadline=self._deadline,
            allow_http=self._auth.insecure,
            proxies=self._proxies,
        )
        self._client.token_cache.put(key, token, self._client._clock() + expires_in)
        self._authorization, self._token_key = f"Bearer {token}", key
        return True

    def _token_scopes(self, challenge: Challenge) -> list[str]:
        # Some registries name the scope they want in the challenge (ggcr adds it too).
        extra = challenge.get("scope")
        return self._scopes + ([extra] if extra and extra not in self._scopes else [])

    def _key(self, challenge: Challenge) -> TokenKey:
        scope = " ".join(self._token_scopes(challenge))
        return TokenKey(challenge.get("realm"), challenge.get("service"), scope, self._identity)


RegistryCall = _Call


def _basic_credentials(name: ImageName, auth: RegistryAuth) -> BasicCredentials | None:
    if auth.provider == "aws":
        if auth.ecr is None:
            raise AuthConfigError("provider aws needs an ECR credential provider")
        return auth.ecr.credentials(name.registry)
    if auth.provider != "generic":
        raise AuthConfigError(f"unsupported provider '{auth.provider}'")
    return auth.basic


def _identity(basic: BasicCredentials | None, identity_token: str | None) -> str:
    if identity_token:
        return "oauth:" + hashlib.sha256(identity_token.encode()).hexdigest()[:24]
    return basic.identity() if basic is not None else "anonymous"


def _basic_header(basic: BasicCredentials) -> str:
    raw = f"{basic.username}:{basic.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _pick(challenges: list[Challenge]) -> Challenge | None:
    """Prefer Bearer (with a realm) over Basic, as ggcr does."""
    for challenge in challenges:
        if challenge.scheme == "bearer" and challenge.get("realm"):
            return challenge
    for challenge in challenges:
        if challenge.scheme == "basic":
            return challenge
    return None


def _parse_tags(response: requests.Response, url: str) -> list[str]:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise MalformedResponseError(f"GET {url}: tag list is not valid JSON") from None
    if not isinstance(body, dict):
        raise MalformedResponseError(f"GET {url}: tag list is not a JSON object")
    tags = body.get("tags")
    if tags is None:  # an emptied repository lists "tags": null
        return []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise MalformedResponseError(f"GET {url}: 'tags' is not a list of strings")
    return tags


def _next_link(response: requests.Response, url: str) -> str | None:
    """The ``rel="next"`` target of the ``Link`` header, resolved against ``url``."""
    header = response.headers.get("Link")
    if not header:
        return None
    found = False
    for match in _LINK.finditer(header):
        found = True
        rel = _REL.search(match.group(2))
        if rel is not None and "next" in (rel.group(1) or rel.group(2) or "").lower().split():
            return str(urljoin(url, match.group(1).strip()))
    if not found:
        raise MalformedResponseError(f"GET {url}: cannot parse Link header")
    return None
