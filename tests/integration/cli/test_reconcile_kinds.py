"""``tagpilot reconcile`` for every kind against real services, and waits that always end with a
clear outcome within ``--timeout``: a registry or Git server that never answers gives
``✗ context deadline exceeded`` on time, never a hang."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import gitfixtures
from tests.support.gitserver import GitServer
from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration

TOKEN = "a-webhook-token-of-at-least-32-characters"
DEPLOY = 'image: {image}:1.0.0 # {{"$imagepolicy": "flux-system:app"}}\n'
MANIFESTS = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {{name: app, namespace: flux-system}}
spec: {{image: "{image}", interval: 5m, insecure: true}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {{name: app, namespace: flux-system}}
spec:
  imageRepositoryRef: {{name: app}}
  policy: {{semver: {{range: ">=1.0.0"}}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: fleet, namespace: flux-system}}
spec: {{url: "{git_url}", interval: 5m, ref: {{branch: main}}}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {{name: app, namespace: flux-system}}
spec:
  interval: 30m
  sourceRef: {{kind: GitRepository, name: fleet}}
  git:
    commit:
      author: {{name: tagpilot, email: tagpilot@example.com}}
  update: {{path: ./, strategy: Setters}}
---
apiVersion: v1
kind: Secret
metadata: {{name: webhook-token, namespace: flux-system}}
stringData: {{token: {token}}}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {{name: registry, namespace: flux-system}}
spec:
  type: generic
  secretRef: {{name: webhook-token}}
  resources: [{{kind: ImageRepository, name: app}}]
"""


@pytest.fixture
def services() -> Iterator[tuple[RegistryServer, GitServer]]:
    with RegistryServer() as registry, GitServer() as git:
        yield registry, git


def _head(git: GitServer) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git.repo_path("fleet.git")), "rev-parse", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_reconcile_every_kind(cli: Any, app: Any, services: Any) -> None:
    registry, git = services
    image = f"{registry.host}/demo/app"
    push_image(registry.url, "demo/app", ["1.0.0", "1.2.0"])
    git.create_repo("fleet.git", {"app.yaml": DEPLOY.format(image=image).encode()})
    manifests = MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
    assert cli("apply", "-f", "-", stdin=manifests).code == 0

    src = cli("reconcile", "source", "git", "fleet", "--timeout", "1m")
    assert src.code == 0, src.err
    head = _head(git)
    assert src.err == (
        "► annotating GitRepository fleet in flux-system namespace\n"
        "✔ GitRepository annotated\n"
        "◎ waiting for GitRepository reconciliation\n"
        f"✔ fetched revision main@sha1:{head}\n"
    )
    got = cli("get", "sources", "git", "fleet", "--no-header")
    assert got.out.startswith(f"fleet\tmain@sha1:{head[:8]}\tFalse    \tTrue \t")
    assert f"stored artifact for revision 'main@sha1:{head[:8]}'" in got.out

    repo = cli("reconcile", "image", "repository", "app", "--timeout", "1m")
    assert repo.code == 0, repo.err
    assert repo.err.endswith("✔ scan fetched 2 tags\n")

    policy = cli("reconcile", "image", "policy", "app", "--timeout", "1m")
    assert policy.code == 0, policy.err
    assert policy.err.endswith(f"✔ selected ref {image}:1.2.0\n")

    auto = cli("reconcile", "image", "update", "app", "--with-source", "--timeout", "2m")
    assert auto.code == 0, auto.err
    assert "► annotating GitRepository fleet in flux-system namespace\n" in auto.err
    assert _head(git) != head  # the automation pushed a commit
    pushed = gitfixtures.read_file(git.repo_path("fleet.git"), "main", "app.yaml").decode()
    assert f"{image}:1.2.0 #" in pushed

    receiver = cli("reconcile", "receiver", "registry", "--timeout", "30s")
    assert receiver.code == 0, receiver.err
    assert receiver.err.endswith("✔ Receiver reconciliation completed\n")

    resumed = cli("suspend", "image", "repository", "app")
    assert resumed.code == 0
    resumed = cli("resume", "image", "repository", "app", "--timeout", "1m")
    assert resumed.code == 0, resumed.err
    assert resumed.err.endswith(
        "✔ ImageRepository app reconciliation completed\n✔ scan fetched 2 tags\n"
    )


def test_create_source_git_applies_and_reports_the_revision(
    cli: Any, app: Any, services: Any
) -> None:
    _registry, git = services
    git.create_repo("fleet.git", {"README.md": b"fleet\n"})
    done = cli(
        "create", "source", "git", "fleet", f"--url={git.url_for('fleet.git')}", "--branch=main"
    )
    assert done.code == 0, done.err
    head = _head(git)
    assert done.err == (
        "✚ generating GitRepository source\n"
        "► applying GitRepository source\n"
        "✔ GitRepository source created\n"
        "◎ waiting for GitRepository source reconciliation\n"
        "✔ GitRepository source reconciliation completed\n"
        f"✔ fetched revision: main@sha1:{head}\n"
    )
    missing = cli(
        "create", "source", "git", "nobranch", f"--url={git.url_for('fleet.git')}", "--branch=x"
    )
    assert missing.code == 1
    assert "GitRepository reconciliation failed: 'failed to checkout and determine revision" in (
        missing.err
    )


class _Silent:
    """A TCP server that accepts connections and never answers (a hung registry or Git host)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize(
    ("kind_words", "manifest"),
    [
        (
            ["image", "repository", "hung"],
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
            "metadata: {{name: hung, namespace: flux-system}}\n"
            'spec: {{image: "127.0.0.1:{port}/x/y", interval: 5m, insecure: true}}\n',
        ),
        (
            ["source", "git", "hung"],
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
            "metadata: {{name: hung, namespace: flux-system}}\n"
            'spec: {{url: "http://127.0.0.1:{port}/x.git", interval: 5m, ref: {{branch: main}}}}\n',
        ),
        (
            ["image", "update", "hung"],
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
            "metadata: {{name: hung, namespace: flux-system}}\n"
            'spec: {{url: "http://127.0.0.1:{port}/x.git", interval: 5m, ref: {{branch: main}}}}\n'
            "---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\n"
            "metadata: {{name: hung, namespace: flux-system}}\n"
            "spec: {{interval: 5m, sourceRef: {{kind: GitRepository, name: hung}}, "
            "git: {{commit: {{author: {{name: a, email: a@example.com}}}}}}, "
            "update: {{path: ./, strategy: Setters}}}}\n",
        ),
    ],
)
def test_waits_end_within_the_timeout(
    cli: Any, app: Any, kind_words: list[str], manifest: str
) -> None:
    silent = _Silent()
    try:
        assert cli("apply", "-f", "-", stdin=manifest.format(port=silent.port)).code == 0
        started = time.monotonic()
        done = cli("reconcile", *kind_words, "--timeout", "3s")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert done.code == 1
    assert done.err.endswith("✗ context deadline exceeded\n")
    assert elapsed < 3 + 2.0


def test_failures_end_at_once_with_flux_messages(cli: Any, app: Any) -> None:
    manifests = (
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
        "metadata: {name: orphan, namespace: flux-system}\n"
        "spec: {imageRepositoryRef: {name: missing}, policy: {semver: {range: '>=1.0.0'}}}\n"
        "---\napiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\n"
        "metadata: {name: tokenless, namespace: flux-system}\n"
        "spec: {type: generic, secretRef: {name: missing}, "
        "resources: [{kind: ImageRepository, name: app}]}\n"
    )
    assert cli("apply", "-f", "-", stdin=manifests).code == 0
    for words in (["image", "policy", "orphan"], ["receiver", "tokenless"]):
        started = time.monotonic()
        done = cli("reconcile", *words, "--timeout", "30s")
        assert done.code == 1
        assert "reconciliation failed: '" in done.err.splitlines()[-1], done.err
        assert time.monotonic() - started < 15
