"""The pull request endpoints GitHub defined and Gitea/Forgejo follow, shared by both clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tagpilot.forge.base import Proposal, PullRequest
from tagpilot.forge.rest import Http


class RepoPulls:
    """``/repos/{owner}/{repo}/pulls`` and ``/issues``: create, update, review, comment, close.

    Subclasses set ``_http`` and ``_repo`` (``/repos/owner/repo``) and add what differs: listing,
    labels and auto-merge.
    """

    _http: Http
    _repo: str

    @staticmethod
    def _pr(item: Any) -> PullRequest:
        return PullRequest(
            int(item["number"]),
            str(item["head"]["ref"]),
            str(item.get("title") or ""),
            str(item.get("body") or ""),
            str(item.get("html_url") or ""),
            str(item.get("node_id") or ""),  # GitHub only
        )

    def create(self, proposal: Proposal) -> PullRequest:
        body = {
            "title": proposal.title,
            "head": proposal.head,
            "base": proposal.base,
            "body": proposal.body,
        }
        return self._pr(self._http.call("POST", f"{self._repo}/pulls", json=body))

    def update(self, pr: PullRequest, title: str, body: str) -> None:
        self._http.call(
            "PATCH", f"{self._repo}/pulls/{pr.number}", json={"title": title, "body": body}
        )

    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None:
        path = f"{self._repo}/pulls/{pr.number}/requested_reviewers"
        self._http.call("POST", path, json={"reviewers": list(reviewers)})

    def close(self, pr: PullRequest, comment: str) -> None:
        self._http.call("POST", f"{self._repo}/issues/{pr.number}/comments", json={"body": comment})
        self._http.call("PATCH", f"{self._repo}/pulls/{pr.number}", json={"state": "closed"})
