"""Helpers that drive the real ``git`` CLI to build and inspect fixture repositories."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

#: Fixed identity and dates so fixture commits are reproducible.
FIXTURE_ENV = {
    "GIT_AUTHOR_NAME": "Fixture",
    "GIT_AUTHOR_EMAIL": "fixture@example.com",
    "GIT_COMMITTER_NAME": "Fixture",
    "GIT_COMMITTER_EMAIL": "fixture@example.com",
    "GIT_AUTHOR_DATE": "2024-01-15T12:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-15T12:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(FIXTURE_ENV)
    env["HOME"] = str(home) if home else tempfile.gettempdir()
    return env


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Run ``git`` and return stdout; raise with stderr on failure."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=dict(env) if env is not None else git_env(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace")
        raise RuntimeError(f"git {' '.join(args)} failed ({proc.returncode}): {stderr}")
    return proc.stdout.decode()


def init_bare(path: Path, branch: str = "main", *, push_options: bool = False) -> None:
    git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(path))
    git("config", "http.receivepack", "true", cwd=path)
    # Keep a reflog so tests can prove no update was a forced rewrite.
    git("config", "core.logAllRefUpdates", "always", cwd=path)
    if push_options:
        git("config", "receive.advertisePushOptions", "true", cwd=path)


def commit_files(
    bare: Path,
    files: Mapping[str, bytes | None],
    branch: str = "main",
    message: str = "fixture commit",
    *,
    base: str | None = None,
) -> str:
    """Commit ``files`` (``None`` deletes) on ``branch`` of a bare repo through a temp clone.

    ``base`` names the branch to start from when ``branch`` does not exist yet. Returns the new
    commit id. Works like another user pushing concurrently.
    """
    with tempfile.TemporaryDirectory(prefix="gitfix-") as tmp:
        work = Path(tmp) / "work"
        git("init", "--quiet", f"--initial-branch={branch}", str(work))
        heads = git("ls-remote", "--heads", str(bare))
        start = branch if f"refs/heads/{branch}" in heads else base
        if start and f"refs/heads/{start}" in heads:
            git("fetch", "--quiet", str(bare), f"refs/heads/{start}", cwd=work)
            git("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=work)
        for rel, content in files.items():
            target = work / rel
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        git("add", "--all", cwd=work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=work)
        git("push", "--quiet", str(bare), f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work).strip()


def rev_parse(bare: Path, rev: str) -> str:
    return git("rev-parse", rev, cwd=bare).strip()


def read_file(bare: Path, rev: str, path: str) -> bytes:
    proc = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=bare, env=git_env(), capture_output=True, check=True
    )
    return proc.stdout


def is_ancestor(bare: Path, ancestor: str, descendant: str) -> bool:
    proc = subprocess.run(
        ["git", "merge-base", "--is-ancestor", ancestor, descendant],
        cwd=bare,
        env=git_env(),
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def reflog(bare: Path, ref: str) -> list[tuple[str, str]]:
    """(old, new) pairs of every update of ``ref``, oldest first."""
    log = bare / "logs" / ref
    if not log.exists():
        return []
    pairs = []
    for line in log.read_text().splitlines():
        old, new = line.split(" ")[:2]
        pairs.append((old, new))
    return pairs
