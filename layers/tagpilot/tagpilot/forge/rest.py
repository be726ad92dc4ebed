"""The HTTP exchange every forge client shares: JSON calls, errors and the two pagination styles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests

from tagpilot.forge.base import ForgeError

TIMEOUT = 30.0


class Http:
    """JSON over HTTPS with a token; any non-2xx answer becomes a :class:`ForgeError`."""

    def __init__(self, session: requests.Session, base_url: str, headers: Mapping[str, str]):
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> Any:
        """One request to ``base_url + path`` (or ``url``); the decoded JSON answer or ``None``."""
        target = url or f"{self.base_url}{path}"
        try:
            response = self._session.request(
                method, target, json=json, params=params, headers=self._headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise ForgeError(f"{method} {target}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            detail = response.text[:200].strip()
            raise ForgeError(
                f"{method} {target}: HTTP {response.status_code}: {detail}", response.status_code
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ForgeError(f"{method} {target}: answer is not JSON") from exc

    def numbered(
        self, path: str, params: Mapping[str, Any], size_param: str, size: int
    ) -> Iterator[Any]:
        """The items of a list answered page by page (``page=1, 2, ...``; GitHub, GitLab, Gitea).

        A page shorter than ``size`` is the last one.
        """
        page = 1
        while True:
            items = self.call("GET", path, params={**params, size_param: size, "page": page})
            yield from items
            if len(items) < size:
                return
            page += 1

    def linked(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """The ``values`` of a list whose pages link to the ``next`` one (Bitbucket Cloud)."""
        page: Any = self.call("GET", path, params=params)
        while True:
            yield from page.get("values") or []
            if not page.get("next"):
                return
            page = self.call("GET", "", url=str(page["next"]))
