"""Benchmark: 1,000 events fanned out to 5 Providers (local recording sinks).

The local pipeline end to end: each event is recorded by the recorder (stored in DynamoDB Local,
repeat check included), routed (NC's duplicate suppression, every Alert matched), and delivered on
the Providers' own lanes over real HTTP to five servers on 127.0.0.1 (types generic, slack,
msteams, discord, alertmanager). Latency is measured per delivery, from the ``record`` call to the
request arriving at the sink. A second run offers the same 1,000 events as one burst straight to
the router (no store write), which shows the fan-out's own throughput and the queueing it causes.
Writes ``bench/results/notify.json``. Target (issue 12): p95 event -> delivery under 1 s.
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

from tests.support.recording import recording_server  # noqa: E402

EVENTS = 1000
TYPES = ("generic", "slack", "msteams", "discord", "alertmanager")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def build(home: Path, endpoint: str) -> Any:
    from tagpilot.config import Settings
    from tagpilot.runtime.app import build_app

    settings = Settings(
        mode="local",
        dynamodb_endpoint=endpoint,
        secrets_endpoint="http://127.0.0.1:9",
        access_key_id="bench",
        secret_access_key="bench",  # noqa: S106 - DynamoDB Local ignores it
        objects_table="bench-objects",
        tags_table="bench-tags",
        leases_table="bench-leases",
        events_table="bench-events",
        home=home,
    )
    return build_app(settings, create_tables=True)


def apply_alerts(app: Any, sinks: list[Any]) -> None:
    from tagpilot.api.resource import Resource

    for kind, sink in zip(TYPES, sinks, strict=True):
        app.objects.apply(
            Resource(
                "notification.toolkit.fluxcd.io/v1beta3",
                "Provider",
                kind,
                "flux-system",
                spec={"type": kind, "address": f"{sink.url}/{kind}", "channel": "bench"},
            )
        )
        app.objects.apply(
            Resource(
                "notification.toolkit.fluxcd.io/v1beta3",
                "Alert",
                kind,
                "flux-system",
                spec={
                    "providerRef": {"name": kind},
                    "eventSources": [{"kind": "ImagePolicy", "name": "*"}],
                },
            )
        )


def message_of(body: dict[str, Any] | list[Any]) -> str:
    """The event message inside each provider type's payload."""
    if isinstance(body, list):  # alertmanager
        return str(body[0]["annotations"]["message"])
    if "involvedObject" in body:  # generic
        return str(body["message"])
    if "attachments" in body and "content" in body["attachments"][0]:  # msteams
        return str(body["attachments"][0]["content"]["body"][0]["items"][1]["text"])
    return str(body["attachments"][0]["text"])  # slack, discord


def measure(app: Any, sinks: list[Any], *, burst: bool) -> dict[str, Any]:
    from tagpilot.api.resource import Resource

    delivery = app.notifications
    for sink in sinks:
        sink.requests.clear()
    policies = [
        Resource("image.toolkit.fluxcd.io/v1", "ImagePolicy", f"app-{i}", "flux-system")
        for i in range(50)
    ]
    tag = "burst" if burst else "recorded"
    sent: dict[str, float] = {}
    started = time.monotonic()
    for n in range(EVENTS):
        message = f"Latest image tag for ghcr.io/org/app-{n % 50} resolved to {tag}-{n}"
        sent[message] = time.monotonic()
        policy = policies[n % 50]
        if burst:
            delivery(app.events.event(policy, "Normal", "Succeeded", message))
        else:
            app.events.record(policy, "Normal", "Succeeded", message)
    emitted = time.monotonic() - started
    assert delivery.wait(600), "deliveries did not finish"
    for sink in sinks:
        sink.wait_for(EVENTS, timeout=60)
    latencies = [r.at - sent[message_of(r.json())] for s in sinks for r in s.requests]
    last = max(r.at for s in sinks for r in s.requests)
    return {
        "events": EVENTS,
        "providers": len(sinks),
        "deliveries": len(latencies),
        "dead_letters": len(delivery.dead_letters),
        "emit_seconds": round(emitted, 3),
        "total_seconds": round(last - started, 3),
        "events_per_second": round(EVENTS / (last - started), 1),
        "deliveries_per_second": round(len(latencies) / (last - started), 1),
        "p50_s": round(statistics.median(latencies), 4),
        "p95_s": round(p95(latencies), 4),
        "max_s": round(max(latencies), 4),
    }


def main() -> int:
    from tagpilot.local.dynamodb import free_port, start_dynamodb_local

    work = Path(tempfile.mkdtemp(prefix="tagpilot-bench-notify-"))
    port = free_port()
    proc = start_dynamodb_local(work, port, db_path=None, log=work / "ddb.log")
    try:
        app = build(work / "home", f"http://127.0.0.1:{port}")
        with (
            recording_server() as s1,
            recording_server() as s2,
            recording_server() as s3,
            recording_server() as s4,
            recording_server() as s5,
        ):
            sinks = [s1, s2, s3, s4, s5]
            apply_alerts(app, sinks)
            results = {
                "recorded": measure(app, sinks, burst=False),
                "burst": measure(app, sinks, burst=True),
            }
        app.notifications.close()
    finally:
        proc.terminate()
        proc.wait(10)
    out = ROOT / "bench" / "results" / "notify.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for name, r in results.items():
        print(
            f"{name:9} {r['events']} events x {r['providers']} providers: "
            f"{r['events_per_second']} events/s ({r['deliveries_per_second']} deliveries/s), "
            f"p50 {r['p50_s']} s, p95 {r['p95_s']} s, max {r['max_s']} s, "
            f"dead letters {r['dead_letters']}"
        )
    ok = results["recorded"]["p95_s"] < 1.0
    print("target p95 < 1 s (recorded path):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
