"""The local stack recovers: a running ``tagpilot serve`` survives a store outage and goes on
working once the stack is back (on the same ports), the store's files are private, and a local
``tagpilot reconcile`` runs only the object it was asked for.

Real processes throughout: the ``tagpilot`` console script, the local stack daemon with DynamoDB
Local persisting to disk, and Debian's docker-registry.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tagpilot.api import conditions
from tagpilot.config import load_settings
from tagpilot.local import stack
from tagpilot.runtime.app import build_app

from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration

TAGPILOT = str(Path(sys.executable).with_name("tagpilot"))

REPO = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {{name: {name}, namespace: flux-system}}
spec: {{image: {image}, interval: 5m, insecure: true}}
"""


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "home"
    try:
        yield path
    finally:
        stack.stop(path)


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    with RegistryServer() as server:
        push_image(server.url, "demo/app", ["1.0.0"])
        yield server


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAGPILOT_")}
    return env | {"TAGPILOT_MODE": "local", "TAGPILOT_HOME": str(home)}


def tagpilot(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAGPILOT, *args],
        env=env_for(home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def ready_of(app: Any, name: str) -> dict[str, Any]:
    obj = app.objects.get("ImageRepository", "flux-system", name)
    return (conditions.get(obj.status, conditions.READY) or {}) if obj else {}


def wait_for(check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError("condition not reached")


def test_serve_survives_a_store_outage_and_reconnects(home: Path, registry: RegistryServer) -> None:
    image = f"{registry.host}/demo/app"
    assert (
        tagpilot(home, "apply", "-f", "-", stdin=REPO.format(name="a", image=image)).returncode == 0
    )
    before = stack.read_state(home)
    assert before is not None
    app = build_app(load_settings(env_for(home)))
    serve = subprocess.Popen(
        [TAGPILOT, "serve", "--tick", "0.3"],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: ready_of(app, "a").get("status") == "True")

        assert stack.stop(home)  # the outage: DynamoDB Local and the secrets endpoint go away
        time.sleep(3.0)  # several dispatcher ticks against a dead store
        assert serve.poll() is None, "serve kept running through the outage"

        after = stack.ensure_running(home)
        assert (after.dynamodb_port, after.secrets_port) == (
            before.dynamodb_port,
            before.secrets_port,
        ), "the stack came back on the same ports"
        # Data persisted on disk; a new object applied now is picked up by the same serve.
        assert ready_of(app, "a").get("status") == "True"
        applied = tagpilot(home, "apply", "-f", "-", stdin=REPO.format(name="b", image=image))
        assert applied.returncode == 0, applied.stderr
        wait_for(lambda: ready_of(app, "b").get("status") == "True")
        assert serve.poll() is None
    finally:
        serve.terminate()
        out, err = serve.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert "ImageRepository flux-system/b" in out


def test_serve_follows_the_stack_to_new_ports(home: Path, registry: RegistryServer) -> None:
    """The remembered DynamoDB port is taken while the stack is down: the stack comes back on
    another port and the running ``serve`` finds it (no restart)."""
    image = f"{registry.host}/demo/app"
    applied = tagpilot(home, "apply", "-f", "-", stdin=REPO.format(name="a", image=image))
    assert applied.returncode == 0, applied.stderr
    before = stack.read_state(home)
    assert before is not None
    serve = subprocess.Popen(
        [TAGPILOT, "serve", "--tick", "0.3"],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    squatter = socket.socket()
    try:
        wait_for(lambda: ready_of(build_app(load_settings(env_for(home))), "a").get("status"))
        assert stack.stop(home)
        # Another program takes the port (DynamoDB Local binds every interface, so does this).
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("", before.dynamodb_port))
        squatter.listen(1)
        after = stack.ensure_running(home)
        assert after.dynamodb_port != before.dynamodb_port, "the stack moved"
        applied = tagpilot(home, "apply", "-f", "-", stdin=REPO.format(name="b", image=image))
        assert applied.returncode == 0, applied.stderr
        app = build_app(load_settings(env_for(home)))  # resolves the new ports
        wait_for(lambda: ready_of(app, "b").get("status") == "True")
        assert serve.poll() is None
    finally:
        squatter.close()
        serve.terminate()
        out, err = serve.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert "ImageRepository flux-system/b" in out, "reconciled by the serve started before"
    assert "local stack moved" in err


def test_store_files_are_private(home: Path) -> None:
    stack.ensure_running(home)
    build_app(load_settings(env_for(home)))  # creates the tables, i.e. the database file
    files = [p for p in (home / "dynamodb").iterdir() if p.is_file()]
    assert files, "DynamoDB Local wrote its database"
    for path in [*files, home / "secrets.json", home / "access-key", home / "local.json"]:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((home / "dynamodb").stat().st_mode) == 0o700


def test_local_reconcile_runs_only_the_object_asked_for(
    home: Path, registry: RegistryServer
) -> None:
    image = f"{registry.host}/demo/app"
    manifests = (
        REPO.format(name="asked", image=image) + "---\n" + REPO.format(name="other", image=image)
    )
    assert tagpilot(home, "apply", "-f", "-", stdin=manifests).returncode == 0
    done = tagpilot(home, "reconcile", "image", "repository", "asked", "-n", "flux-system")
    assert done.returncode == 0, done.stderr
    app = build_app(load_settings(env_for(home)))
    assert ready_of(app, "asked").get("status") == "True"
    assert ready_of(app, "other") == {}, "the other due object was left for the dispatcher"
    assert (
        app.objects.require("ImageRepository", "flux-system", "other").status.get("lastScanResult")
        is None
    )


def test_cli_prints_one_line_not_a_traceback(home: Path) -> None:
    stack.ensure_running(home)
    stack.stop(home)
    # The stack is down and the command may not start it: a store failure, reported in one line.
    env = env_for(home)
    state = {"TAGPILOT_DYNAMODB_ENDPOINT": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x"}
    done = subprocess.run(
        [TAGPILOT, "get", "image", "repository", "-n", "flux-system"],
        env=env | state | {"AWS_SECRET_ACCESS_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_follower_repoints_every_model_class(home: Path) -> None:
    """Each PynamoDB model class keeps its own endpoint: a key space added to a table (budgets,
    the slot directory) must be re-pointed too, or ``serve`` keeps calling the old port."""
    import dataclasses

    from tagpilot.runtime.follow import StackFollower
    from tagpilot.store.models import build_models

    stack.ensure_running(home)
    settings = load_settings(env_for(home))
    app = build_app(settings)
    assert isinstance(app.reresolve, StackFollower)
    models = build_models(app.settings)
    every = {getattr(models, f.name) for f in dataclasses.fields(models)} - {None}
    assert every <= set(app.reresolve._models), every - set(app.reresolve._models)
