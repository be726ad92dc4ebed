"""Bitbucket Cloud pull requests (API 2.0). It has no labels and no auto-merge endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from tagpilot.forge.base import ForgeError, Proposal, PullRequest
from tagpilot.forge.rest import Http

API = "https://api.bitbucket.org/2.0"


class Bitbucket:
    name = "bitbucket"

    def __init__(self, session: requests.Session, repository: str, token: str, api: str = API):
        self._repo = f"/repositories/{repository}"
        self._http = Http(session, api, {"Authorization": f"Bearer {token}"})

    @staticmethod
    def _pr(item: Any) -> PullRequest:
        return PullRequest(
            int(item["id"]),
            str(item["source"]["branch"]["name"]),
            str(item.get("title") or ""),
            str(item.get("description") or ""),
            str(((item.get("links") or {}).get("html") or {}).get("href") or ""),
        )

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        items = self._http.linked(f"{self._repo}/pullrequests", {"state": "OPEN"})
        return [self._pr(i) for i in items if i["destination"]["branch"]["name"] == base]

    def _reviewers(self, names: Sequence[str]) -> list[dict[str, str]]:
        # Bitbucket identifies users by UUID or account id ({...} or 557058:...).
        return [{"type": "user", ("uuid" if n.startswith("{") else "account_id"): n} for n in names]

    def create(self, proposal: Proposal) -> PullRequest:
        body: dict[str, Any] = {
            "type": "pullrequest",
            "title": proposal.title,
            "description": proposal.body,
            "source": {"branch": {"name": proposal.head}},
            "destination": {"branch": {"name": proposal.base}},
            "close_source_branch": True,
        }
        if proposal.reviewers:
            body["reviewers"] = self._reviewers(proposal.reviewers)
        return self._pr(self._http.call("POST", f"{self._repo}/pullrequests", json=body))

    def update(self, pr: PullRequest, title: str, body: str) -> None:
        payload = {"type": "pullrequest", "title": title, "description": body}
        self._http.call("PUT", f"{self._repo}/pullrequests/{pr.number}", json=payload)

    def label(self, pr: PullRequest, labels: Sequence[str]) -> None:
        if labels:
            raise ForgeError("Bitbucket Cloud pull requests have no labels")

    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None:
        pass  # sent with create(): Bitbucket takes reviewers in the pull request itself

    def auto_merge(self, pr: PullRequest) -> bool:
        return False  # no auto-merge endpoint in Bitbucket Cloud's API

    def close(self, pr: PullRequest, comment: str) -> None:
        path = f"{self._repo}/pullrequests/{pr.number}/comments"
        comment_body = {"type": "pullrequest_comment", "content": {"raw": comment}}
        self._http.call("POST", path, json=comment_body)
        self._http.call("POST", f"{self._repo}/pullrequests/{pr.number}/decline")
