"""One bad object never stops the worker: each trigger below used to end ``serve`` (and the Lambda
invocation) with a traceback. Now the failure is a status on that object, its claim is released
and the object queued behind it is still reconciled.

Real services throughout: DynamoDB Local, Debian's docker-registry, git http-backend, and a
hostile HTTP peer on 127.0.0.1 for answers no honest registry gives.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.reconcile.dispatch import dispatch_keys
from tagpilot.reconcile.isolation import DELETED
from tagpilot.runtime.local_worker import LocalWorker
from tagpilot.store.queues import WorkItem

from tests.support.gitserver import GitServer
from tests.support.hostile import HostileServer, Peer, http_response
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration

NS = "apps"
REPO_V1 = "image.toolkit.fluxcd.io/v1"


@pytest.fixture(scope="module")
def registry() -> Any:
    with RegistryServer() as server:
        push_image(server.url, "demo/app", ["1.0.0", "1.1.0"])
        yield server


def put_repo(app: Any, name: str, image: str, **spec: Any) -> Resource:
    resource = Resource(
        REPO_V1,
        "ImageRepository",
        name,
        NS,
        spec={"image": image, "interval": "5m", "insecure": True, **spec},
    )
    return app.objects.apply(resource).resource


def ready(app: Any, kind: str, name: str) -> dict[str, Any]:
    obj = app.objects.require(kind, NS, name)
    return conditions.get(obj.status, conditions.READY) or {}


def run_in_order(app: Any, *items: WorkItem) -> list[Any]:
    """Claim and queue ``items`` in this order, as the dispatcher does, and drain them as
    ``serve`` does (no exception escapes)."""
    for item in items:
        key = f"{item.namespace}/{item.name}"
        assert dispatch_keys(app, item.kind, [key], now=app.clock()) == 1
    return LocalWorker(app).drain()


def scan(name: str) -> WorkItem:
    return WorkItem("ImageRepository", NS, name)


def test_registry_answering_nested_json(app: Any, registry: RegistryServer) -> None:
    bomb = b'{"tags": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with HostileServer(lambda peer: peer.send(http_response(bomb))) as hostile:
        put_repo(app, "bomb", f"{hostile.host}/org/app")
        put_repo(app, "good", f"{registry.host}/demo/app")
        outcomes = run_in_order(app, scan("bomb"), scan("good"))
    assert [o.name for o in outcomes] == ["bomb", "good"]
    bad = ready(app, "ImageRepository", "bomb")
    assert (bad["status"], bad["reason"]) == ("False", "ReadOperationFailed")
    assert "tag list is not valid JSON" in bad["message"]
    assert ready(app, "ImageRepository", "good")["status"] == "True"
    # The claim is released: the failed object is due again after Flux's first backoff.
    assert app.objects.require("ImageRepository", NS, "bomb").failures == 1


def test_object_deleted_during_its_reconcile(app: Any, registry: RegistryServer) -> None:
    def delete_then_answer(peer: Peer) -> None:
        app.objects.delete("ImageRepository", NS, "doomed")
        peer.send(http_response(b'{"name": "org/app", "tags": ["1.0.0"]}'))

    with HostileServer(delete_then_answer) as hostile:
        put_repo(app, "doomed", f"{hostile.host}/org/app")
        put_repo(app, "good", f"{registry.host}/demo/app")
        outcomes = run_in_order(app, scan("doomed"), scan("good"))
    assert hostile.requests, "the registry was asked"
    assert outcomes[0].skipped == DELETED
    assert app.objects.get("ImageRepository", NS, "doomed") is None, "not resurrected"
    assert ready(app, "ImageRepository", "good")["status"] == "True"


def test_interval_that_does_not_parse_stalls(app: Any, registry: RegistryServer) -> None:
    # Validation refuses this at apply; an item written by another tool (or an older tagpilot)
    # still reaches the reconciler, which used to raise DurationError into the DLQ.
    put_repo(app, "odd", f"{registry.host}/demo/app", interval="5 minutes")
    put_repo(app, "good", f"{registry.host}/demo/app")
    outcomes = run_in_order(app, scan("odd"), scan("good"))
    assert [o.ready for o in outcomes] == ["False", "True"]
    obj = app.objects.require("ImageRepository", NS, "odd")
    stalled = conditions.get(obj.status, conditions.STALLED) or {}
    assert (stalled.get("status"), stalled.get("reason")) == ("True", "InvalidSpec")
    assert "5 minutes" in stalled["message"]
    assert ready(app, "ImageRepository", "odd")["reason"] == "InvalidSpec"
    # Stalled: not scheduled again until the spec changes (no retry loop, no DLQ); the good one
    # is back on its periodic slot.
    assert app.objects.due("ImageRepository", now=app.clock() + 86_400) == []
    model = app.objects._model
    assert model.get("ImageRepository", f"{NS}/odd").slot_shard is None
    assert model.get("ImageRepository", f"{NS}/good").slot_shard == "ImageRepository#300"


# -- automations -------------------------------------------------------------------------------

MARKED = b'image: reg.example/app:1.0.0 # {"$imagepolicy": "apps:app"}\n'


def automation_objects(app: Any, git: GitServer, name: str, repo: str) -> None:
    app.objects.apply(
        Resource(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            name,
            NS,
            spec={"url": git.url_for(repo), "interval": "5m", "ref": {"branch": "main"}},
        )
    )
    app.objects.apply(
        Resource(
            REPO_V1,
            "ImageUpdateAutomation",
            name,
            NS,
            spec={
                "interval": "30m",
                "sourceRef": {"kind": "GitRepository", "name": name},
                "git": {"commit": {"author": {"name": "bot", "email": "bot@example.com"}}},
                "update": {"path": "./", "strategy": "Setters"},
            },
        )
    )


@pytest.fixture
def policy(app: Any) -> None:
    """An ImagePolicy whose latestRef moved to 2.0.0 (what the automations apply)."""
    policy = app.objects.apply(
        Resource(
            REPO_V1,
            "ImagePolicy",
            "app",
            NS,
            spec={"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "*"}}},
        )
    ).resource
    latest = {"name": "reg.example/app", "tag": "2.0.0"}
    app.objects.write_status(policy, {"latestRef": latest}, next_due_at=None)


def show(git: GitServer, repo: str, what: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(git.repo_path(repo)), "show", what],
        capture_output=True,
        check=True,
    ).stdout


def automate(name: str) -> WorkItem:
    return WorkItem("ImageUpdateAutomation", NS, name)


def test_marked_file_nested_too_deeply(app: Any, policy: None) -> None:
    deep = MARKED + b"nest: " + b"[" * 3000 + b"]" * 3000 + b"\n"
    with GitServer() as git:
        git.create_repo("deep.git", {"deep.yaml": deep})
        git.create_repo("fine.git", {"app.yaml": MARKED})
        automation_objects(app, git, "deep", "deep.git")
        automation_objects(app, git, "fine", "fine.git")
        outcomes = run_in_order(app, automate("deep"), automate("fine"))
        assert [o.name for o in outcomes] == ["deep", "fine"]
        cond = ready(app, "ImageUpdateAutomation", "deep")
        # Either the file is skipped as too deep (input limits) or the run fails on it: both
        # are a status on this automation, and nothing was pushed for it.
        assert cond["status"] in ("True", "False")
        if cond["status"] == "False":
            assert "nested too deeply" in cond["message"]
        assert show(git, "deep.git", "main:deep.yaml") == deep
        assert ready(app, "ImageUpdateAutomation", "fine")["status"] == "True"
        assert b"reg.example/app:2.0.0" in show(git, "fine.git", "main:app.yaml")


def test_marked_file_with_a_non_utf8_name(app: Any, policy: None) -> None:
    # Git file names are bytes; this one is Latin-1. It used to crash the checkout lookup.
    with GitServer() as git:
        bare = git.create_repo("latin.git", {"README.md": b"x\n"})
        work = bare.parent / "latin-work"
        env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "HOME": str(bare.parent)}
        env |= {"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b", "PATH": "/usr/bin:/bin"}
        subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, env=env)
        raw_name = b"caf\xe9.yaml"
        with open(bytes(work) + b"/" + raw_name, "wb") as fh:
            fh.write(MARKED)
        subprocess.run(["git", "-C", str(work), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(work), "commit", "-qm", "latin"], check=True, env=env)
        subprocess.run(
            ["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, env=env
        )
        git.create_repo("fine.git", {"app.yaml": MARKED})
        automation_objects(app, git, "latin", "latin.git")
        automation_objects(app, git, "fine", "fine.git")
        outcomes = run_in_order(app, automate("latin"), automate("fine"))
        assert [o.ready for o in outcomes] == ["True", "True"], outcomes
        tree = subprocess.run(
            ["git", "--git-dir", str(git.repo_path("latin.git")), "ls-tree", "-z", "main"],
            capture_output=True,
            check=True,
        ).stdout
        assert b"\t" + raw_name + b"\x00" in tree, "the name is kept byte for byte"
        assert b"reg.example/app:2.0.0" in show(git, "latin.git", "main:" + "caf\udce9.yaml")
        assert b"reg.example/app:2.0.0" in show(git, "fine.git", "main:app.yaml")


def test_a_contained_failure_records_its_warning_event(app: Any, registry: RegistryServer) -> None:
    """Flux's controllers emit a Warning for every failed reconcile; one the runner contains
    (here an interval the reconciler cannot parse) records it too, with the status's reason."""
    put_repo(app, "odd-event", f"{registry.host}/demo/app", interval="5 minutes")
    run_in_order(app, scan("odd-event"))
    stored = app.events.store.list(NS, kind="ImageRepository", name="odd-event")
    assert [(e.type, e.reason) for e in stored] == [("Warning", "InvalidSpec")]
    assert "5 minutes" in stored[0].message
