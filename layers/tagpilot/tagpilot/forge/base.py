"""What every forge client offers: the interface, its data and its error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tagpilot.errors import TagpilotError


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
