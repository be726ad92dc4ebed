"""A push that loses a race is refetched, re-applied and retried at once.

git http-backend runs a real second pusher from its ``pre-receive`` hook: while tagpilot's push
waits for its ref update, another clone pushes a commit to the same branch and lands first, so the
server answers ``ng refs/heads/main failed to update ref`` (the ref is no longer at the value our
push expected). Before, that surfaced as GitOperationFailed and waited for the backoff.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.reconcile.dispatch import dispatch_keys
from tagpilot.runtime.local_worker import LocalWorker

from tests.support.gitserver import GitServer

pytestmark = pytest.mark.integration

NS = "apps"
MARKED = b'image: reg.example/app:1.0.0 # {"$imagepolicy": "apps:app"}\n'

#: Push a concurrent commit from a fresh clone (``races-left`` times), then let ours proceed.
#: The racer's own push runs this hook too (a local push inherits the environment): RACER=1
#: lets it through.
RACER = """#!/bin/sh
cat >/dev/null
[ -z "$RACER" ] || exit 0
repo=$(cd "$GIT_DIR" && pwd)
n=$(cat "$repo/races-left" 2>/dev/null || echo 0)
[ "$n" -gt 0 ] || exit 0
echo $((n - 1)) > "$repo/races-left"
work=$(mktemp -d)
env -i RACER=1 PATH="$PATH" HOME="$work" GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=other@example.com \\
    GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=other@example.com sh -c "
  git clone -q '$repo' '$work/c' && cd '$work/c' &&
  echo $n >> other.txt && git add other.txt && git commit -qm 'concurrent commit $n' &&
  git push -q origin HEAD:main" >"$repo/racer.log" 2>&1
rm -rf "$work"
exit 0
"""


def install_racer(bare: Path, races: int) -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(RACER)
    hook.chmod(0o755)
    (bare / "races-left").write_text(str(races))


def setup(app: Any, git: GitServer, races: int) -> Path:
    bare = git.create_repo("fleet.git", {"app.yaml": MARKED})
    install_racer(bare, races)
    app.objects.apply(
        Resource(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            "fleet",
            NS,
            spec={"url": git.url_for("fleet.git"), "interval": "5m", "ref": {"branch": "main"}},
        )
    )
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageUpdateAutomation",
            "fleet",
            NS,
            spec={
                "interval": "30m",
                "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                "git": {"commit": {"author": {"name": "bot", "email": "bot@example.com"}}},
                "update": {"path": "./", "strategy": "Setters"},
            },
        )
    )
    policy = app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            NS,
            spec={"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "*"}}},
        )
    ).resource
    latest = {"name": "reg.example/app", "tag": "2.0.0"}
    app.objects.write_status(policy, {"latestRef": latest}, next_due_at=None)
    return bare


def git_out(bare: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(bare), *args], capture_output=True, text=True, check=True
    ).stdout


def run(app: Any) -> Any:
    assert dispatch_keys(app, "ImageUpdateAutomation", [f"{NS}/fleet"], now=app.clock()) == 1
    [outcome] = LocalWorker(app).drain()
    return outcome


def test_ref_update_race_is_retried_at_once(app: Any) -> None:
    with GitServer() as git:
        bare = setup(app, git, races=1)
        outcome = run(app)
        log = git_out(bare, "log", "--format=%s", "main").splitlines()
        assert (bare / "races-left").read_text().strip() == "0", "the racer pushed"
        assert outcome.ready == "True", outcome
        assert outcome.metrics["push_attempts"] == 2
        # Ours landed on top of the concurrent commit: nothing lost, nothing forced.
        assert log[1:] == ["concurrent commit 1", "initial commit"], log
        assert b"reg.example/app:2.0.0" in git_out(bare, "show", "main:app.yaml").encode()
        assert git_out(bare, "show", "main:other.txt") == "1\n"
        auto = app.objects.require("ImageUpdateAutomation", NS, "fleet")
        assert auto.status["lastPushCommit"] == git_out(bare, "rev-parse", "main").strip()


def test_retries_are_bounded(app: Any) -> None:
    with GitServer() as git:
        bare = setup(app, git, races=10)
        outcome = run(app)
        assert (outcome.ready, outcome.reason) == ("False", "GitOperationFailed")
        assert "failed to update ref" in outcome.message or "non-fast-forward" in outcome.message
        left = int((bare / "races-left").read_text())
        assert left == 10 - 3, "three rounds, each lost to a concurrent push"
        assert "reg.example/app:1.0.0" in git_out(bare, "show", "main:app.yaml")
        cond = conditions.get(
            app.objects.require("ImageUpdateAutomation", NS, "fleet").status, conditions.READY
        )
        assert cond is not None and cond["status"] == "False"
