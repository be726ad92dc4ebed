"""What every provider type shares: the resolved configuration, the HTTP call, typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tagpilot.errors import TagpilotError
from tagpilot.notify.event import go_json

USER_AGENT = "Go-http-client/1.1"
#: Fixed API endpoints of some types; tests map them to local servers through ``endpoints``.
TELEGRAM_API = "https://api.telegram.org"
BITBUCKET_API = "https://api.bitbucket.org"
GITHUB_API = "https://api.github.com"


class NotifyError(TagpilotError):
    """A notification could not be built or sent (message never holds the token)."""


class PermanentError(NotifyError):
    """Retrying cannot help (bad configuration, 4xx other than 429)."""


class TransientError(NotifyError):
    """The provider is down or slow; retry later."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Send(Protocol):
    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> Response: ...


@dataclass(frozen=True)
class ProviderConfig:
    """A Provider with its Secret references resolved (never logged: holds the token)."""

    type: str
    namespace: str
    name: str
    uid: str
    address: str = ""
    channel: str = ""
    username: str = ""
    token: str = ""
    password: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 15.0
    #: ``certSecretRef`` ``ca.crt`` (then the only trusted CA), ``tls.crt`` + ``tls.key``.
    ca_pem: str = ""
    client_cert_pem: str = ""
    client_key_pem: str = ""
    proxy: str = ""
    #: Fixed endpoints overridden (tests, private mirrors): ``https://api.telegram.org`` -> URL.
    endpoints: Mapping[str, str] = field(default_factory=dict)
    #: ``(service, region) -> boto3 client`` for the ``eventbridge`` and ``sns`` extension types.
    aws_client: Callable[[str, str], Any] | None = None

    def endpoint(self, default: str) -> str:
        return self.endpoints.get(default, default).rstrip("/")

    def mask(self, text: str) -> str:
        """Every occurrence of the token replaced by ``*****`` (pkg ``masktoken``)."""
        parts = (self.token, self.token.partition(":")[2], self.password)
        for secret in sorted(parts, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "*****")
        return text

    def __repr__(self) -> str:  # never print credentials
        return f"ProviderConfig(type={self.type!r}, provider={self.namespace}/{self.name})"


def post_json(
    send: Send,
    url: str,
    payload: Any,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "POST",
) -> Response:
    """NC's ``postMessage``: JSON body, Go's User-Agent; any non-2xx is an error."""
    body = payload if isinstance(payload, bytes) else go_json(payload)
    all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    response = send(method, url, all_headers, body)
    check_status(response)
    return response


def check_status(response: Response) -> None:
    if 200 <= response.status < 300:
        return
    text = response.body.decode("utf-8", "replace")
    message = f"request failed with status code {response.status}: {text}"
    if response.status == 429 or (response.status >= 500 and response.status != 501):
        raise TransientError(message)
    raise PermanentError(message)


def require_url(address: str, what: str) -> str:
    """``url.ParseRequestURI``-style check: an absolute URL with scheme and host."""
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if not address or not parts.scheme or not parts.netloc:
        raise PermanentError(f"invalid {what} URL {address}")
    return address


Notifier = Callable[[ProviderConfig, Any, Send], None]
