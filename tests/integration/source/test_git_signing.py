"""Signed commits: pysequoia signatures that ``git verify-commit`` (GnuPG) accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tagpilot.source.commit import Signature
from tagpilot.source.errors import SigningKeyError
from tagpilot.source.remote import open_remote
from tagpilot.source.signing import OpenPGPSigner
from tagpilot.source.workflow import run_update

from tests.support import gitfixtures
from tests.support.gitserver import GitServer
from tests.support.gpg import GpgKey, generate_key, verify_commit

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plain_key() -> GpgKey:
    return generate_key()


@pytest.fixture(scope="module")
def locked_key() -> GpgKey:
    return generate_key(passphrase="correct horse")


@pytest.mark.parametrize("which", ["plain", "locked", "rsa"])
def test_signed_commit_passes_git_verify_commit(
    git_server: GitServer, plain_key: GpgKey, locked_key: GpgKey, which: str
) -> None:
    key = {"plain": plain_key, "locked": locked_key}.get(which) or generate_key(algo="rsa3072")
    secret = {"git.asc": key.secret_armored}
    if key.passphrase:
        secret["passphrase"] = key.passphrase
    signer = OpenPGPSigner.from_secret(secret)
    git_server.create_repo("app.git", {"a.yaml": b"tag: 1\n"})
    with open_remote(git_server.url_for("app.git")) as remote:
        result = run_update(
            remote,
            "main",
            None,
            "",
            lambda files: {p: b"tag: 2\n" for p, _ in files},
            Signature("Bot", "bot@example.com"),
            lambda _r: "signed update",
            signer,
            now=lambda: datetime(2024, 3, 1, tzinfo=UTC),
        )
    assert result.commit_id is not None
    bare = git_server.repo_path("app.git")
    verified = verify_commit(bare, result.commit_id.decode(), key.public_armored)
    assert verified.returncode == 0, verified.stderr
    assert f"VALIDSIG {key.fingerprint}" in verified.stderr or "GOODSIG" in verified.stderr
    # A different key must not verify it: the check is real.
    stranger = generate_key(uid="Stranger <s@example.com>")
    assert verify_commit(bare, result.commit_id.decode(), stranger.public_armored).returncode != 0


def test_locked_key_errors(locked_key: GpgKey, plain_key: GpgKey) -> None:
    with pytest.raises(SigningKeyError, match="no passphrase"):
        OpenPGPSigner.from_armored(locked_key.secret_armored, None)
    with pytest.raises(SigningKeyError, match="cannot unlock"):
        OpenPGPSigner.from_armored(locked_key.secret_armored, b"wrong")
    with pytest.raises(SigningKeyError, match="exactly one entity, found 2"):
        OpenPGPSigner.from_armored(plain_key.secret_armored + b"\n" + locked_key.secret_armored)
    with pytest.raises(SigningKeyError, match="no secret key"):
        OpenPGPSigner.from_armored(plain_key.public_armored)
    with pytest.raises(SigningKeyError, match="git.asc"):
        OpenPGPSigner.from_secret({"passphrase": b"x"})
    # The passphrase of an unencrypted key is ignored, as in Flux (Decrypt is a no-op).
    assert OpenPGPSigner.from_armored(plain_key.secret_armored, b"anything").fingerprint


def test_unsigned_commit_fails_verification(git_server: GitServer, plain_key: GpgKey) -> None:
    git_server.create_repo("app.git", {"a.yaml": b"tag: 1\n"})
    head = gitfixtures.rev_parse(git_server.repo_path("app.git"), "main")
    assert (
        verify_commit(git_server.repo_path("app.git"), head, plain_key.public_armored).returncode
        != 0
    )
