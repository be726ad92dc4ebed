"""Gitea and Forgejo (API v1; the same endpoints, shaped after GitHub's)."""

from __future__ import annotations

from collections.abc import Sequence

import requests

from tagpilot.forge.base import ForgeError, PullRequest
from tagpilot.forge.pulls import RepoPulls
from tagpilot.forge.rest import Http


class Gitea(RepoPulls):
    name = "gitea"

    def __init__(self, session: requests.Session, repository: str, token: str, api: str):
        if not api:
            raise ForgeError("gitea needs the API URL (tagpilot.dev/pull-request-api)")
        self._repo = f"/repos/{repository}"
        self._http = Http(session, api, {"Authorization": f"token {token}"})

    def open_pull_requests(self, base: str) -> list[PullRequest]:
        # Gitea's list has no base filter: filter here.
        items = self._http.numbered(f"{self._repo}/pulls", {"state": "open"}, "limit", 50)
        return [self._pr(i) for i in items if (i.get("base") or {}).get("ref") == base]

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

    def auto_merge(self, pr: PullRequest) -> bool:
        body = {"Do": "merge", "merge_when_checks_succeed": True}
        self._http.call("POST", f"{self._repo}/pulls/{pr.number}/merge", json=body)
        return True
