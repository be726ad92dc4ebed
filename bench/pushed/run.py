"""Benchmark: push times (``tagpilot.dev/push-times: config``) on a 10,000-tag repository.

Against DynamoDB Local and Debian's ``docker-registry``, with the handlers' wiring:

- a plain rescan (no push times, unchanged tags): the listing every scan pays;
- the first scan with push times: one manifest read per tag, one config read per distinct digest;
- a rescan with no new tags: must make exactly the registry requests of the plain scan;
- a rescan after 10 new tags: 10 manifest reads (+ configs of new digests).

Registry requests are counted by the App's own :class:`RequestMeter` (every response of the
registry session). Wall time: median of ``ROUNDS``. Writes ``bench/results/pushed.json``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.registry import RegistryServer, push_image, seed_tags  # noqa: E402

TAGS = 10_000
IMAGES = 10  # distinct digests (each seeded under TAGS / IMAGES tags)
ROUNDS = 5


def build_app(endpoint: str, home: Path) -> Any:
    from moto import mock_aws
    from tagpilot.config import Settings
    from tagpilot.runtime import app

    mock_aws().start()
    settings = Settings(
        dynamodb_endpoint=endpoint, access_key_id="bench", secret_access_key="bench", home=home
    )
    return app.build_app(settings, create_tables=True)


def scan(app: Any, host: str, name: str, token: str) -> tuple[float, int, dict[str, float]]:
    from tagpilot.reconcile import imagerepository

    app.objects.request_reconcile("ImageRepository", "bench", name, token)
    app.objects.claim("ImageRepository", f"bench/{name}", now=time.time(), hold_seconds=300)
    app.meter.take(host)
    started = time.perf_counter()
    out = imagerepository.reconcile(app, "bench", name)
    elapsed = time.perf_counter() - started
    assert out.ready == "True", out.message
    # settle() takes the meter's count and leaves it in the outcome's metrics.
    return elapsed, int(out.metrics.get("registry_requests", 0)), dict(out.metrics)


def main() -> int:
    from tagpilot.api.resource import Resource
    from tagpilot.local.dynamodb import free_port, start_dynamodb_local

    home = Path(tempfile.mkdtemp(prefix="bench-pushed-"))
    port = free_port()
    ddb = start_dynamodb_local(home, port, db_path=None)
    results: dict[str, Any] = {"tags": TAGS, "distinct_digests": IMAGES}
    try:
        with RegistryServer() as registry:
            per = TAGS // IMAGES
            for i in range(IMAGES):
                seed = f"{i}.0.0"
                push_image(
                    registry.url, "bench/app", [seed], created=f"2026-01-{i + 1:02d}T00:00:00Z"
                )
                seed_tags(registry, "bench/app", [f"{i}.1.{n}" for n in range(per - 1)], seed)
            app = build_app(f"http://127.0.0.1:{port}", home)
            image = f"{registry.host}/bench/app"
            for name, annotations in (
                ("plain", {}),
                ("pushed", {"tagpilot.dev/push-times": "config"}),
            ):
                app.objects.apply(
                    Resource(
                        "image.toolkit.fluxcd.io/v1",
                        "ImageRepository",
                        name,
                        "bench",
                        spec={"image": image, "interval": "5m", "insecure": True},
                        annotations=annotations,
                    )
                )
            scan(app, registry.host, "plain", "first")  # the first scan stores the tags
            plain = [scan(app, registry.host, "plain", f"p{n}") for n in range(ROUNDS)]
            first = scan(app, registry.host, "pushed", "first")
            rescans = [scan(app, registry.host, "pushed", f"r{n}") for n in range(ROUNDS)]
            push_image(
                registry.url,
                "bench/app",
                [f"9.9.{n}" for n in range(10)],
                created="2026-12-01T00:00:00Z",
            )
            added = scan(app, registry.host, "pushed", "added")
            results["plain_scan"] = {
                "median_s": statistics.median(p[0] for p in plain),
                "registry_requests": plain[-1][1],
            }
            results["first_scan_with_push_times"] = {
                "s": first[0],
                "registry_requests": first[1],
                "push_time_reads": first[2].get("push_time_reads"),
            }
            results["rescan_no_new_tags"] = {
                "median_s": statistics.median(r[0] for r in rescans),
                "registry_requests": rescans[-1][1],
                "push_time_reads": rescans[-1][2].get("push_time_reads"),
                "push_time_items_written": rescans[-1][2].get("push_time_items_written", 0),
            }
            results["rescan_10_new_tags"] = {
                "s": added[0],
                "registry_requests": added[1],
                "push_time_reads": added[2].get("push_time_reads"),
            }
            results["rescan_time_ratio_to_plain"] = (
                results["rescan_no_new_tags"]["median_s"] / results["plain_scan"]["median_s"]
            )
    finally:
        ddb.terminate()
    out_path = ROOT / "bench" / "results" / "pushed.json"
    out_path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
