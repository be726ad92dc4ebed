"""A normalised webhook request built from an API Gateway HTTP API (payload v2) event.

Decisions, so signatures and lookups behave like Flux behind Go's ``net/http``:

* Header names are matched case-insensitively and a missing header reads as ``""`` (Go's
  ``Header.Get``).
* API Gateway joins repeated headers with commas. The joined value is kept as it is, not split:
  a value may itself contain commas (Harbor's ``Authorization`` is any string), and a duplicated
  signature header then fails verification (400) instead of picking one of two values.
* The body is the exact bytes received: base64-decoded when ``isBase64Encoded``, otherwise the
  UTF-8 encoding of the body string. It is never re-serialised.
* ``path`` is ``rawPath`` with a named stage prefix removed (HTTP APIs prepend ``/<stage>`` for
  stages other than ``$default``); ``query`` is ``rawQueryString`` so the pipeline can answer
  404 for any query string, as Flux's exact ``RequestURI`` match does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tagpilot.receiver.errors import RequestError


@dataclass(frozen=True)
class Headers(Mapping[str, str]):
    """Read-only, case-insensitive headers; :meth:`get` returns ``""`` when absent."""

    _values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, headers: Mapping[str, object] | None) -> Headers:
        """Build from any mapping; the first of two names differing only in case wins."""
        values: dict[str, str] = {}
        for name, value in (headers or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise RequestError("headers must map strings to strings")
            values.setdefault(name.lower(), value)
        return cls(values)

    def get(self, name: str, default: str = "") -> str:  # type: ignore[override]
        """Return the header value, or ``default`` (``""``) when absent."""
        return self._values.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class WebhookRequest:
    """What the receiver needs from an HTTP request."""

    method: str
    path: str
    query: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""


def from_apigw_v2(event: Mapping[str, Any]) -> WebhookRequest:
    """Build a :class:`WebhookRequest` from an API Gateway HTTP API payload v2 event.

    Parameters
    ----------
    event : Mapping
        The Lambda event (``version: "2.0"``).

    Returns
    -------
    WebhookRequest

    Raises
    ------
    RequestError
        The event lacks ``rawPath`` or ``requestContext.http.method``, or its body is not valid
        base64 although ``isBase64Encoded`` is true.

    Examples
    --------
    >>> req = from_apigw_v2({"version": "2.0", "rawPath": "/hook/ab", "rawQueryString": "",
    ...     "headers": {"x-a": "1"}, "body": "{}", "isBase64Encoded": False,
    ...     "requestContext": {"http": {"method": "POST"}, "stage": "$default"}})
    >>> req.method, req.path, req.headers.get("X-A"), req.body
    ('POST', '/hook/ab', '1', b'{}')
    """
    if event.get("version") != "2.0":
        raise RequestError("not an API Gateway HTTP API payload v2 event")
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, Mapping) else None
    method = http.get("method") if isinstance(http, Mapping) else None
    raw_path = event.get("rawPath")
    if not isinstance(method, str) or not isinstance(raw_path, str):
        raise RequestError("event lacks rawPath or requestContext.http.method")
    query = event.get("rawQueryString") or ""
    if not isinstance(query, str):
        raise RequestError("rawQueryString must be a string")
    stage = context.get("stage") if isinstance(context, Mapping) else None
    return WebhookRequest(
        method=method.upper(),
        path=_strip_stage(raw_path, stage),
        query=query,
        headers=Headers.of(event.get("headers")),
        body=_body(event.get("body"), event.get("isBase64Encoded", False)),
    )


def _strip_stage(raw_path: str, stage: object) -> str:
    if isinstance(stage, str) and stage and stage != "$default":
        prefix = f"/{stage}"
        if raw_path.startswith(prefix + "/"):
            return raw_path[len(prefix) :]
    return raw_path


def _body(body: object, is_base64: object) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise RequestError("body must be a string")
    if is_base64 is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise RequestError(
                "body is not valid base64 although isBase64Encoded is true"
            ) from None
    # surrogatepass keeps lone surrogates from a JSON-escaped body instead of failing here.
    return body.encode("utf-8", errors="surrogatepass")
