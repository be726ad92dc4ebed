"""``create secret git`` for an ``ssh://`` URL against a real ``sshd`` on 127.0.0.1: the deploy
key (generated with flux's algorithms or read from a file), the server's host key scanned into
``known_hosts``, and a Secret that a GitRepository then really uses to fetch over SSH."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from dulwich.repo import Repo
from ruamel.yaml import YAML

from tests.support import gitfixtures
from tests.support.sshserver import SSHServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sshd() -> Any:
    with SSHServer() as server:
        gitfixtures.init_bare(server.root / "fleet.git", "main")
        gitfixtures.commit_files(server.root / "fleet.git", {"a.yaml": b"a: 1\n"}, "main", "one")
        yield server


def _data(out: str) -> dict[str, str]:
    doc = YAML(typ="safe").load(out)
    assert doc["kind"] == "Secret" and doc["metadata"]["name"] == "deploy"
    return dict(doc["stringData"])


@pytest.mark.parametrize(
    ("flags", "key_type", "check"),
    [
        ([], "ecdsa-sha2-nistp384", lambda k: isinstance(k, ec.EllipticCurvePrivateKey)),
        (
            ["--ssh-ecdsa-curve=p256"],
            "ecdsa-sha2-nistp256",
            lambda k: k.curve.name == "secp256r1",
        ),
        (
            ["--ssh-key-algorithm=ed25519"],
            "ssh-ed25519",
            lambda k: isinstance(k, ed25519.Ed25519PrivateKey),
        ),
        (
            ["--ssh-key-algorithm=rsa", "--ssh-rsa-bits=1024"],
            "ssh-rsa",
            lambda k: isinstance(k, rsa.RSAPrivateKey) and k.key_size == 1024,
        ),
    ],
)
def test_generated_deploy_key_and_scanned_host_key(
    cli: Any, sshd: Any, flags: list[str], key_type: str, check: Any
) -> None:
    url = sshd.url_for("fleet.git")
    done = cli("create", "secret", "git", "deploy", f"--url={url}", *flags, "--export")
    assert done.code == 0, done.err
    assert done.out.endswith("\n\n")  # flux prints an empty line after a Secret
    data = _data(done.out)
    assert sorted(data) == ["identity", "identity.pub", "known_hosts"]
    assert data["known_hosts"] == sshd.known_hosts.decode()
    key = serialization.load_ssh_private_key(data["identity"].encode(), None)
    assert check(key)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert data["identity.pub"] == public.decode() + "\n"
    assert data["identity.pub"].startswith(key_type + " ")


def test_key_from_file_is_applied_and_used_by_a_git_source(
    cli: Any, app: Any, sshd: Any, tmp_path: Path
) -> None:
    key_file = tmp_path / "id"
    key_file.write_bytes(sshd.client_key)
    url = sshd.url_for("fleet.git")
    made = cli(
        "create", "secret", "git", "deploy", f"--url={url}", f"--private-key-file={key_file}"
    )
    assert made.code == 0, made.err
    assert made.out == ""
    assert made.err == "► git secret 'deploy' created in 'flux-system' namespace\n"
    stored = app.secrets.get("flux-system", "deploy").data
    assert stored["identity"] == sshd.client_key.decode()
    assert stored["known_hosts"] == sshd.known_hosts.decode()

    src = cli(
        "create", "source", "git", "fleet", f"--url={url}", "--branch=main", "--secret-ref=deploy"
    )
    assert src.code == 0, src.err
    head = Repo(str(sshd.root / "fleet.git")).refs[b"refs/heads/main"].decode()
    assert src.err.endswith(f"✔ fetched revision: main@sha1:{head}\n")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--ssh-key-algorithm=rsa", "--ssh-rsa-bits=1000"],
            "RSA key bits must be at least 1024 and a multiple of 8",
        ),
        (
            ["--ssh-key-algorithm=rsa", "--ssh-rsa-bits=512"],
            "RSA key bits must be at least 1024 and a multiple of 8",
        ),
        (["--ssh-ecdsa-curve=p999"], "unsupported curve 'p999': p256, p384 or p521"),
        (["--ssh-key-algorithm=dsa"], "unsupported SSH key algorithm 'dsa': rsa, ecdsa or ed25519"),
    ],
)
def test_key_options_refused(cli: Any, sshd: Any, flags: list[str], message: str) -> None:
    done = cli(
        "create", "secret", "git", "deploy", f"--url={sshd.url_for('x.git')}", *flags, "--export"
    )
    assert (done.code, done.out, done.err) == (2, "", f"✗ {message}\n")


def test_unreadable_key_and_unreachable_host(cli: Any, tmp_path: Path) -> None:
    import socket

    bad = tmp_path / "bad"
    bad.write_text("not a key")
    done = cli(
        "create",
        "secret",
        "git",
        "deploy",
        "--url=ssh://git@127.0.0.1:1/x",
        f"--private-key-file={bad}",
        "--export",
    )
    assert done.code == 2 and done.err.startswith("✗ failed to load private key: ")
    missing = cli(
        "create",
        "secret",
        "git",
        "deploy",
        "--url=ssh://git@127.0.0.1:1/x",
        f"--private-key-file={tmp_path / 'nope'}",
        "--export",
    )
    assert missing.code == 2 and "No such file or directory" in missing.err
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    scan = cli(
        "create", "secret", "git", "deploy", f"--url=ssh://git@127.0.0.1:{port}/x", "--export"
    )
    assert scan.code == 2
    assert scan.err.startswith(f"✗ failed to scan the host key of 127.0.0.1:{port}: ")
