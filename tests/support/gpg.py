"""OpenPGP test keys made with the real ``gpg`` CLI, and ``git verify-commit`` checks."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.gitfixtures import git_env


@dataclass(frozen=True)
class GpgKey:
    secret_armored: bytes
    public_armored: bytes
    fingerprint: str
    passphrase: bytes | None


def _gpg(home: Path, *args: str, input_: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--quiet", "--no-tty", *args],
        input=input_,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def generate_key(
    passphrase: str | None = None,
    uid: str = "Tagpilot Bot <bot@example.com>",
    algo: str = "ed25519",
) -> GpgKey:
    """Generate a signing key in a throw-away GNUPGHOME and export it armored."""
    with tempfile.TemporaryDirectory(prefix="gnupg-") as tmp:
        home = Path(tmp)
        os.chmod(home, 0o700)
        pw = ["--pinentry-mode", "loopback", "--passphrase", passphrase or ""]
        _gpg(home, *pw, "--quick-gen-key", uid, algo, "sign", "never")
        listing = _gpg(home, "--with-colons", "--list-secret-keys").decode()
        fingerprint = next(
            line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")
        )
        secret = _gpg(home, *pw, "--armor", "--export-secret-keys", fingerprint)
        public = _gpg(home, "--armor", "--export", fingerprint)
    return GpgKey(secret, public, fingerprint, passphrase.encode() if passphrase else None)


def verify_commit(
    bare: Path, commit: str, public_armored: bytes
) -> subprocess.CompletedProcess[str]:
    """Run ``git verify-commit`` with only ``public_armored`` in a fresh keyring."""
    with tempfile.TemporaryDirectory(prefix="gnupg-verify-") as tmp:
        home = Path(tmp)
        os.chmod(home, 0o700)
        _gpg(home, "--import", input_=public_armored)
        env = git_env()
        env["GNUPGHOME"] = str(home)
        return subprocess.run(
            ["git", "verify-commit", "--raw", commit],
            cwd=bare,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
