"""Pull request mode: forge clients against schema-checked stand-ins, and the automation end to end
(git http-backend + GitHub stand-in)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import requests
from tagpilot.api.resource import Resource
from tagpilot.forge.base import ForgeError, Proposal
from tagpilot.forge.factory import Forges
from tagpilot.forge.sync import close_landed, sync
from tagpilot.reconcile import automation
from tagpilot.reconcile.pullrequest import CONDITION, repository_of

from tests.integration.beyond.conftest import condition
from tests.support import forgeschema
from tests.support.forges import AUTH, PR, ForgeStandIn
from tests.support.forgeschema import check_response
from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration
KINDS = ["github", "gitlab", "gitea", "bitbucket"]
KEY = "apps/auto"


def _proposal(head: str = "tagpilot/apps/auto", title: str = "Update to 1.1.0", **kw: Any):
    return Proposal(head=head, base="main", title=title, body="- app:1.1.0", **kw)


@pytest.mark.parametrize("kind", KINDS)
def test_one_pull_request_per_automation(kind: str) -> None:
    with ForgeStandIn(kind, "s3cret") as forge_server:
        forge = Forges(requests.Session())(kind, "team/app", "s3cret", forge_server.url)
        extras: dict[str, Any] = {"reviewers": ["alice"], "auto_merge": kind != "bitbucket"}
        if kind != "bitbucket":
            extras["labels"] = ["automation"]
        action, pr = sync(forge, KEY, _proposal(**extras))
        assert action == "created"
        created = forge_server.prs[pr.number]
        assert created.head == "tagpilot/apps/auto" and created.base == "main"
        assert "<!-- tagpilot.dev/automation: apps/auto -->" in created.body
        assert created.reviewers and (created.auto_merge or kind == "bitbucket")
        assert created.labels == (
            [] if kind == "bitbucket" else [7 if kind == "gitea" else "automation"]
        )

        # The same change again: nothing new, never a duplicate.
        assert sync(forge, KEY, _proposal())[0] == "unchanged"
        # Newer images: the open pull request is updated in place.
        action, again = sync(forge, KEY, _proposal(title="Update to 1.2.0"))
        assert (action, again.number) == ("updated", pr.number)
        assert forge_server.prs[pr.number].title == "Update to 1.2.0"
        assert len(forge_server.open_prs()) == 1

        # A branch template with .Hash: the new branch supersedes the old pull request.
        action, newer = sync(forge, KEY, _proposal(head="tagpilot/apps/auto-5d41402abc4b"))
        assert action == "created" and newer.number != pr.number
        assert forge_server.prs[pr.number].state != "open"
        assert "Superseded" in forge_server.prs[pr.number].comments[0]

        # Another automation's pull request into the same base is left alone.
        sync(forge, "apps/other", _proposal(head="tagpilot/apps/other"))
        closed = close_landed(forge, KEY, "main")
        assert [p.number for p in closed] == [newer.number]
        assert [p.head for p in forge_server.open_prs()] == ["tagpilot/apps/other"]
        assert forge_server.violations == []


# Requests a listing of 300 open pull requests (225 into main) takes: GitHub and GitLab filter by
# base and ask for 100 a page; Gitea lists all, 50 a page (its default maximum), and stops at a
# short page; Bitbucket follows ``next`` links (the stand-in serves 10 a page).
PAGES = {"github": 3, "gitlab": 3, "gitea": 7, "bitbucket": 30}


@pytest.mark.parametrize("kind", KINDS)
def test_listing_reads_every_page(kind: str) -> None:
    with ForgeStandIn(kind, "s3cret") as forge_server:
        for n in range(300):
            forge_server.prs[n + 1] = PR(n + 1, f"topic-{n}", "main" if n % 4 else "dev", "t", "b")
        forge = Forges(requests.Session())(kind, "team/app", "s3cret", forge_server.url)
        found = forge.open_pull_requests("main")
        assert sorted(pr.number for pr in found) == [n + 1 for n in range(300) if n % 4]
        assert all(pr.head == f"topic-{pr.number - 1}" for pr in found)
        assert len(forge_server.requests) == PAGES[kind]
        assert forge_server.violations == []


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_token_is_a_forge_error(kind: str) -> None:
    with ForgeStandIn(kind, "s3cret") as forge_server:
        forge = Forges(requests.Session())(kind, "team/app", "wrong", forge_server.url)
        with pytest.raises(ForgeError, match="HTTP 401"):
            forge.open_pull_requests("main")


# One request per forge that its published description refuses (a body schema, a parameter type,
# an enum), with the problem the stand-in reports; Gitea requests are checked against Gitea's and
# Forgejo's descriptions both.
REFUSED = {
    "github": (
        "PATCH",
        "/repos/team/app/pulls/1",
        {"state": "merged"},
        ["(GitHub): body: 'merged' is not one of ['open', 'closed'] (at state)"],
    ),
    "gitea": (
        "GET",
        "/repos/team/app/pulls?page=two",
        None,
        [
            "(Gitea 1.20): query parameter 'page': 'two' is not of type 'integer'",
            "(Forgejo 14.0.2): query parameter 'page': 'two' is not of type 'integer'",
        ],
    ),
    "gitlab": (
        "PUT",
        "/projects/team%2Fapp/merge_requests/1",
        {"add_labels": "automation", "state_event": "closed"},
        [
            "(GitLab 19.5): body: 'automation' is not of type 'array' (at add_labels)",
            "(GitLab 19.5): body: 'closed' is not one of ['close', 'reopen'] (at state_event)",
        ],
    ),
    "bitbucket": (
        "POST",
        "/repositories/team/app/pullrequests",
        {"title": "t", "source": {"branch": {"name": "b"}}},
        ["(Bitbucket Cloud): body: 'type' is a required property (at top)"],
    ),
}


def test_gitlab_notes_are_checked_against_the_published_operation() -> None:
    """The merge request note is in the vendored extract like the other GitLab calls: its body
    schema requires ``body``, and a call outside the extract is refused, not waved through."""
    note = "/projects/team%2Fapp/merge_requests/1/notes"
    assert forgeschema.check_request("gitlab", "POST", note, {}, {"body": "superseded"}) == []
    [missing] = forgeschema.check_request("gitlab", "POST", note, {}, {"internal": False})
    assert "'body' is a required property" in missing
    [typed] = forgeschema.check_request("gitlab", "POST", note, {}, {"body": "x", "internal": "no"})
    assert "'no' is not of type 'boolean'" in typed
    unknown = forgeschema.check_request(
        "gitlab", "POST", "/projects/team%2Fapp/merge_requests/1/discussions", {}, {}
    )
    assert unknown, "a GitLab call outside the extract must be reported"


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_the_stand_in_rejects_what_the_schema_rejects(kind: str) -> None:
    method, path, body, problems = REFUSED[kind]
    with ForgeStandIn(kind, "s3cret") as forge_server:
        header, form = AUTH[kind]
        answer = requests.request(
            method,
            forge_server.url + path,
            json=body,
            headers={header: form.format(token="s3cret")},
            timeout=10,
        )
        assert answer.status_code == 400
        assert len(forge_server.violations) == len(problems)
        for wanted in problems:
            assert any(wanted in seen for seen in forge_server.violations), wanted
        assert forge_server.prs == {}, "a refused request changes nothing"


def test_answers_are_checked_against_the_response_schema() -> None:
    path = "/repositories/team/app/pullrequests"
    listing = {"values": [{"type": "pullrequest", "id": 1}], "page": 1}
    assert check_response("bitbucket", "GET", path, 200, listing) == []
    [problem] = check_response("bitbucket", "GET", path, 200, {"values": [{"id": 1}]})
    assert "'type' is a required property (at values/0)" in problem
    # GitLab's extract has no response schemas: the status must be documented.
    mr = "/projects/team%2Fapp/merge_requests/1"
    assert check_response("gitlab", "PUT", mr, 200, {"iid": 1}) == []
    [problem] = check_response("gitlab", "PUT", mr, 201, {"iid": 1})
    assert problem.endswith("(GitLab 19.5) answered 201: status not documented")
    gitea = check_response("gitea", "PATCH", "/repos/team/app/pulls/1", 200, {"number": 1})
    assert [p.split(" (")[1] for p in gitea] == [
        "Gitea 1.20) answered 200: status not documented",
        "Forgejo 14.0.2) answered 200: status not documented",
    ]


def test_repository_from_git_url() -> None:
    assert repository_of("https://github.com/team/app.git") == "team/app"
    assert repository_of("ssh://git@gitlab.com/group/sub/app") == "group/sub/app"
    assert repository_of("git@bitbucket.org:ws/app.git") == "ws/app"


DEPLOY = b"""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: apps}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0.0 # {"$imagepolicy": "apps:app"}
"""


def _git(server: GitServer, *args: str) -> str:
    repo = str(server.repo_path("fleet.git"))
    return subprocess.run(
        ["git", "--git-dir", repo, *args], capture_output=True, text=True, check=True
    ).stdout


def _set_latest(app: Any, tag: str) -> None:
    policy = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "apps",
            spec={"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "*"}}},
        )
    ).resource
    status = {"latestRef": {"name": "registry.example/app", "tag": tag}}
    app.objects.write_status(policy, status, next_due_at=None)


def _run(app: Any) -> Any:
    app.objects.request_reconcile("ImageUpdateAutomation", "apps", "auto", str(len(str(app))))
    return automation.reconcile(app, "apps", "auto")


def test_automation_opens_updates_and_closes_its_pull_request(app, tmp_path) -> None:
    with GitServer() as git, ForgeStandIn("github", "s3cret") as github:
        git.create_repo("fleet.git", {"deploy/app.yaml": DEPLOY})
        app.secrets.put("apps", "forge", "Opaque", {"token": "s3cret"}, uses=("git",))
        app.objects.apply(
            Resource(
                "source.toolkit.fluxcd.io/v1",
                "GitRepository",
                "fleet",
                "apps",
                spec={"url": git.url_for("fleet.git"), "interval": "5m", "ref": {"branch": "main"}},
            )
        )
        annotations = {
            "tagpilot.dev/pull-request": "github",
            "tagpilot.dev/pull-request-api": github.url,
            "tagpilot.dev/pull-request-repository": "team/app",
            "tagpilot.dev/pull-request-secret": "forge",
            "tagpilot.dev/pull-request-title": "Update {{ len .Images }} image(s)",
            "tagpilot.dev/pull-request-labels": "automation, images",
        }
        spec = {
            "interval": "5m",
            "sourceRef": {"kind": "GitRepository", "name": "fleet"},
            "git": {"commit": {"author": {"name": "bot", "email": "bot@example.com"}}},
            "update": {"strategy": "Setters", "path": "./deploy"},
        }
        app.objects.apply(
            Resource(
                "image.toolkit.fluxcd.io/v1",
                "ImageUpdateAutomation",
                "auto",
                "apps",
                spec=spec,
                annotations=annotations,
            )
        )
        _set_latest(app, "1.1.0")
        out = _run(app)
        assert out.ready == "True", out.message
        branch = "tagpilot/apps/auto"
        assert "registry.example/app:1.1.0" in _git(git, "show", f"{branch}:deploy/app.yaml")
        assert "1.0.0" in _git(git, "show", "main:deploy/app.yaml"), "main is untouched"
        [pr] = github.open_prs()
        assert (pr.head, pr.base, pr.title) == (branch, "main", "Update 1 image(s)")
        assert pr.labels == ["automation", "images"]
        resource = app.objects.require("ImageUpdateAutomation", "apps", "auto")
        assert condition(resource, CONDITION)["reason"] == "Created"
        assert resource.status["extensions"]["pullRequest"]["number"] == pr.number

        _set_latest(app, "1.2.0")
        _run(app)
        assert "app:1.2.0" in _git(git, "show", f"{branch}:deploy/app.yaml")
        assert [p.number for p in github.open_prs()] == [pr.number], "updated, not duplicated"
        assert "registry.example/app:1.2.0" in github.prs[pr.number].body

        # Someone lands 1.2.0 on main by hand: the pull request is closed.
        git.push_commit("fleet.git", {"deploy/app.yaml": DEPLOY.replace(b"1.0.0", b"1.2.0")})
        _run(app)
        assert github.open_prs() == []
        assert "already on `main`" in github.prs[pr.number].comments[-1]
        resource = app.objects.require("ImageUpdateAutomation", "apps", "auto")
        assert condition(resource, CONDITION)["reason"] == "Landed"
        assert github.violations == []


def test_pull_request_without_secret_stalls(app) -> None:
    app.objects.apply(
        Resource(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            "fleet",
            "apps",
            spec={
                "url": "http://127.0.0.1:9/fleet.git",
                "interval": "5m",
                "ref": {"branch": "main"},
            },
        )
    )
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageUpdateAutomation",
            "auto",
            "apps",
            spec={"interval": "5m", "sourceRef": {"kind": "GitRepository", "name": "fleet"}},
            annotations={"tagpilot.dev/pull-request": "github"},
        )
    )
    out = automation.reconcile(app, "apps", "auto")
    assert (out.ready, out.reason) == ("False", "InvalidExtension")
    assert "tagpilot.dev/pull-request-secret" in out.message


def test_a_vendored_description_is_pinned_by_checksum(tmp_path, monkeypatch) -> None:
    [source] = forgeschema.SOURCES["gitlab"]
    text = (forgeschema.VENDORED / source.member).read_text()
    (tmp_path / source.member).write_text(text.replace("'19.5'", "'19.6'"))
    monkeypatch.setattr(forgeschema, "VENDORED", tmp_path)
    with pytest.raises(ValueError, match="pinned " + source.sha256):
        forgeschema._load(source)
