"""Benchmark of the in-memory Git workflow against the ``git`` CLI on a generated repository.

Run: ``python -m tests.support.gitbench [--files 5000] [--markers 50]`` (prints JSON). Each
measured case runs in a fresh subprocess so peak RSS (``ru_maxrss``) is per case.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support import gitfixtures
from tests.support.gitserver import GitServer

OLD_TAG = b"ghcr.io/org/app:1.0.0"
NEW_TAG = b"ghcr.io/org/app:2.0.0"


def make_bench_repo(server: GitServer, name: str, files: int, markers: int, size: int) -> None:
    """Create ``files`` YAML files of about ``size`` bytes; ``markers`` carry a setter marker."""
    rng = random.Random(42)  # fixed seed: the same repository on every run
    marked = set(rng.sample(range(files), markers))
    content: dict[str, bytes] = {}
    for i in range(files):
        lines = [f"# file {i}", "apiVersion: apps/v1", "kind: Deployment", "metadata:"]
        lines.append(f"  name: app-{i}")
        image = OLD_TAG.decode() if i in marked else f"registry.example/other-{i}:1.0"
        marker = ' # {"$imagepolicy": "flux-system:app"}' if i in marked else ""
        lines.append(
            f"spec:\n  template:\n    spec:\n      containers:\n      - image: {image}{marker}"
        )
        body = "\n".join(lines) + "\n"
        # Pad with random-ish labels so blobs do not delta-compress to nothing.
        while len(body) < size:
            body += f"  # label-{rng.getrandbits(64):016x}: {rng.getrandbits(64):016x}\n"
        content[f"clusters/c{i % 20:02d}/app-{i:05d}.yaml"] = body.encode()
    server.create_repo(name, content)


_TAGPILOT_CASE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from tagpilot.source.commit import Signature
from tagpilot.source.remote import open_remote
from tagpilot.source.workflow import run_update
import_s = time.perf_counter() - t0
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
url, mode = sys.argv[1], sys.argv[2]
def edit(files):
    out = {}
    for path, data in files:
        if b'"$imagepolicy"' in data:
            new = data if mode == "noop" else data.replace(OLD, NEW)
            if new != data:
                out[path] = new
    return out
OLD, NEW = b"ghcr.io/org/app:1.0.0", b"ghcr.io/org/app:2.0.0"
t = time.perf_counter()
with open_remote(url) as remote:
    result = run_update(remote, "main", None, "clusters", edit,
                        Signature("bench", "bench@example.com"), lambda r: "bench")
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "import_seconds": import_s,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "baseline_rss_mb": base_rss / 1024,
                  "committed": result.commit_id is not None}))
"""


def run_tagpilot(url: str, mode: str) -> dict[str, object]:
    """Measure ``run_update`` (``mode`` = ``noop`` or ``update``) in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _TAGPILOT_CASE, url, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(proc.stdout))


def run_git_cli(url: str) -> dict[str, object]:
    """``git clone --depth 1 --single-branch``, edit, commit, push, in a fresh interpreter.

    The separate process keeps the server's CGI children out of ``RUSAGE_CHILDREN``.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.gitbench", "--git-cli-case", url],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(proc.stdout))


def _git_cli_case(url: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="gitbench-") as tmp:
        work = Path(tmp) / "w"
        env = gitfixtures.git_env(Path(tmp))
        t = time.perf_counter()
        gitfixtures.git(
            "clone", "--quiet", "--depth", "1", "--single-branch", url, str(work), env=env
        )
        clone_s = time.perf_counter() - t
        for path in (work / "clusters").rglob("*.yaml"):
            data = path.read_bytes()
            if b'"$imagepolicy"' in data:
                path.write_bytes(data.replace(OLD_TAG, NEW_TAG))
        gitfixtures.git("commit", "--quiet", "-am", "bench", cwd=work, env=env)
        gitfixtures.git("push", "--quiet", "origin", "HEAD:main", cwd=work, env=env)
        total = time.perf_counter() - t
        du = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": total,
        "clone_seconds": clone_s,
        "peak_child_rss_mb": peak,
        "disk_mb": du / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--markers", type=int, default=50)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--git-cli-case", metavar="URL")
    args = parser.parse_args(argv)
    if args.git_cli_case:
        print(json.dumps(_git_cli_case(args.git_cli_case)))
        return 0
    results: dict[str, object] = {}
    with GitServer() as server:
        for name in ("noop.git", "update.git", "cli.git"):
            make_bench_repo(server, name, args.files, args.markers, args.size)
        results["repo_mb"] = (
            sum(f.stat().st_size for f in server.repo_path("cli.git").rglob("*") if f.is_file())
            / 2**20
        )
        results["tagpilot_noop"] = run_tagpilot(server.url_for("noop.git"), "noop")
        results["tagpilot_update"] = run_tagpilot(server.url_for("update.git"), "update")
        results["git_cli_update"] = run_git_cli(server.url_for("cli.git"))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
