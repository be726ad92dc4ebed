"""``push|pull|list|tag artifact`` against docker-registry, with oras on the other side."""

from __future__ import annotations

import itertools
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import requests
from tagpilot.cli.main import main

from tests.support import cosign
from tests.support.oci import FLUX_LAYER, oras_client, oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
_n = itertools.count()


def _tree(root: Path) -> Path:
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "app.yaml").write_text("kind: Deployment\n")
    (root / "logo.png").write_bytes(b"\x89PNG")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: x\n")
    return root


def _manifest(server: RegistryServer, repo: str, ref: str) -> dict[str, Any]:
    resp = requests.get(
        f"{server.url}/v2/{repo}/manifests/{ref}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        timeout=10,
    )
    resp.raise_for_status()
    return dict(resp.json())


def test_push_is_a_flux_artifact_oras_can_pull(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    repo = f"cli/push{next(_n)}"
    src = _tree(tmp_path / "src")
    url = f"oci://{registry.host}/{repo}:v1.0.0"
    code = main(
        [
            "push",
            "artifact",
            url,
            "--path",
            str(src),
            "--source",
            "https://github.com/org/app",
            "--revision",
            "main@sha1:0123abcd",
            "-a",
            "team=platform",
            "--insecure-registry",
            "--reproducible",
            "-o",
            "json",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    body = json.loads(out.out)
    assert list(body) == ["url", "repository", "tag", "digest"]
    assert body["repository"] == f"{registry.host}/{repo}" and body["tag"] == "v1.0.0"
    assert body["url"] == f"oci://{registry.host}/{repo}@{body['digest']}"
    manifest = _manifest(registry, repo, "v1.0.0")
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert "artifactType" not in manifest
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.flux.config.v1+json"
    assert [layer["mediaType"] for layer in manifest["layers"]] == [FLUX_LAYER]
    assert manifest["annotations"] == {
        "org.opencontainers.image.created": "1970-01-01T00:00:00Z",
        "org.opencontainers.image.source": "https://github.com/org/app",
        "org.opencontainers.image.revision": "main@sha1:0123abcd",
        "team": "platform",
    }
    # oras (an independent client) pulls the layer; the tarball holds what flux would put there.
    blob_path = tmp_path / "layer.tgz"
    client = oras_client(registry)
    client.download_blob(f"{registry.host}/{repo}", manifest["layers"][0]["digest"], str(blob_path))
    with tarfile.open(blob_path, "r:gz") as tar:
        names = [m.name for m in tar.getmembers()]
        assert names == [".", "deploy", "deploy/app.yaml"]
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())


def test_pull_an_oras_pushed_artifact(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = f"cli/pull{next(_n)}"
    annotations = {
        "org.opencontainers.image.source": "https://github.com/org/app",
        "org.opencontainers.image.revision": "6.3.5@sha1:abc",
    }
    digest = oras_push(
        registry, repo, "6.3.5", tarball({"a/b.yaml": b"x: 1\n"}), tmp_path, annotations=annotations
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code = main(
        [
            "pull",
            "artifact",
            f"oci://{registry.host}/{repo}:6.3.5",
            "-o",
            str(out_dir),
            "--insecure-registry",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert (out_dir / "a" / "b.yaml").read_text() == "x: 1\n"
    assert err.splitlines() == [
        f"► pulling artifact from oci://{registry.host}/{repo}:6.3.5",
        "✔ source https://github.com/org/app",
        "✔ revision 6.3.5@sha1:abc",
        f"✔ digest {registry.host}/{repo}@{digest}",
        f"✔ artifact content extracted to {out_dir}",
    ]


def test_pull_verify_key(registry: RegistryServer, tmp_path: Path, capsys: Any) -> None:
    repo = f"cli/signed{next(_n)}"
    digest = oras_push(registry, repo, "1.0.0", tarball({"a.yaml": b"1"}), tmp_path)
    key = cosign.generate("rsa")
    (tmp_path / "cosign.pub").write_text(key.public_pem)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [
        "pull",
        "artifact",
        f"oci://{registry.host}/{repo}:1.0.0",
        "-o",
        str(out_dir),
        "--insecure-registry",
        "--verify-key",
        str(tmp_path / "cosign.pub"),
    ]
    assert main(args) == 1
    assert "✗ verification failed: no matching signatures were found" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []
    cosign.sign_and_push(registry.url, repo, digest, [key], host=registry.host)
    assert main(args) == 0
    assert (out_dir / "a.yaml").read_bytes() == b"1"


def test_list_and_tag(registry: RegistryServer, tmp_path: Path, capsys: Any) -> None:
    repo = f"cli/list{next(_n)}"
    annotations = {
        "org.opencontainers.image.source": "src",
        "org.opencontainers.image.revision": "r",
    }
    digests = {
        tag: oras_push(
            registry,
            repo,
            tag,
            tarball({f"{tag}.yaml": tag.encode()}),
            tmp_path,
            annotations=annotations,
        )
        for tag in ("1.0.0", "1.1.0", "2.0.0", "latest")
    }
    cosign.sign_and_push(
        registry.url, repo, digests["1.0.0"], [cosign.generate()], host=registry.host
    )
    base = f"oci://{registry.host}/{repo}"
    assert main(["list", "artifacts", base, "--insecure-registry", "--filter-semver", "1.x"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ARTIFACT", "DIGEST", "SOURCE", "REVISION"]
    assert [line.split()[:2] for line in lines[1:]] == [
        [f"{registry.host}/{repo}:1.1.0", digests["1.1.0"]],
        [f"{registry.host}/{repo}:1.0.0", digests["1.0.0"]],
    ]
    assert main(["list", "artifacts", base, "--insecure-registry"]) == 0
    listed = [
        line.split()[0].rsplit(":", 1)[1] for line in capsys.readouterr().out.splitlines()[1:]
    ]
    assert listed == ["latest", "2.0.0", "1.1.0", "1.0.0"]  # .sig tag dropped, descending
    assert (
        main(["tag", "artifact", f"{base}:2.0.0", "--tag", "stable,prod", "--insecure-registry"])
        == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "► tagging artifact",
        f"✔ artifact tagged as {registry.host}/{repo}:stable",
        f"✔ artifact tagged as {registry.host}/{repo}:prod",
    ]
    head = requests.head(
        f"{registry.url}/v2/{repo}/manifests/prod",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        timeout=10,
    )
    assert head.headers["Docker-Content-Digest"] == digests["2.0.0"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["push", "artifact", "--path", "x", "--source", "s", "--revision", "r"],
            "artifact URL is required",
        ),
        (
            ["push", "artifact", "oci://h.io/org/app", "--path", "x", "--revision", "r"],
            "--source is required",
        ),
        (
            ["push", "artifact", "oci://h.io/org/app", "--path", "x", "--source", "s"],
            "--revision is required",
        ),
        (
            ["push", "artifact", "oci://h.io/org/app", "--source", "s", "--revision", "r"],
            'invalid path ""',
        ),
        (
            ["push", "artifact", "h.io/org/app", "--path", "x", "--source", "s", "--revision", "r"],
            "URL must be in format 'oci://<domain>/<org>/<repo>'",
        ),
        (
            [
                "push",
                "artifact",
                "oci://h.io/org/app",
                "--path",
                "/nonexistent",
                "--source",
                "s",
                "--revision",
                "r",
            ],
            "invalid path '/nonexistent', must point to an existing directory",
        ),
        (["pull", "artifact", "oci://h.io/org/app:1"], "output path cannot be empty"),
        (["tag", "artifact", "oci://h.io/org/app:1"], "--tag is required"),
        (["list", "artifacts"], "artifact repository URL is required"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: Any) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_invalid_annotation(tmp_path: Path, capsys: Any) -> None:
    argv = [
        "push",
        "artifact",
        "oci://h.io/org/app",
        "--path",
        str(tmp_path),
        "--source",
        "s",
        "--revision",
        "r",
        "-a",
        "a=b=c",
    ]
    assert main(argv) == 2
    assert "invalid annotation a=b=c, must be in the format key=value" in capsys.readouterr().err
