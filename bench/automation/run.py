"""Benchmark: one automation run on a 5,000-file (about 20 MB) repository with 50 markers.

tagpilot's real pipeline (single-branch shallow fetch into memory, the Flux setters over the files
under ``update.path``, a commit built from tree objects, push) against plain ``git``: a shallow
clone, the same edit, commit and push. Also a run with nothing to change against a bare shallow
clone. Every case runs in a fresh interpreter so its peak RSS is its own; times are medians of
``ROUNDS`` runs on fresh copies of the repository. Writes ``bench/results/automation.json``.

Targets (issue 4): at most 2x the ``git`` time; a no-change run at most 1.2x a shallow clone.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support import gitfixtures  # noqa: E402
from tests.support.gitbench import make_bench_repo, run_git_cli  # noqa: E402
from tests.support.gitserver import GitServer  # noqa: E402

ROUNDS = 3
FILES, MARKERS, SIZE = 5000, 50, 4096

CASE = r"""
import json, resource, sys, time
from tagpilot.source.commit import Signature
from tagpilot.source.remote import open_remote
from tagpilot.source.workflow import run_update
from tagpilot.update.apply import apply_setters
from tagpilot.update.walk import is_candidate_name
url, tag = sys.argv[1], sys.argv[2]
setters = {"flux-system:app": f"ghcr.io/org/app:{tag}"}

class Edit:
    def __init__(self, outcome):
        self.outcome = outcome
    @property
    def files(self):
        return self.outcome.changed

t = time.perf_counter()
with open_remote(url) as remote:
    result = run_update(remote, "main", None, "clusters", lambda f: Edit(apply_setters(f, setters)),
                        Signature("bench", "bench@example.com"), lambda r: "bench",
                        accept=is_candidate_name)
print(json.dumps({"seconds": time.perf_counter() - t, "committed": result.commit_id is not None,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def tagpilot_case(url: str, tag: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CASE, url, tag], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def shallow_clone(url: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-clone-") as tmp:
        env = gitfixtures.git_env(Path(tmp))
        started = time.perf_counter()
        gitfixtures.git(
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--single-branch",
            url,
            str(Path(tmp) / "w"),
            env=env,
        )
        return time.perf_counter() - started


def main() -> int:
    runs: dict[str, list[dict[str, object]]] = {"update": [], "noop": [], "git": []}
    clones: list[float] = []
    with GitServer() as server:
        for n in range(ROUNDS):
            for kind in ("update", "git"):
                make_bench_repo(server, f"{kind}{n}.git", FILES, MARKERS, SIZE)
            runs["update"].append(tagpilot_case(server.url_for(f"update{n}.git"), "2.0.0"))
            runs["noop"].append(tagpilot_case(server.url_for(f"update{n}.git"), "2.0.0"))
            runs["git"].append(run_git_cli(server.url_for(f"git{n}.git")))
            clones.append(shallow_clone(server.url_for(f"git{n}.git")))
    assert all(r["committed"] for r in runs["update"]), "the update run must commit"
    assert not any(r["committed"] for r in runs["noop"]), "a no-change run must not commit"

    def median(kind: str) -> float:
        return statistics.median(float(r["seconds"]) for r in runs[kind])  # type: ignore[arg-type]

    result = {
        "files": FILES,
        "markers": MARKERS,
        "file_bytes": SIZE,
        "tagpilot_update_s": median("update"),
        "tagpilot_update_peak_rss_mb": max(float(r["peak_rss_mb"]) for r in runs["update"]),  # type: ignore[arg-type]
        "git_update_s": median("git"),
        "tagpilot_noop_s": median("noop"),
        "git_shallow_clone_s": statistics.median(clones),
    }
    result["update_ratio"] = result["tagpilot_update_s"] / result["git_update_s"]
    result["noop_ratio"] = result["tagpilot_noop_s"] / result["git_shallow_clone_s"]
    (ROOT / "bench" / "results" / "automation.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| case | median (s) | baseline (s) | ratio | tagpilot peak RSS |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| fetch + setters + commit + push | {result['tagpilot_update_s']:.2f} | "
        f"{result['git_update_s']:.2f} (git clone+edit+commit+push) | "
        f"{result['update_ratio']:.2f} | "
        f"{result['tagpilot_update_peak_rss_mb']:.0f} MB |"
    )
    print(
        f"| nothing to change | {result['tagpilot_noop_s']:.2f} | "
        f"{result['git_shallow_clone_s']:.2f} (git shallow clone) | {result['noop_ratio']:.2f} | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
