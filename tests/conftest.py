"""Fixtures shared by every tier: DynamoDB Local, a wired App, sample events."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "tagpilot-tests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tagpilot")
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


def load_event(name: str) -> dict[str, Any]:
    """A sample event from ``events/`` (the same files the local invoker uses)."""
    return json.loads((EVENTS / name).read_text())


@pytest.fixture(scope="session")
def dynamodb_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Amazon's DynamoDB Local, in memory, on a free loopback port, for the whole session."""
    from tagpilot.local.dynamodb import LocalStackError, free_port, start_dynamodb_local

    from tests.support.ports import listened_by

    home = tmp_path_factory.mktemp("ddb-home")
    for _attempt in range(3):
        # The port was free when picked; another suite may take it before Java binds it, and
        # then the readiness poll would find *that* server: check who listens, else retry.
        port = free_port()
        try:
            proc = start_dynamodb_local(home, port, db_path=None, log=home / "ddb.log")
        except LocalStackError:
            continue
        if listened_by(proc.pid, port) is not False:
            break
        proc.terminate()
        proc.wait(10)
    else:
        raise RuntimeError(f"DynamoDB Local could not keep a port; see {home / 'ddb.log'}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


_counter = itertools.count()


@pytest.fixture
def settings(dynamodb_endpoint: str, tmp_path: Path) -> Any:
    """Settings with fresh table names per test, pointing at DynamoDB Local."""
    from tagpilot.config import Settings

    n = f"{os.getpid()}-{next(_counter)}"
    return Settings(
        mode="local",
        stage="test",
        objects_table=f"objects-{n}",
        tags_table=f"tags-{n}",
        leases_table=f"leases-{n}",
        secrets_prefix="tagpilot/test/",
        dynamodb_endpoint=dynamodb_endpoint,
        access_key_id="test",
        secret_access_key="test",
        home=tmp_path / "home",
    )


@pytest.fixture
def aws() -> Iterator[None]:
    """moto for the AWS APIs that have no local server (Secrets Manager, SQS, ECR)."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def app(settings: Any, aws: None) -> Any:
    """A fully wired App, by the handlers' own wiring (:func:`build_app`): DynamoDB Local for the
    store, moto for Secrets Manager and ECR, in-process queues (local mode), real HTTP."""
    from tagpilot.runtime.app import build_app

    return build_app(settings)
