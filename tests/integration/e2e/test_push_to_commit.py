"""End to end, in-process: a tag pushed to the real registry, the registry's notification
delivered to a ``generic`` Receiver, and the commit appears in the real Git server through
scan -> policy -> automation, without waiting for any interval."""

from __future__ import annotations

import subprocess
import threading
from typing import Any

import pytest
from tagpilot.api.loader import load
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.reconcile import automation, imagepolicy, imagerepository
from tagpilot.reconcile.apply import apply_documents
from tagpilot.runtime.local_worker import LocalWorker
from tagpilot.runtime.webhook import handle_webhook
from tagpilot.runtime.webhook_server import to_apigw_event

from demo.run import DEPLOYMENT, MANIFESTS, TOKEN
from tests.support.gitserver import GitServer
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration


def show(git: GitServer, what: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git.repo_path("fleet.git")), "show", what],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_webhook_push_becomes_commit(app: Any, tmp_path) -> None:
    with RegistryServer() as registry, GitServer() as git:
        image = f"{registry.host}/demo/app"
        push_image(registry.url, "demo/app", ["1.0.0"])
        git.create_repo("fleet.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()})
        manifests = tmp_path / "m.yaml"
        manifests.write_text(
            MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
        )
        apply_documents(app, load([str(manifests)]))
        worker = LocalWorker(app)
        worker.tick()
        worker.tick()
        assert "demo/app:1.0.0 #" in show(git, "main:deploy/app.yaml")

        push_image(registry.url, "demo/app", ["1.1.0", "2.0.0-rc.1"])
        path = app.objects.require("Receiver", "flux-system", "registry").status["webhookPath"]
        event = to_apigw_event("POST", path, [("Content-Type", "application/json")], b"{}")
        assert handle_webhook(app, from_apigw_v2(event)).status == 200
        worker.tick()
        worker.tick()

        deployed = show(git, "main:deploy/app.yaml")
        assert f"image: {image}:1.1.0 # " in deployed, deployed
        message = show(git, "main")
        assert f"- {image}:1.0.0 -> {image}:1.1.0" in message
        auto = app.objects.require("ImageUpdateAutomation", "flux-system", "app")
        assert (
            auto.status["lastPushCommit"]
            == subprocess.run(
                ["git", "--git-dir", str(git.repo_path("fleet.git")), "rev-parse", "main"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        assert auto.status["observedPolicies"] == {"app": {"name": image, "tag": "1.1.0"}}

        before = auto.status["lastPushCommit"]
        worker.tick()
        app.objects.request_reconcile("ImageUpdateAutomation", "flux-system", "app", "again")
        worker.tick()
        auto = app.objects.require("ImageUpdateAutomation", "flux-system", "app")
        assert auto.status["lastPushCommit"] == before, "nothing changed: no second commit"


def test_one_writer_per_branch(app: Any, tmp_path) -> None:
    """While another run holds the branch lease, a run is deferred (no commit, no failure);
    two runs started together after a burst of policy changes land exactly one commit, whichever
    of them wins the lease."""
    with RegistryServer() as registry, GitServer() as git:
        image = f"{registry.host}/demo/app"
        push_image(registry.url, "demo/app", ["1.0.0"])
        git.create_repo("fleet.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()})
        manifests = tmp_path / "m.yaml"
        manifests.write_text(
            MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
        )
        apply_documents(app, load([str(manifests)]))
        imagerepository.reconcile(app, "flux-system", "app")
        imagepolicy.reconcile(app, "flux-system", "app")
        lease = f"git:{git.url_for('fleet.git')}#main"
        assert app.leases.acquire(lease, "someone-else", 60)
        out = automation.reconcile(app, "flux-system", "app")
        assert out.skipped == "another run holds the branch"
        assert "1.0.0 #" in show(git, "main:deploy/app.yaml")
        app.leases.release(lease, "someone-else")

        for tag in ("1.1.0", "1.2.0", "1.3.0"):
            push_image(registry.url, "demo/app", [tag])
            app.objects.request_reconcile("ImageRepository", "flux-system", "app", tag)
            imagerepository.reconcile(app, "flux-system", "app")
            imagepolicy.reconcile(app, "flux-system", "app")

        start = threading.Barrier(2)
        outcomes: list[Any] = []

        def run() -> None:
            start.wait()
            outcomes.append(automation.reconcile(app, "flux-system", "app"))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(outcomes) == 2
        assert not any(o.failed for o in outcomes), [o.message for o in outcomes]
        pushed = [o for o in outcomes if o.metrics.get("commits") == 1]
        assert len(pushed) == 1, [(o.skipped, o.message) for o in outcomes]
        other = next(o for o in outcomes if o is not pushed[0])
        # The loser either found the lease held or, having run after the winner, nothing to do.
        assert other.skipped == "another run holds the branch" or (
            other.ready == "True" and other.metrics.get("commits") is None
        ), (other.skipped, other.message)
        log = subprocess.run(
            ["git", "--git-dir", str(git.repo_path("fleet.git")), "log", "--format=%s", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        assert len(log) == 2, log  # the initial commit and exactly one automation commit
        assert f"image: {image}:1.3.0 # " in show(git, "main:deploy/app.yaml")
        assert app.leases.acquire(lease, "after", 1), "the winner released the lease"
