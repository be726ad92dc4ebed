"""GitLab merge requests (REST API v4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import requests

from tagpilot.forge.base import ForgeError, Proposal, PullRequest
from tagpilot.forge.rest import Http

API = "https://gitlab.com/api/v4"


class GitLab:
    name = "gitlab"

    def __init__(self, session: requests.Session, repository: str, token: str, api: str = API):
        self._project = f"/projects/{quote(repository, safe='')}"
        self._http = Http(session, api, {"PRIVATE-TOKEN": token})

    @staticmethod
    def _pr(item: Any) -> PullRequest:
        return PullRequest(
            int(item["iid"]),
            str(item["source_branch"]),
            str(item.get("title") or ""),
            str(item.get("description") or ""),
            str(item.get("web_url") or ""),
        )

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        params = {"state": "opened", "target_branch": base}
        items = self._http.numbered(f"{self._project}/merge_requests", params, "per_page", 100)
        return [self._pr(item) for item in items]

    def create(self, proposal: Proposal) -> PullRequest:
        body: dict[str, Any] = {
            "source_branch": proposal.head,
            "target_branch": proposal.base,
            "title": proposal.title,
            "description": proposal.body,
        }
        return self._pr(self._http.call("POST", f"{self._project}/merge_requests", json=body))

    def _put(self, pr: PullRequest, body: dict[str, Any]) -> None:
        self._http.call("PUT", f"{self._project}/merge_requests/{pr.number}", json=body)

    def update(self, pr: PullRequest, title: str, body: str) -> None:
        self._put(pr, {"title": title, "description": body})

    def label(self, pr: PullRequest, labels: Sequence[str]) -> None:
        # GitLab's schema: an array of names (Grape also takes a comma-separated string).
        self._put(pr, {"add_labels": list(labels)})

    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None:
        ids = []
        for username in reviewers:
            users = self._http.call("GET", "/users", params={"username": username})
            if not users:
                raise ForgeError(f"GitLab user '{username}' not found")
            ids.append(int(users[0]["id"]))
        self._put(pr, {"reviewer_ids": ids})

    def auto_merge(self, pr: PullRequest) -> bool:
        path = f"{self._project}/merge_requests/{pr.number}/merge"
        self._http.call("PUT", path, json={"merge_when_pipeline_succeeds": True})
        return True

    def close(self, pr: PullRequest, comment: str) -> None:
        path = f"{self._project}/merge_requests/{pr.number}/notes"
        self._http.call("POST", path, json={"body": comment})
        self._put(pr, {"state_event": "close"})
