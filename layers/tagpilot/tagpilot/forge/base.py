"""What every forge client offers, and the HTTP exchange they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from tagpilot.errors import TagpilotError

TIMEOUT = 30.0


class ForgeError(TagpilotError):
    """A forge API call failed; ``status`` is the HTTP status when there was an answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PullRequest:
    """An open pull/merge request as the forge reports it."""

    number: int
    head: str
    title: str
    body: str
    url: str = ""
    node_id: str = ""  # GitHub's GraphQL id (auto-merge)


@dataclass(frozen=True)
class Proposal:
    """The pull request an automation wants."""

    head: str
    base: str
    title: str
    body: str
    labels: Sequence[str] = field(default_factory=tuple)
    reviewers: Sequence[str] = field(default_factory=tuple)
    auto_merge: bool = False


class Forge(Protocol):
    """The operations :mod:`tagpilot.forge.sync` needs."""

    name: str

    def open_pull_requests(self, base: str) -> list[PullRequest]: ...
    def create(self, proposal: Proposal) -> PullRequest: ...
    def update(self, pr: PullRequest, title: str, body: str) -> None: ...
    def label(self, pr: PullRequest, labels: Sequence[str]) -> None: ...
    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None: ...
    def auto_merge(self, pr: PullRequest) -> bool: ...
    def close(self, pr: PullRequest, comment: str) -> None: ...


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
