"""Benchmark: scanning a 10,000-tag repository in the local CNCF registry.

Measures, against DynamoDB Local and Debian's ``docker-registry``:
- the plain listing of the tags with ``requests`` (the floor any scanner pays);
- tagpilot's first scan (list, exclude, sort, checksum, compress, store, status);
- an unchanged rescan (same revision: no tag data written).
Reports wall time (best and median of N), DynamoDB write calls and items, and peak Python memory
(tracemalloc), as a Markdown table and ``bench/results/scan.json``.

Targets (issue 2): unchanged rescan writes no tag items and takes at most 1.5x the plain listing;
first scan at most 2x.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.registry import RegistryServer, push_image, seed_tags  # noqa: E402

TAGS = 10_000
ROUNDS = 7
WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def count_dynamodb_calls() -> Counter[str]:
    from pynamodb.connection.base import Connection

    calls: Counter[str] = Counter()
    original = Connection._make_api_call

    def counting(self: Any, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        calls[operation_name] += 1
        if operation_name == "BatchWriteItem":
            calls["items:BatchWriteItem"] += sum(
                len(v) for v in operation_kwargs["RequestItems"].values()
            )
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting  # type: ignore[method-assign]
    return calls


def build_app(endpoint: str, home: Path) -> Any:
    """The handlers' wiring against DynamoDB Local, with moto for the AWS APIs."""
    from moto import mock_aws
    from tagpilot.config import Settings
    from tagpilot.runtime import app

    mock_aws().start()
    settings = Settings(
        dynamodb_endpoint=endpoint, access_key_id="bench", secret_access_key="bench", home=home
    )
    return app.build_app(settings, create_tables=True)


def measure(func: Any, rounds: int, *, memory: bool = True) -> tuple[list[float], int]:
    """Wall times of ``rounds`` runs (untraced), then the peak of one traced run if ``memory``."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    if not memory:
        return times, 0
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return times, peak


def main() -> int:
    from tagpilot.api.resource import Resource
    from tagpilot.local.dynamodb import free_port, start_dynamodb_local
    from tagpilot.reconcile import imagerepository

    home = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    port = free_port()
    ddb = start_dynamodb_local(home, port, db_path=None)
    try:
        with RegistryServer() as registry:
            push_image(registry.url, "bench/app", ["0.0.0"])
            seed_tags(
                registry, "bench/app", [f"1.{i // 100}.{i % 100}" for i in range(TAGS - 1)], "0.0.0"
            )
            session = requests.Session()
            listed = session.get(f"{registry.url}/v2/bench/app/tags/list", timeout=30).json()[
                "tags"
            ]
            assert len(listed) == TAGS, len(listed)
            plain, plain_peak = measure(
                lambda: session.get(f"{registry.url}/v2/bench/app/tags/list", timeout=30).json(),
                ROUNDS,
            )
            app = build_app(f"http://127.0.0.1:{port}", home)
            calls = count_dynamodb_calls()
            results: dict[str, Any] = {}
            firsts, first_writes, first_peak = [], [], 0
            for n in range(ROUNDS + 1):
                name = f"first-{n}"
                app.objects.apply(
                    Resource(
                        "image.toolkit.fluxcd.io/v1",
                        "ImageRepository",
                        name,
                        "bench",
                        spec={
                            "image": f"{registry.host}/bench/app",
                            "interval": "5m",
                            "insecure": True,
                        },
                    )
                )
                app.objects.claim(
                    "ImageRepository", f"bench/{name}", now=time.time(), hold_seconds=300
                )
                calls.clear()
                traced = n == ROUNDS
                if traced:
                    tracemalloc.start()
                started = time.perf_counter()
                imagerepository.reconcile(app, "bench", name)
                elapsed = time.perf_counter() - started
                if traced:
                    first_peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                else:
                    firsts.append(elapsed)
                first_writes.append(dict(calls))
            rescans, rescan_writes, rescan_peak, tag_items = [], [], 0, []
            for n in range(ROUNDS + 1):
                traced = n == ROUNDS
                app.objects.request_reconcile("ImageRepository", "bench", "first-0", f"r{n}")
                app.objects.claim(
                    "ImageRepository", "bench/first-0", now=time.time(), hold_seconds=300
                )
                calls.clear()
                if traced:
                    tracemalloc.start()
                started = time.perf_counter()
                out = imagerepository.reconcile(app, "bench", "first-0")
                elapsed = time.perf_counter() - started
                if traced:
                    rescan_peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                else:
                    rescans.append(elapsed)
                rescan_writes.append(dict(calls))
                tag_items.append(out.metrics["tag_items_written"])
            base = statistics.median(plain)
            results = {
                "tags": TAGS,
                "plain_listing": {
                    "best_s": min(plain),
                    "median_s": base,
                    "peak_mib": plain_peak / 2**20,
                },
                "first_scan": {
                    "best_s": min(firsts),
                    "median_s": statistics.median(firsts),
                    "peak_mib": first_peak / 2**20,
                    "dynamodb_calls": first_writes[-1],
                    "ratio_to_listing": statistics.median(firsts) / base,
                },
                "unchanged_rescan": {
                    "best_s": min(rescans),
                    "median_s": statistics.median(rescans),
                    "peak_mib": rescan_peak / 2**20,
                    "dynamodb_calls": rescan_writes[-1],
                    "tag_items_written": max(tag_items),
                    "ratio_to_listing": statistics.median(rescans) / base,
                },
            }
    finally:
        ddb.terminate()
    out_path = ROOT / "bench" / "results" / "scan.json"
    out_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"| case ({TAGS} tags) | best (s) | median (s) | x listing | peak MiB | DynamoDB calls |")
    print("|---|---:|---:|---:|---:|---|")
    for key in ("plain_listing", "first_scan", "unchanged_rescan"):
        r = results[key]
        ratio = r.get("ratio_to_listing", 1.0)
        ops = ", ".join(f"{k} {v}" for k, v in sorted(r.get("dynamodb_calls", {}).items())) or "-"
        print(
            f"| {key} | {r['best_s']:.3f} | {r['median_s']:.3f} | {ratio:.2f} "
            f"| {r['peak_mib']:.1f} | {ops} |"
        )
    print(f"unchanged rescan tag items written: {results['unchanged_rescan']['tag_items_written']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
