"""Local stand-ins for the forge REST endpoints tagpilot uses (GitHub, GitLab, Gitea, Bitbucket).

One in-memory repository per server. Every request is checked against the forge's published
description (:mod:`tests.support.forgeschema`); problems are collected in ``violations`` (a test
asserts it stays empty) and answered with 400, so a non-conforming client also fails loudly.
Requests without the expected token get 401. Like the real forges, creating a second open pull
request for the same head and base is refused (GitHub/Gitea 422, GitLab 409, Bitbucket 400).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.forgeschema import check_request, check_response, warm

PREFIX = {"gitlab": "/api/v4", "gitea": "/api/v1", "bitbucket": "/2.0"}
AUTH = {
    "github": ("Authorization", "Bearer {token}"),
    "gitea": ("Authorization", "token {token}"),
    "gitlab": ("PRIVATE-TOKEN", "{token}"),
    "bitbucket": ("Authorization", "Bearer {token}"),
}


@dataclass
class PR:
    number: int
    head: str
    base: str
    title: str
    body: str
    state: str = "open"
    labels: list[Any] = field(default_factory=list)
    reviewers: list[Any] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    auto_merge: bool = False


class ForgeStandIn:
    """``kind``: github, gitlab, gitea or bitbucket; ``token``: the one accepted."""

    def __init__(self, kind: str, token: str, repository: str = "team/app") -> None:
        self.kind, self.token, self.repository = kind, token, repository
        warm(kind)
        self.prs: dict[int, PR] = {}
        self.requests: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.labels = {"automation": 7, "images": 8}  # Gitea: labels exist with ids
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                outer.requests.append((self.command, parts.path))
                header, form = AUTH[outer.kind]
                if self.headers.get(header) != form.format(token=outer.token):
                    return self._send(401, {"message": "Bad credentials"})
                prefix = PREFIX.get(outer.kind, "")
                api_path = parts.path.removeprefix(prefix)
                graphql = outer.kind == "github" and parts.path == "/graphql"
                if not graphql:
                    problems = check_request(outer.kind, self.command, api_path, query, body)
                    if problems:
                        outer.violations += problems
                        return self._send(400, {"message": "; ".join(problems)})
                code, answer = outer.route(self.command, parts.path, query, body, self.headers)
                if not graphql:
                    outer.violations += [
                        f"answer: {p}"
                        for p in check_response(outer.kind, self.command, api_path, code, answer)
                    ]
                return self._send(code, answer)

            do_GET = do_POST = do_PUT = do_PATCH = _handle  # noqa: N815

            def _send(self, code: int, answer: Any) -> None:
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        return base + PREFIX.get(self.kind, "")

    def __enter__(self) -> ForgeStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def open_prs(self) -> list[PR]:
        return [pr for pr in self.prs.values() if pr.state == "open"]

    # -- routing -------------------------------------------------------------------------------
    def route(
        self, method: str, path: str, query: dict, body: Any, headers: Any
    ) -> tuple[int, Any]:
        prefix = PREFIX.get(self.kind, "")
        if prefix:
            if not path.startswith(prefix):
                return 404, {"message": "Not Found"}
            path = path[len(prefix) :]
        return getattr(self, f"_{self.kind}")(method, unquote(path), query, body)

    def _create(self, head: str, base: str, title: str, body: str) -> PR | None:
        if any(pr.head == head and pr.base == base for pr in self.open_prs()):
            return None
        pr = PR(len(self.prs) + 1, head, base, title, body)
        self.prs[pr.number] = pr
        return pr

    def _github_json(self, pr: PR) -> dict:
        return {
            "number": pr.number,
            "state": pr.state,
            "title": pr.title,
            "body": pr.body,
            "head": {"ref": pr.head},
            "base": {"ref": pr.base},
            "html_url": f"https://forge.example/{self.repository}/pull/{pr.number}",
            "node_id": f"PR_{pr.number}",
        }

    def _github(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        repo = f"/repos/{self.repository}"
        if path == "/graphql":
            number = int(body["variables"]["id"].removeprefix("PR_"))
            self.prs[number].auto_merge = True
            return 200, {"data": {"enablePullRequestAutoMerge": {"clientMutationId": None}}}
        return self._github_like(method, path[len(repo) :], query, body, self._github_json)

    def _github_like(self, method, rest, query, body, render) -> tuple[int, Any]:
        if rest == "/pulls" and method == "GET":
            page, size = (
                int(query.get("page", 1)),
                int(query.get("per_page", query.get("limit", 30))),
            )
            base = query.get("base")
            found = [render(p) for p in self.open_prs() if base in (None, p.base)]
            return 200, found[(page - 1) * size : page * size]
        if rest == "/pulls" and method == "POST":
            pr = self._create(body["head"], body["base"], body["title"], body.get("body", ""))
            return (201, render(pr)) if pr else (422, {"message": "A pull request already exists"})
        if rest == "/labels" and method == "GET":
            return 200, [{"id": i, "name": n} for n, i in self.labels.items()]
        m = re.fullmatch(r"/(pulls|issues)/(\d+)(/.*)?", rest)
        if not m or int(m.group(2)) not in self.prs:
            return 404, {"message": "Not Found"}
        pr, tail = self.prs[int(m.group(2))], m.group(3) or ""
        if tail == "" and method == "PATCH":
            pr.title, pr.body = body.get("title", pr.title), body.get("body", pr.body)
            pr.state = body.get("state", pr.state)
            return (201 if self.kind == "gitea" else 200), render(pr)  # Gitea answers 201
        if tail == "/labels":
            pr.labels += body["labels"]
            return 200, []
        if tail == "/requested_reviewers":
            pr.reviewers += body["reviewers"]
            if self.kind == "gitea":  # Gitea answers with the review requests it created
                return 201, [
                    {"id": i, "state": "REQUEST_REVIEW"} for i, _ in enumerate(pr.reviewers)
                ]
            return 201, render(pr)
        if tail == "/comments":
            pr.comments.append(body["body"])
            return 201, {"id": len(pr.comments)}
        if tail == "/merge":
            pr.auto_merge = bool(body.get("merge_when_checks_succeed"))
            return 200, None
        return 404, {"message": "Not Found"}

    def _gitea(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        repo = f"/repos/{self.repository}"
        return self._github_like(method, path[len(repo) :], query, body, self._github_json)

    def _gitlab_json(self, pr: PR) -> dict:
        return {
            "iid": pr.number,
            "state": "opened" if pr.state == "open" else pr.state,
            "title": pr.title,
            "description": pr.body,
            "source_branch": pr.head,
            "target_branch": pr.base,
            "web_url": f"https://forge.example/{self.repository}/-/merge_requests/{pr.number}",
        }

    def _gitlab(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        if path == "/users":
            return 200, [{"id": 40 + len(query["username"]), "username": query["username"]}]
        project = f"/projects/{self.repository}/merge_requests"
        if path == project and method == "GET":
            target = query.get("target_branch")
            found = [p for p in self.open_prs() if target in (None, p.base)]
            page, size = int(query.get("page", 1)), int(query.get("per_page", 20))
            return 200, [self._gitlab_json(p) for p in found[(page - 1) * size : page * size]]
        if path == project and method == "POST":
            pr = self._create(
                body["source_branch"], body["target_branch"], body["title"], body["description"]
            )
            return (201, self._gitlab_json(pr)) if pr else (409, {"message": ["exists"]})
        m = re.fullmatch(re.escape(project) + r"/(\d+)(/.*)?", path)
        if not m or int(m.group(1)) not in self.prs:
            return 404, {"message": "404 Not found"}
        pr, tail = self.prs[int(m.group(1))], m.group(2) or ""
        if tail == "" and method == "PUT":
            pr.title = body.get("title", pr.title)
            pr.body = body.get("description", pr.body)
            pr.labels += body.get("add_labels", [])
            pr.reviewers += body.get("reviewer_ids", [])
            if body.get("state_event") == "close":
                pr.state = "closed"
            return 200, self._gitlab_json(pr)
        if tail == "/merge":
            pr.auto_merge = bool(body.get("merge_when_pipeline_succeeds"))
            return 200, self._gitlab_json(pr)
        if tail == "/notes":
            pr.comments.append(body["body"])
            return 201, {"id": len(pr.comments)}
        return 404, {"message": "404 Not found"}

    def _bitbucket_json(self, pr: PR) -> dict:
        return {
            "type": "pullrequest",
            "id": pr.number,
            "state": "OPEN" if pr.state == "open" else "DECLINED",
            "title": pr.title,
            "description": pr.body,
            "source": {"branch": {"name": pr.head}},
            "destination": {"branch": {"name": pr.base}},
            "links": {"html": {"href": f"https://forge.example/{self.repository}/pr/{pr.number}"}},
        }

    def _bitbucket(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        base = f"/repositories/{self.repository}/pullrequests"
        if path == base and method == "GET":
            page = int(query.get("page", 1))
            found = [self._bitbucket_json(p) for p in self.open_prs()]
            answer: dict[str, Any] = {"values": found[(page - 1) * 10 : page * 10], "page": page}
            if page * 10 < len(found):
                answer["next"] = f"{self.url}{base}?state=OPEN&page={page + 1}"
            return 200, answer
        if path == base and method == "POST":
            pr = self._create(
                body["source"]["branch"]["name"],
                body["destination"]["branch"]["name"],
                body["title"],
                body.get("description", ""),
            )
            if pr is None:
                return 400, {
                    "type": "error",
                    "error": {"message": "There are no changes to be pulled"},
                }
            pr.reviewers += body.get("reviewers", [])
            return 201, self._bitbucket_json(pr)
        m = re.fullmatch(re.escape(base) + r"/(\d+)(/.*)?", path)
        if not m or int(m.group(1)) not in self.prs:
            return 404, {"type": "error", "error": {"message": "Not found"}}
        pr, tail = self.prs[int(m.group(1))], m.group(2) or ""
        if tail == "" and method == "PUT":
            pr.title = body.get("title", pr.title)
            pr.body = body.get("description", pr.body)
            return 200, self._bitbucket_json(pr)
        if tail == "/comments":
            pr.comments.append(body["content"]["raw"])
            return 201, {"type": "pullrequest_comment", "id": len(pr.comments)}
        if tail == "/decline":
            pr.state = "declined"
            return 200, self._bitbucket_json(pr)
        return 404, {"type": "error", "error": {"message": "Not found"}}
