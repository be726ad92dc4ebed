"""A reconcile that fails while the store is down releases what it holds once the store is back.

The dispatcher's claim moves ``next_due_at`` a whole interval ahead; a failed reconcile releases
it by writing its failure status (retry after Flux's backoff). When that write fails too,
because DynamoDB is down, the worker keeps the release and retries it at every tick, and an
automation's Git branch lease (900 s) is released the same way, so nothing waits for its claim
or lease to run out once the store answers again.

Real services: a DynamoDB Local persisting to disk, stopped and started again on the same port
while the reconcile runs; a hostile HTTP peer standing in for the registry or Git server.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.config import Settings
from tagpilot.local.dynamodb import free_port, start_dynamodb_local
from tagpilot.reconcile.dispatch import dispatch_keys
from tagpilot.runtime.app import build_app
from tagpilot.runtime.lambda_support import use_app
from tagpilot.runtime.local_worker import LocalWorker

from tests.conftest import load_event
from tests.functional.handlers.test_events import Context, handler
from tests.support.hostile import HostileServer, Peer, http_response

pytestmark = pytest.mark.integration

NS = "apps"
REPO_V1 = "image.toolkit.fluxcd.io/v1"


class Store:
    """DynamoDB Local with its data on disk, which a test can stop and start on the same port."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.proc: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = start_dynamodb_local(
            self.home, self.port, db_path=self.home / "db", log=self.home / "ddb.log"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path)
    db.start()
    try:
        yield db
    finally:
        db.stop()


@pytest.fixture
def outage_app(store: Store, tmp_path: Path, aws: None) -> Any:
    settings = Settings(
        mode="local",
        stage="test",
        objects_table="objects",
        tags_table="tags",
        leases_table="leases",
        secrets_prefix="tagpilot/test/",
        dynamodb_endpoint=store.endpoint,
        access_key_id="test",
        secret_access_key="test",
        home=tmp_path / "home",
    )
    return build_app(settings)


def ready(app: Any, kind: str, name: str) -> dict[str, Any]:
    obj = app.objects.require(kind, NS, name)
    return conditions.get(obj.status, conditions.READY) or {}


def claim(app: Any, kind: str, name: str) -> None:
    assert dispatch_keys(app, kind, [f"{NS}/{name}"], now=app.clock()) == 1


def test_scan_failing_during_an_outage_is_released_when_the_store_is_back(
    outage_app: Any, store: Store
) -> None:
    app = outage_app
    answers: list[str] = []

    def respond(peer: Peer) -> None:
        if not answers:  # the first scan: the store goes down under it, then the registry fails
            answers.append("outage")
            store.stop()
            peer.send(http_response(b"not json"))
        else:
            answers.append("tags")
            peer.send(http_response(b'{"name": "org/app", "tags": ["1.0.0", "1.2.0"]}'))

    with HostileServer(respond) as registry:
        app.objects.apply(
            Resource(
                REPO_V1,
                "ImageRepository",
                "app",
                NS,
                spec={"image": f"{registry.host}/org/app", "interval": "1h", "insecure": True},
            )
        )
        claim(app, "ImageRepository", "app")
        claimed_until = app.objects.require("ImageRepository", NS, "app").next_due_at
        assert claimed_until > app.clock() + 3000, "the claim holds the object for its interval"
        worker = LocalWorker(app)
        [failed] = worker.drain()
        assert failed.ready == "False"
        assert "status not recorded" in failed.message
        assert len(worker.unreleased) == 1

        # Still down: a tick neither raises nor forgets the release.
        worker.tick()
        assert worker.store_error is not None
        assert len(worker.unreleased) == 1

        store.start()
        worker.tick()  # releases first: the failure status, retried after Flux's backoff
        assert worker.unreleased == []
        obj = app.objects.require("ImageRepository", NS, "app")
        assert ready(app, "ImageRepository", "app")["reason"] == "StoreOperationFailed"
        assert obj.failures == 1
        # Measured after the tick (a freshly started DynamoDB Local can be slow to answer on a
        # loaded machine): the first backoff is 0.75 s, the claim ran for the hour.
        assert obj.next_due_at is not None and obj.next_due_at < app.clock() + 5, (
            "released: due again after the backoff, not at the claim's end"
        )
        assert obj.next_due_at < claimed_until - 3000
        # The next ticks reconcile it again, without waiting for the hour-long claim (the bound
        # only stops a broken run; the claim would hold it for an hour).
        deadline = time.monotonic() + 120
        while ready(app, "ImageRepository", "app").get("status") != "True":
            assert time.monotonic() < deadline, ready(app, "ImageRepository", "app")
            time.sleep(0.3)
            worker.tick()
    assert answers == ["outage", "tags"]
    assert (
        app.objects.require("ImageRepository", NS, "app").status["lastScanResult"]["tagCount"] == 2
    )


def test_automation_lease_and_claim_released_after_an_outage(outage_app: Any, store: Store) -> None:
    app = outage_app

    def respond(peer: Peer) -> None:
        store.stop()  # the store goes down while the run holds the branch lease
        peer.send(http_response(b"broken", status=500, content_type="text/plain"))

    with HostileServer(respond) as git:
        url = f"http://{git.host}/repo.git"
        app.objects.apply(
            Resource(
                "source.toolkit.fluxcd.io/v1",
                "GitRepository",
                "repo",
                NS,
                spec={"url": url, "interval": "5m", "ref": {"branch": "main"}},
            )
        )
        app.objects.apply(
            Resource(
                REPO_V1,
                "ImageUpdateAutomation",
                "auto",
                NS,
                spec={
                    "interval": "30m",
                    "sourceRef": {"kind": "GitRepository", "name": "repo"},
                    "git": {"commit": {"author": {"name": "bot", "email": "bot@example.com"}}},
                    "update": {"path": "./", "strategy": "Setters"},
                },
            )
        )
        claim(app, "ImageUpdateAutomation", "auto")
        worker = LocalWorker(app)
        [failed] = worker.drain()
        assert git.requests, "the run reached the Git server"
    assert failed.ready == "False" and "status not recorded" in failed.message
    [pending] = worker.unreleased
    lease = f"git:{url}#main"
    assert pending.lease is not None and pending.lease[0] == lease

    store.start()
    assert not app.leases.acquire(lease, "another-run", 60), "the failed run still holds it"
    assert worker.release_pending() == 0
    # The branch is free at once (not after the lease's 900 s) ...
    assert app.leases.acquire(lease, "another-run", 60)
    # ... and the automation is due again after the backoff, not after its 30 minute claim.
    obj = app.objects.require("ImageUpdateAutomation", NS, "auto")
    assert ready(app, "ImageUpdateAutomation", "auto")["status"] == "False"
    assert obj.failures == 1
    assert obj.next_due_at is not None and obj.next_due_at < app.clock() + 5
    assert [k for k, _ in app.objects.due("ImageUpdateAutomation", now=app.clock() + 5)] == [
        f"{NS}/auto"
    ]


def test_scan_lambda_fails_the_record_when_the_release_is_not_recorded(
    outage_app: Any, store: Store
) -> None:
    """In Lambda nothing survives the invocation: the record fails (SQS delivers it again once
    the visibility timeout passes) instead of the object waiting for its claim to run out."""
    app = outage_app

    def respond(peer: Peer) -> None:
        store.stop()
        peer.send(http_response(b"not json"))

    use_app(app)
    try:
        with HostileServer(respond) as registry:
            spec = {"image": f"{registry.host}/org/app", "interval": "1h", "insecure": True}
            app.objects.apply(Resource(REPO_V1, "ImageRepository", "app", NS, spec=spec))
            claim(app, "ImageRepository", "app")
            event = load_event("sqs-scan-imagerepository.json")
            record = copy.deepcopy(event["Records"][0])
            record["body"] = json.dumps({"kind": "ImageRepository", "name": "app", "namespace": NS})
            event["Records"] = [record]
            result = handler("scan")(event, Context())
    finally:
        use_app(None)
    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
