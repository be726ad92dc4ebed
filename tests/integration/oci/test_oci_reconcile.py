"""OCIRepository reconciles against docker-registry; artifacts pushed by oras, not by tagpilot."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from tagpilot.api.resource import Resource
from tagpilot.reconcile.ocirepository import reconcile
from tagpilot.registry.client import RegistryClient
from tagpilot.store.events import MemoryPublisher

from tests.support import cosign
from tests.support.oci import FLUX_LAYER, oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
_n = itertools.count()
MANIFESTS = {
    "deploy/app.yaml": b"kind: Deployment\n",
    "deploy/svc.yaml": b"kind: Service\n",
    "logo.png": b"\x89PNG",
    ".github/workflows/ci.yaml": b"on: push\n",
    "README.md": b"# app\n",
}
ANNOTATIONS = {
    "org.opencontainers.image.source": "https://github.com/org/app",
    "org.opencontainers.image.revision": "main@sha1:abc",
}


class CountingSession(requests.Session):
    """Counts the requests tagpilot sends (to prove an unchanged reconcile is one HEAD)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append((method, url))
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def oci_app(app: Any) -> Any:
    app.registry = RegistryClient(CountingSession())
    app.events = MemoryPublisher()
    return app


def _repo() -> str:
    return f"manifests/app{next(_n)}"


def _apply(app: Any, server: RegistryServer, repo: str, **spec: Any) -> Resource:
    body = {"url": f"oci://{server.host}/{repo}", "interval": "5m", "insecure": True, **spec}
    resource = Resource("source.toolkit.fluxcd.io/v1", "OCIRepository", "podinfo", "apps", body)
    return app.objects.apply(resource).resource


def _run(app: Any) -> tuple[Any, dict[str, Any]]:
    out = reconcile(app, "apps", "podinfo")
    return out, app.objects.get("OCIRepository", "apps", "podinfo").status


def _cond(status: dict[str, Any], ctype: str) -> tuple[str, str, str] | None:
    for c in status.get("conditions", []):
        if c["type"] == ctype:
            return c["status"], c["reason"], c["message"]
    return None


def _names(app: Any, status: dict[str, Any]) -> list[str]:
    data = (app.settings.home / "artifacts" / status["artifact"]["path"]).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return sorted(m.name for m in tar.getmembers())


def test_tag_ref_first_and_unchanged_reconcile(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    digest = oras_push(
        registry, repo, "6.3.5", tarball(MANIFESTS), tmp_path, annotations=ANNOTATIONS
    )
    _apply(oci_app, registry, repo, ref={"tag": "6.3.5"})
    out, status = _run(oci_app)
    revision = f"6.3.5@{digest}"
    assert (out.ready, out.reason) == ("True", "Succeeded")
    assert _cond(status, "Ready") == (
        "True",
        "Succeeded",
        f"stored artifact for digest '{revision}'",
    )
    assert _cond(status, "ArtifactInStorage") == _cond(status, "Ready")
    assert [c["type"] for c in status["conditions"]] == ["Ready", "ArtifactInStorage"]
    artifact = status["artifact"]
    assert artifact["revision"] == revision
    assert artifact["path"] == f"ocirepository/apps/podinfo/{digest}.tar.gz"
    assert artifact["url"] == (oci_app.settings.home / "artifacts" / artifact["path"]).as_uri()
    assert artifact["metadata"] == ANNOTATIONS
    assert status["url"].endswith("/ocirepository/apps/podinfo/latest.tar.gz")
    assert status["observedGeneration"] == 1 and "observedIgnore" not in status
    # default exclusions: images and CI folders are left out; root entry '.'
    assert _names(oci_app, status) == [
        ".",
        "README.md",
        "deploy",
        "deploy/app.yaml",
        "deploy/svc.yaml",
    ]
    stored = (oci_app.settings.home / "artifacts" / artifact["path"]).read_bytes()
    import hashlib

    assert artifact["digest"] == "sha256:" + hashlib.sha256(stored).hexdigest()
    assert artifact["size"] == len(stored)
    [(kind, detail)] = oci_app.events.events
    assert kind == "NewArtifact" and detail["revision"] == revision
    assert detail["message"] == (
        f"stored artifact with revision '{revision}' from 'oci://{registry.host}/{repo}', "
        "origin source 'https://github.com/org/app', origin revision 'main@sha1:abc'"
    )
    # Unchanged: exactly one HEAD, nothing rebuilt, no event.
    oci_app.registry._session.calls.clear()
    # the dispatcher claims the due object (next_due_at = now + interval), then the worker runs
    assert oci_app.objects.claim("OCIRepository", "apps/podinfo", now=time.time(), hold_seconds=1)
    out, again = _run(oci_app)
    assert oci_app.registry._session.calls == [
        ("HEAD", f"http://{registry.host}/v2/{repo}/manifests/6.3.5")
    ]
    assert again["artifact"] == artifact and out.metrics["unchanged"] == 1
    assert len(oci_app.events.events) == 1
    # ... and no status write: the status is the same and the claim already scheduled the run
    assert out.metrics["status_unchanged"] == 1 and again == status


def test_semver_filter_new_revision_and_gc(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    for tag in ("1.0.0", "1.1.0", "2.0.0", "1.2.0-rc.1", "v1.1.5-dev"):
        oras_push(registry, repo, tag, tarball({f"{tag}.yaml": tag.encode()}), tmp_path)
    _apply(oci_app, registry, repo, ref={"semver": "1.x", "tag": "2.0.0"})
    _, status = _run(oci_app)
    assert status["artifact"]["revision"].startswith("1.1.0@sha256:")
    first = status["artifact"]["path"]
    _apply(oci_app, registry, repo, ref={"semver": ">=1.0.0-0", "semverFilter": ".*-dev$"})
    _, status = _run(oci_app)
    assert status["artifact"]["revision"].startswith("v1.1.5-dev@sha256:")
    _apply(oci_app, registry, repo, ref={"semver": "^1.0.0-0"})
    _, status = _run(oci_app)
    assert status["artifact"]["revision"].startswith("1.2.0-rc.1@")
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    kept = sorted(p.name for p in folder.iterdir() if not p.name.startswith("latest"))
    assert len(kept) == 2 and Path(first).name not in kept  # Flux keeps two records
    _apply(oci_app, registry, repo, ref={"semver": ">=9.0.0"})
    out, status = _run(oci_app)
    assert _cond(status, "FetchFailed") == (
        "True",
        "ReadOperationFailed",
        f"failed to determine the artifact tag for 'oci://{registry.host}/{repo}': "
        "no match found for semver: >=9.0.0",
    )
    assert out.ready == "False" and status["artifact"]["revision"].startswith("1.2.0-rc.1@")
    assert _cond(status, "Reconciling")[1] == "ProgressingWithRetry"


def test_digest_ref_and_default_latest(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    old = oras_push(registry, repo, "latest", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo)
    _, status = _run(oci_app)
    assert status["artifact"]["revision"] == f"latest@{old}"
    new = oras_push(registry, repo, "latest", tarball({"a.yaml": b"2"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"digest": old, "tag": "latest", "semver": ">=0.0.0"})
    _, status = _run(oci_app)
    assert status["artifact"]["revision"] == old
    assert status["artifact"]["path"].endswith(f"/{old}.tar.gz")
    _apply(oci_app, registry, repo, ref={"tag": "latest"})
    _, status = _run(oci_app)
    assert status["artifact"]["revision"] == f"latest@{new}"
    # The digest ref rebuilt the same bytes as the first run: no NewArtifact for it (Flux).
    assert [d["revision"] for _, d in oci_app.events.events] == [f"latest@{old}", f"latest@{new}"]


def test_missing_tag_keeps_previous_artifact_then_recovers(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _, good = _run(oci_app)
    _apply(oci_app, registry, repo, ref={"tag": "0.0.1"})
    out, status = _run(oci_app)
    ready = _cond(status, "Ready")
    assert ready[0:2] == ("False", "OCIArtifactPullFailed")
    assert ready[2].startswith(
        f"failed to determine artifact digest: GET http://{registry.host}/v2/{repo}/manifests/0.0.1:"
        " MANIFEST_UNKNOWN: manifest unknown"
    )
    assert status["artifact"] == good["artifact"] and status["observedGeneration"] == 1
    item = oci_app.objects.get("OCIRepository", "apps", "podinfo")
    assert item.failures == 1
    oras_push(registry, repo, "0.0.1", tarball({"a.yaml": b"0"}), tmp_path)
    out, status = _run(oci_app)
    assert out.ready == "True" and _cond(status, "FetchFailed") is None
    assert status["observedGeneration"] == 2


def test_layer_selector_copy_and_missing_media_type(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    blob = tarball({"chart/Chart.yaml": b"name: x\n"})
    oras_push(registry, repo, "1.0.0", blob, tmp_path, media_type="application/x-custom")
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, layerSelector={"mediaType": FLUX_LAYER})
    _, status = _run(oci_app)
    assert _cond(status, "FetchFailed") == (
        "True",
        "OCIArtifactLayerOperationFailed",
        f"failed to find layer with media type '{FLUX_LAYER}' in artifact",
    )
    selector = {"mediaType": "application/x-custom", "operation": "copy"}
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, layerSelector=selector)
    _, status = _run(oci_app)
    import hashlib

    assert status["artifact"]["digest"] == "sha256:" + hashlib.sha256(blob).hexdigest()
    assert status["observedLayerSelector"] == selector
    # operation '' vs 'extract' differ (nil-aware comparison): the artifact is rebuilt.
    _apply(
        oci_app,
        registry,
        repo,
        ref={"tag": "1.0.0"},
        layerSelector={"mediaType": "application/x-custom"},
    )
    _, status = _run(oci_app)
    assert status["observedLayerSelector"] == {"mediaType": "application/x-custom"}
    assert _names(oci_app, status) == [".", "chart", "chart/Chart.yaml"]


def test_ignore_change_rebuilds_same_revision(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    files = {**MANIFESTS, ".sourceignore": b"README.md\n", "deploy/.sourceignore": b"/svc.yaml\n"}
    oras_push(registry, repo, "1.0.0", tarball(files), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _, status = _run(oci_app)
    # .sourceignore patterns replace the non-VCS defaults: logo.png and .github come back.
    assert _names(oci_app, status) == [
        ".",
        ".github",
        ".github/workflows",
        ".github/workflows/ci.yaml",
        ".sourceignore",
        "deploy",
        "deploy/.sourceignore",
        "deploy/app.yaml",
        "logo.png",
    ]
    revision = status["artifact"]["revision"]
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, ignore="*.png\n.github/\n")
    out, status = _run(oci_app)
    assert (
        status["artifact"]["revision"] == revision
        and status["observedIgnore"] == "*.png\n.github/\n"
    )
    assert "logo.png" not in _names(oci_app, status)
    assert len(oci_app.events.events) == 2  # the tarball digest changed


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (
            tarball({"a.yaml": b"x"}, compress=False),
            "requires gzip-compressed body: gzip: invalid header",
        ),
        (tarball({"../escape.yaml": b"x"}), 'tar contained invalid name error "../escape.yaml"'),
        (tarball({"a/../../b": b"x"}), 'tar contained invalid name error "a/../../b"'),
        (tarball({"/etc/passwd": b"x"}), 'tar contained invalid name error "/etc/passwd"'),
        (
            tarball({"a.yaml": b"x"}, symlinks={"deploy/link": "../../etc"}),
            'tar contained symlink "deploy/link" pointing outside the artifact: "../../etc"',
        ),
        (
            tarball({"a.yaml": b"x"}, symlinks={"abs": "/etc/passwd"}),
            'tar contained symlink "abs" pointing outside the artifact: "/etc/passwd"',
        ),
        (
            tarball({"big.bin": b"x" * 20000}),
            'tar "big.bin" is bigger than max archive size of 16384 bytes',
        ),
    ],
    ids=[
        "not-gzip",
        "dotdot",
        "inner-dotdot",
        "absolute",
        "symlink-out",
        "symlink-abs",
        "oversized",
    ],
)
def test_bad_layers_are_refused_and_nothing_is_written(
    oci_app: Any, registry: RegistryServer, tmp_path: Path, blob: bytes, message: str
) -> None:
    oci_app.settings = oci_app.settings.with_overrides(artifact_max_bytes=16384)
    repo = _repo()
    oras_push(registry, repo, "1.0.0", tarball({"ok.yaml": b"ok"}), tmp_path)
    oras_push(registry, repo, "2.0.0", blob, tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _, good = _run(oci_app)
    _apply(oci_app, registry, repo, ref={"tag": "2.0.0"})
    out, status = _run(oci_app)
    assert _cond(status, "FetchFailed") == (
        "True",
        "OCIArtifactLayerOperationFailed",
        f"failed to extract layer contents from artifact: {message}",
    )
    assert out.ready == "False" and status["artifact"] == good["artifact"]
    assert _cond(status, "ArtifactOutdated")[1] == "NewRevision"
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [Path(good["artifact"]["path"]).name, "latest.tar.gz"]
    )
    assert not (tmp_path.parent / "escape.yaml").exists()


def test_symlink_inside_the_tree_is_dropped(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    blob = tarball({"a/b.yaml": b"x"}, symlinks={"a/link.yaml": "b.yaml"})
    oras_push(registry, repo, "1.0.0", blob, tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _, status = _run(oci_app)
    assert _names(oci_app, status) == [".", "a", "a/b.yaml"]


def test_storage_disappearance_rebuilds(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    repo = _repo()
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _, status = _run(oci_app)
    stored = oci_app.settings.home / "artifacts" / status["artifact"]["path"]
    stored.write_bytes(b"corrupted")
    out, again = _run(oci_app)
    assert out.ready == "True" and stored.read_bytes() != b"corrupted"
    assert again["artifact"]["digest"] == status["artifact"]["digest"]


def test_verification(oci_app: Any, registry: RegistryServer, tmp_path: Path) -> None:
    repo = _repo()
    digest = oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    key, other = cosign.generate("ecdsa"), cosign.generate("ed25519")
    oci_app.secrets.put(
        "apps", "cosign-keys", "Opaque", {"a.pub": other.public_pem}, uses=("registry",)
    )
    verify = {"provider": "cosign", "secretRef": {"name": "cosign-keys"}}
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, verify=verify)
    out, status = _run(oci_app)
    message = (
        "failed to verify the signature using provider 'cosign': no matching signatures were "
        f"found for '{registry.host}/{repo}@{digest}'"
    )
    assert _cond(status, "SourceVerified") == ("False", "VerificationError", message)
    assert _cond(status, "Ready") == ("False", "VerificationError", message)
    assert "artifact" not in status and oci_app.events.events == []
    cosign.sign_and_push(registry.url, repo, digest, [key], host=registry.host)
    oci_app.secrets.put(
        "apps",
        "cosign-keys",
        "Opaque",
        {"a.pub": other.public_pem, "b.pub": key.public_pem},
        uses=("registry",),
    )
    out, status = _run(oci_app)
    assert _cond(status, "SourceVerified") == (
        "True",
        "Succeeded",
        f"verified signature of revision 1.0.0@{digest}",
    )
    assert out.ready == "True" and status["artifact"]["revision"] == f"1.0.0@{digest}"
    # Verified at this generation: the next run is one HEAD again, no signature fetch.
    oci_app.registry._session.calls.clear()
    _run(oci_app)
    assert [m for m, _ in oci_app.registry._session.calls] == ["HEAD"]
    # A new unsigned revision: verification fails, the verified artifact is kept.
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"2"}), tmp_path)
    out, status = _run(oci_app)
    assert _cond(status, "SourceVerified")[:2] == ("False", "VerificationError")
    assert status["artifact"]["revision"] == f"1.0.0@{digest}"


def test_url_invalid_stalls(oci_app: Any, registry: RegistryServer) -> None:
    _apply(oci_app, registry, "x", url=f"oci://{registry.host}/org/app:1.0")
    out, status = _run(oci_app)
    message = (
        f"URL validation failed for 'oci://{registry.host}/org/app:1.0': "
        "URL must not contain a tag; remove ':1.0'"
    )
    assert _cond(status, "Stalled") == ("True", "URLInvalid", message)
    assert _cond(status, "Ready") == ("False", "URLInvalid", message)
    assert _cond(status, "Reconciling") is None
    item = oci_app.objects.get("OCIRepository", "apps", "podinfo")
    assert item.failures == 0


def test_missing_secret_is_authentication_failed(oci_app: Any, registry: RegistryServer) -> None:
    _apply(oci_app, registry, "org/x", secretRef={"name": "nope"})
    _, status = _run(oci_app)
    assert _cond(status, "FetchFailed") == (
        "True",
        "AuthenticationFailed",
        "failed to get credential: secretRef: secret 'apps/nope' not found",
    )


def test_json_status_round_trips(oci_app: Any, registry: RegistryServer, tmp_path: Path) -> None:
    repo = _repo()
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"}, ignore="")
    _, status = _run(oci_app)
    assert json.loads(json.dumps(status)) == status and status["observedIgnore"] == ""
    with gzip.open(oci_app.settings.home / "artifacts" / status["artifact"]["path"]) as f:
        assert f.read(512)[:1] == b"."


def test_htpasswd_registry_with_secret_ref(
    oci_app: Any, auth_registry: RegistryServer, tmp_path: Path
) -> None:
    from tests.support.registry import TEST_USERS

    user, password = next(iter(TEST_USERS.items()))
    repo = _repo()
    oras_push(
        auth_registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path, auth=(user, password)
    )
    config = {"auths": {auth_registry.host: {"username": user, "password": password}}}
    oci_app.secrets.put(
        "apps",
        "regcred",
        "kubernetes.io/dockerconfigjson",
        {".dockerconfigjson": json.dumps(config)},
        uses=("registry",),
    )
    _apply(oci_app, auth_registry, repo, ref={"tag": "1.0.0"})
    _, status = _run(oci_app)
    assert _cond(status, "FetchFailed")[1] == "OCIArtifactPullFailed"
    assert "UNAUTHORIZED" in _cond(status, "FetchFailed")[2]
    _apply(oci_app, auth_registry, repo, ref={"tag": "1.0.0"}, secretRef={"name": "regcred"})
    out, status = _run(oci_app)
    assert out.ready == "True" and status["artifact"]["revision"].startswith("1.0.0@")


def test_tls_registry_with_cert_secret_ref(
    oci_app: Any, tls_registry: RegistryServer, oci_pki: Any, tmp_path: Path
) -> None:
    repo = _repo()
    oras_push(tls_registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, tls_registry, repo, ref={"tag": "1.0.0"}, insecure=False)
    _, status = _run(oci_app)
    assert "TLS certificate verification failed" in _cond(status, "FetchFailed")[2]
    oci_app.secrets.put(
        "apps", "ca", "Opaque", {"ca.crt": oci_pki.ca.cert_pem.decode()}, uses=("registry",)
    )
    spec = {"ref": {"tag": "1.0.0"}, "insecure": False, "certSecretRef": {"name": "ca"}}
    _apply(oci_app, tls_registry, repo, **spec)
    out, status = _run(oci_app)
    assert out.ready == "True", status


def test_delete_removes_the_artifacts(
    oci_app: Any, registry: RegistryServer, tmp_path: Path
) -> None:
    from tagpilot.reconcile.ocirepository import delete_artifacts

    repo = _repo()
    oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    _apply(oci_app, registry, repo, ref={"tag": "1.0.0"})
    _run(oci_app)
    folder = oci_app.settings.home / "artifacts/ocirepository/apps/podinfo"
    assert len(list(folder.iterdir())) == 2
    assert delete_artifacts(oci_app, "apps", "podinfo") == 2
    assert not folder.exists()
