"""Gitea and Forgejo (API v1; the same endpoints)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from tagpilot.forge.base import ForgeError, Http, Proposal, PullRequest


class Gitea:
    name = "gitea"

    def __init__(self, session: requests.Session, repository: str, token: str, api: str):
        if not api:
            raise ForgeError("gitea needs the API URL (tagpilot.dev/pull-request-api)")
        self._repo = f"/repos/{repository}"
        self._http = Http(session, api, {"Authorization": f"token {token}"})

    @staticmethod
    def _pr(item: Any) -> PullRequest:
        return PullRequest(
            int(item["number"]),
            str(item["head"]["ref"]),
            str(item.get("title") or ""),
            str(item.get("body") or ""),
            str(item.get("html_url") or ""),
        )

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        out: list[PullRequest] = []
        page = 1
        while True:
            params = {"state": "open", "page": page, "limit": 50}
            items = self._http.call("GET", f"{self._repo}/pulls", params=params)
            out.extend(self._pr(i) for i in items if (i.get("base") or {}).get("ref") == base)
            if len(items) < 50:
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
        # Gitea labels a pull request through its issue, by label id.
        known = {
            str(item["name"]): int(item["id"])
            for item in self._http.call("GET", f"{self._repo}/labels", params={"limit": 50}) or []
        }
        missing = [name for name in labels if name not in known]
        if missing:
            raise ForgeError(f"labels not defined in the repository: {', '.join(missing)}")
        ids = [known[name] for name in labels]
        self._http.call("POST", f"{self._repo}/issues/{pr.number}/labels", json={"labels": ids})

    def request_review(self, pr: PullRequest, reviewers: Sequence[str]) -> None:
        path = f"{self._repo}/pulls/{pr.number}/requested_reviewers"
        self._http.call("POST", path, json={"reviewers": list(reviewers)})

    def auto_merge(self, pr: PullRequest) -> bool:
        body = {"Do": "merge", "merge_when_checks_succeed": True}
        self._http.call("POST", f"{self._repo}/pulls/{pr.number}/merge", json=body)
        return True

    def close(self, pr: PullRequest, comment: str) -> None:
        self._http.call("POST", f"{self._repo}/issues/{pr.number}/comments", json={"body": comment})
        self._http.call("PATCH", f"{self._repo}/pulls/{pr.number}", json={"state": "closed"})
