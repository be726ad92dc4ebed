"""An image index resolved to linux/amd64 as source-controller does, and a Receiver webhook that
reconciles an OCIRepository after an ``oras`` push, through the real webhook handler."""

from __future__ import annotations

import io
import itertools
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import requests
from tagpilot.api.loader import load
from tagpilot.api.resource import Resource
from tagpilot.receiver.request import from_apigw_v2
from tagpilot.reconcile.apply import apply_documents
from tagpilot.reconcile.ocirepository import reconcile
from tagpilot.runtime.local_worker import LocalWorker
from tagpilot.runtime.webhook import handle_webhook
from tagpilot.runtime.webhook_server import to_apigw_event

from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
TOKEN = "an-oci-webhook-token-of-at-least-32-characters"
_n = itertools.count()


def _descriptor(server: RegistryServer, repo: str, tag: str, platform: Any) -> dict[str, Any]:
    body = requests.get(
        f"{server.url}/v2/{repo}/manifests/{tag}", headers={"Accept": MANIFEST}, timeout=10
    )
    body.raise_for_status()
    out = {
        "mediaType": MANIFEST,
        "digest": body.headers["Docker-Content-Digest"],
        "size": len(body.content),
    }
    if platform is not None:
        out["platform"] = platform
    return out


def _push_index(server: RegistryServer, repo: str, tag: str, children: list[dict[str, Any]]) -> str:
    """PUT an OCI image index (plain HTTP: a second, independent client)."""
    index = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": children}).encode()
    put = requests.put(
        f"{server.url}/v2/{repo}/manifests/{tag}",
        data=index,
        headers={"Content-Type": INDEX},
        timeout=10,
    )
    assert put.status_code == 201, put.text
    return str(put.headers["Docker-Content-Digest"])


def _files(app: Any, status: dict[str, Any]) -> dict[str, bytes]:
    data = (app.settings.home / "artifacts" / status["artifact"]["path"]).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isreg()
        }


def _apply(app: Any, server: RegistryServer, repo: str, name: str, **spec: Any) -> None:
    body = {"url": f"oci://{server.host}/{repo}", "interval": "10m", "insecure": True, **spec}
    app.objects.apply(Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", name, "apps", body))


def test_index_resolves_to_linux_amd64(app: Any, registry: RegistryServer, tmp_path: Path) -> None:
    repo = f"index/app{next(_n)}"
    for arch in ("arm64", "amd64", "s390x"):
        oras_push(registry, repo, arch, tarball({"arch.yaml": arch.encode()}), tmp_path)
    children = [
        _descriptor(registry, repo, "arm64", {"os": "linux", "architecture": "arm64"}),
        _descriptor(registry, repo, "s390x", {"os": "windows", "architecture": "amd64"}),
        _descriptor(
            registry, repo, "amd64", {"os": "linux", "architecture": "amd64", "variant": "v3"}
        ),
    ]
    index = _push_index(registry, repo, "1.0.0", children)
    _apply(app, registry, repo, "multi", ref={"tag": "1.0.0"})
    out = reconcile(app, "apps", "multi")
    status = app.objects.get("OCIRepository", "apps", "multi").status
    assert out.ready == "True", out.message
    # The revision and the file name are the index's; the content is the linux/amd64 image's.
    assert status["artifact"]["revision"] == f"1.0.0@{index}"
    assert status["artifact"]["path"] == f"ocirepository/apps/multi/{index}.tar.gz"
    assert _files(app, status) == {"arch.yaml": b"amd64"}

    # A child without a platform counts as linux/amd64 (go-containerregistry's default).
    bare = _descriptor(registry, repo, "s390x", None)
    _push_index(registry, repo, "2.0.0", [children[0], bare, children[2]])
    _apply(app, registry, repo, "multi", ref={"tag": "2.0.0"})
    assert reconcile(app, "apps", "multi").ready == "True"
    status = app.objects.get("OCIRepository", "apps", "multi").status
    assert _files(app, status) == {"arch.yaml": b"s390x"}

    # No linux/amd64 child: FetchFailed, the previous artifact is kept.
    only_arm = _push_index(registry, repo, "3.0.0", [children[0], children[1]])
    _apply(app, registry, repo, "multi", ref={"tag": "3.0.0"})
    out = reconcile(app, "apps", "multi")
    after = app.objects.get("OCIRepository", "apps", "multi").status
    fetch = next(c for c in after["conditions"] if c["type"] == "FetchFailed")
    assert (fetch["status"], fetch["reason"]) == ("True", "OCIArtifactPullFailed")
    assert fetch["message"] == (
        f"failed to pull artifact from 'oci://{registry.host}/{repo}': no child with platform "
        f"amd64/linux in index {registry.host}/{repo}@{only_arm}"
    )
    assert out.ready == "False" and after["artifact"] == status["artifact"]


RECEIVER = """\
apiVersion: v1
kind: Secret
metadata: {{name: webhook-token, namespace: apps}}
stringData: {{token: {token}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: manifests, namespace: apps}}
spec:
  url: oci://{host}/{repo}
  ref: {{tag: stable}}
  interval: 1h
  insecure: true
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {{name: artifacts, namespace: apps}}
spec:
  type: generic
  secretRef: {{name: webhook-token}}
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: OCIRepository
      name: manifests
"""


def test_webhook_reconciles_oci_repository_after_oras_push(
    app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = f"hooked/app{next(_n)}"
    first = oras_push(registry, repo, "stable", tarball({"app.yaml": b"v: 1\n"}), tmp_path)
    manifests = tmp_path / "receiver.yaml"
    manifests.write_text(RECEIVER.format(token=TOKEN, host=registry.host, repo=repo))
    lines = apply_documents(app, load([str(manifests)]))
    assert len(lines) == 3 and all("created" in line for line in lines), lines
    worker = LocalWorker(app)
    worker.tick()
    oci = app.objects.require("OCIRepository", "apps", "manifests")
    assert oci.status["artifact"]["revision"] == f"stable@{first}"

    second = oras_push(registry, repo, "stable", tarball({"app.yaml": b"v: 2\n"}), tmp_path)
    worker.tick()  # the interval (1h) has not passed: nothing runs without the webhook
    oci = app.objects.require("OCIRepository", "apps", "manifests")
    assert oci.status["artifact"]["revision"] == f"stable@{first}"

    path = app.objects.require("Receiver", "apps", "artifacts").status["webhookPath"]
    event = to_apigw_event("POST", path, [("Content-Type", "application/json")], b"{}")
    assert handle_webhook(app, from_apigw_v2(event)).status == 200
    worker.tick()
    oci = app.objects.require("OCIRepository", "apps", "manifests")
    assert oci.status["artifact"]["revision"] == f"stable@{second}"
    assert _files(app, oci.status) == {"app.yaml": b"v: 2\n"}
    ready = next(c for c in oci.status["conditions"] if c["type"] == "Ready")
    assert ready["message"] == f"stored artifact for digest 'stable@{second}'"

    # A wrong path reconciles nothing.
    third = oras_push(registry, repo, "stable", tarball({"app.yaml": b"v: 3\n"}), tmp_path)
    bad = to_apigw_event("POST", path + "x", [("Content-Type", "application/json")], b"{}")
    assert handle_webhook(app, from_apigw_v2(bad)).status == 404
    worker.tick()
    oci = app.objects.require("OCIRepository", "apps", "manifests")
    assert oci.status["artifact"]["revision"] == f"stable@{second}" != f"stable@{third}"
