"""``build artifact``, ``diff artifact`` and ``push artifact --resolve-symlinks``: flux's local
artifact verbs; the remote side pushed by oras (an independent client) and read back with it."""

from __future__ import annotations

import io
import itertools
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from tagpilot.cli.main import main

from tests.support.oci import oras_client, oras_push
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration
_n = itertools.count()


def _tree(root: Path) -> Path:
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "app.yaml").write_text("kind: Deployment\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "run.sh", 0o700)
    (root / "logo.png").write_bytes(b"\x89PNG")
    return root


def _members(data: bytes) -> dict[str, tuple[bytes, int, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {
            m.name: (
                m.type,
                m.mode,
                tar.extractfile(m).read() if m.isreg() else b"",  # type: ignore[union-attr]
            )
            for m in tar
        }


def test_build_artifact_is_the_pushed_tarball(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tree(tmp_path / "src")
    out = tmp_path / "artifact.tgz"
    assert main(["build", "artifact", "--path", str(src), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert err == f"► building artifact from {src}\n✔ artifact created at {out}\n"
    members = _members(out.read_bytes())
    # the default ignore list drops images; disk permission bits are kept (flux's CLI tarball)
    assert sorted(members) == [".", "deploy", "deploy/app.yaml", "run.sh"]
    assert members["run.sh"][1] == 0o700 and members["deploy/app.yaml"][2] == b"kind: Deployment\n"
    again = ["build", "artifact", "-p", str(src), "-o", str(out), "--ignore-paths", "*.sh"]
    assert main(again) == 0
    assert sorted(_members(out.read_bytes())) == [".", "deploy", "deploy/app.yaml", "logo.png"]


def test_build_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "artifact"]) == 2
    assert 'invalid path ""' in capsys.readouterr().err
    assert main(["build", "artifact", "-p", str(tmp_path / "nope")]) == 2
    assert (
        f"invalid path '{tmp_path / 'nope'}', must point to an existing directory or file"
        in capsys.readouterr().err
    )


def test_diff_artifact_against_oras_push(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    src = _tree(tmp_path / "src")
    built = tmp_path / "a.tgz"
    assert main(["build", "artifact", "-p", str(src), "-o", str(built)]) == 0
    repo = f"diff/app{next(_n)}"
    oras_push(registry, repo, "1.0.0", built.read_bytes(), tmp_path)
    url = f"oci://{registry.host}/{repo}:1.0.0"
    capsys.readouterr()
    argv = ["diff", "artifact", url, "--path", str(src), "--insecure-registry"]
    assert main(argv) == 0
    assert capsys.readouterr().err.endswith("✔ no changes detected\n")

    (src / "deploy" / "app.yaml").write_text("kind: StatefulSet\n")
    assert main(argv) == 1
    assert capsys.readouterr().err.endswith(
        "✗ the remote artifact contents differs from the local one\n"
    )
    (src / "deploy" / "app.yaml").write_text("kind: Deployment\n")
    os.chmod(src / "run.sh", 0o600)  # permissions are part of the content
    assert main(argv) == 1
    os.chmod(src / "run.sh", 0o700)
    assert main(argv) == 0
    assert main(["diff", "artifact", url]) == 2  # --path is required


def test_push_resolve_symlinks(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    store = tmp_path / "store"  # where the real files live (a Nix store, say)
    (store / "base").mkdir(parents=True)
    (store / "base" / "svc.yaml").write_text("kind: Service\n")
    (store / "app.yaml").write_text("kind: Deployment\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.yaml").symlink_to(store / "app.yaml")
    (src / "base").symlink_to(store / "base")
    (src / "loop").symlink_to(src)  # a cycle: an empty directory, as in flux
    repo = f"links/app{next(_n)}"
    push = [
        "push", "artifact", f"oci://{registry.host}/{repo}:1.0.0", "--path", str(src),
        "--source", "https://github.com/org/app", "--revision", "main@sha1:1",
        "--insecure-registry", "--resolve-symlinks",
    ]  # fmt: skip
    assert main(push) == 0
    pulled = tmp_path / "pulled"
    oras_client(registry).pull(target=f"{registry.host}/{repo}:1.0.0", outdir=str(pulled))
    [layer] = list(pulled.iterdir())
    members = _members(layer.read_bytes())
    assert sorted(members) == [".", "app.yaml", "base", "base/svc.yaml", "loop"]
    assert members["app.yaml"][0] == tarfile.REGTYPE
    assert members["base/svc.yaml"][2] == b"kind: Service\n"

    # Without the flag, links are skipped as flux does.
    capsys.readouterr()
    plain = [a for a in push if a != "--resolve-symlinks"]
    plain[2] = f"oci://{registry.host}/{repo}:plain"
    assert main(plain) == 0
    pulled2 = tmp_path / "pulled2"
    oras_client(registry).pull(target=f"{registry.host}/{repo}:plain", outdir=str(pulled2))
    [layer2] = list(pulled2.iterdir())
    assert sorted(_members(layer2.read_bytes())) == ["."]

    (src / "dangling").symlink_to(tmp_path / "gone")
    assert main(push) == 2
    assert "resolving symlinks failed: resolving symlink" in capsys.readouterr().err
