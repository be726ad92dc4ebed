"""GitHub (REST v3; auto-merge through GraphQL, which has no REST endpoint)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from tagpilot.forge.base import Http, Proposal, PullRequest

API = "https://api.github.com"
_MERGE = (
    "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) "
    "{ clientMutationId } }"
)


class GitHub:
    name = "github"

    def __init__(self, session: requests.Session, repository: str, token: str, api: str = API):
        self._owner = repository.split("/", 1)[0]
        self._repo = f"/repos/{repository}"
        self._http = Http(
            session,
            api,
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )

    @staticmethod
    def _pr(item: Any) -> PullRequest:
        return PullRequest(
            int(item["number"]),
            str(item["head"]["ref"]),
            str(item.get("title") or ""),
            str(item.get("body") or ""),
            str(item.get("html_url") or ""),
            str(item.get("node_id") or ""),
        )

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        out: list[PullRequest] = []
        page = 1
        while True:
            params = {"state": "open", "base": base, "per_page": 100, "page": page}
            items = self._http.call("GET", f"{self._repo}/pulls", params=params)
            out.extend(self._pr(item) for item in items)
            if len(items) < 100:
                return out
            page += 1

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

    def label(self, pr: PullRequest, labels: Sequence[str]) -> None:
        self._http.call(
            "POST", f"{self._repo}/issues/{pr.number}/labels", json={"labels": list(labels)}
        )

    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None:
        path = f"{self._repo}/pulls/{pr.number}/requested_reviewers"
        self._http.call("POST", path, json={"reviewers": list(reviewers)})

    def auto_merge(self, pr: PullRequest) -> bool:
        graphql = self._http.base_url + "/graphql"
        answer = self._http.call(
            "POST", "", url=graphql, json={"query": _MERGE, "variables": {"id": pr.node_id}}
        )
        return not (answer or {}).get("errors")

    def close(self, pr: PullRequest, comment: str) -> None:
        self._http.call("POST", f"{self._repo}/issues/{pr.number}/comments", json={"body": comment})
        self._http.call("PATCH", f"{self._repo}/pulls/{pr.number}", json={"state": "closed"})
