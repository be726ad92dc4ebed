"""Benchmark: push-to-commit latency through a registry webhook.

The demo's setup (docker-registry, git http-backend, the local stack, a generic Receiver and
``tagpilot serve --port``), then 20 pushes of a new tag, each followed by the registry's
notification; the time from the push to the commit being visible in the Git server is recorded.
Reports p50 and p95 and writes ``bench/results/latency.json``. Target (issue 5): p50 <= 3 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from demo.run import DEPLOYMENT, MANIFESTS, TAGPILOT, TOKEN, _wait_port, head  # noqa: E402
from tests.support.gitserver import GitServer  # noqa: E402
from tests.support.registry import RegistryServer, push_image  # noqa: E402

PUSHES = 20
PORT = 19393


def run(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [TAGPILOT, *args], env=env, capture_output=True, text=True, check=True
    ).stdout


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="tagpilot-latency-"))
    env = {**os.environ, "TAGPILOT_HOME": str(work / "home"), "TAGPILOT_MODE": "local"}
    serve = None
    latencies: list[float] = []
    try:
        with RegistryServer() as registry, GitServer() as git:
            image = f"{registry.host}/demo/app"
            push_image(registry.url, "demo/app", ["1.0.0"])
            git.create_repo(
                "fleet.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()}
            )
            manifests = work / "manifests.yaml"
            manifests.write_text(
                MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
            )
            run("apply", "-f", str(manifests), env=env)
            run("reconcile", "image", "repository", "app", "-n", "flux-system", env=env)
            run("reconcile", "image", "update", "app", "-n", "flux-system", env=env)
            hook = json.loads(
                run("get", "receiver", "registry", "-n", "flux-system", "-o", "json", env=env)
            )["status"]["webhookPath"]
            serve = subprocess.Popen(
                [TAGPILOT, "serve", "--port", str(PORT)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_port(PORT)
            session = requests.Session()
            for n in range(1, PUSHES + 1):
                tag = f"1.0.{n}"
                before = head(git)
                started = time.monotonic()
                push_image(registry.url, "demo/app", [tag], session=session)
                body = {
                    "events": [{"action": "push", "target": {"repository": "demo/app", "tag": tag}}]
                }
                answer = session.post(f"http://127.0.0.1:{PORT}{hook}", json=body, timeout=10)
                assert answer.status_code == 200, answer.status_code
                while head(git) == before:
                    if time.monotonic() - started > 60:
                        raise SystemExit(f"no commit for {tag} within 60 s")
                    time.sleep(0.02)
                latencies.append(time.monotonic() - started)
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(10)
        subprocess.run([TAGPILOT, "local", "down"], env=env, capture_output=True, check=False)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    result = {
        "pushes": PUSHES,
        "p50_s": p50,
        "p95_s": p95,
        "max_s": ordered[-1],
        "latencies_s": latencies,
    }
    (ROOT / "bench" / "results" / "latency.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| pushes | p50 (s) | p95 (s) | max (s) |\n|---:|---:|---:|---:|")
    print(f"| {PUSHES} | {p50:.2f} | {p95:.2f} | {ordered[-1]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
