"""GitHub (REST v3; auto-merge through GraphQL, which has no REST endpoint)."""

from __future__ import annotations

from collections.abc import Sequence

import requests

from tagpilot.forge.base import PullRequest
from tagpilot.forge.pulls import RepoPulls
from tagpilot.forge.rest import Http

API = "https://api.github.com"
_MERGE = (
    "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) "
    "{ clientMutationId } }"
)


class GitHub(RepoPulls):
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

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        params = {"state": "open", "base": base}
        items = self._http.numbered(f"{self._repo}/pulls", params, "per_page", 100)
        return [self._pr(item) for item in items]

    def label(self, pr: PullRequest, labels: Sequence[str]) -> None:
        self._http.call(
            "POST", f"{self._repo}/issues/{pr.number}/labels", json={"labels": list(labels)}
        )

    def auto_merge(self, pr: PullRequest) -> bool:
        graphql = self._http.base_url + "/graphql"
        answer = self._http.call(
            "POST", "", url=graphql, json={"query": _MERGE, "variables": {"id": pr.node_id}}
        )
        return not (answer or {}).get("errors")
