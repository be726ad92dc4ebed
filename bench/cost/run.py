"""Benchmark: what one scan cycle consumes on the deployed stack, and the monthly bill.

Drives N ImageRepositories (each with an ImagePolicy) through the stack tier (template.yaml's
functions, roles, queues and event sources; see tests/support/stack): a first cycle scans
everything, then a steady-state cycle rescans unchanged repositories, as almost every cycle
does. Counted for that cycle: DynamoDB consumed capacity (tables and indexes), invocations x
billed duration x memory per function, SQS requests (functions and event source mappings),
stream records (filtered out and delivered), log bytes, custom metrics. The monthly bill for
100 / 1,000 / 10,000 repositories every 5 minutes uses one dated price table (prices.py).

Usage: ``make bench-cost`` (``python bench/cost/run.py [N]``). Writes
``bench/results/cost.json``. Durations are this machine's; Lambda's arm64 cores differ.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import prices as P  # noqa: E402

from tests.stack.scenario import apply  # noqa: E402
from tests.support.registry import RegistryServer, push_image, seed_tags  # noqa: E402
from tests.support.stack.harness import LocalStack  # noqa: E402

TAGS_PER_REPO = 50
INTERVAL_S = 30  # longer than a cycle takes here, so nothing is due twice
CYCLES_PER_MONTH = P.HOURS_PER_MONTH * 60 / 5
TICKS_PER_MONTH = P.HOURS_PER_MONTH * 60
SIZES = (100, 1_000, 10_000)


def snapshot(stack: LocalStack) -> dict[str, Any]:
    functions = {}
    for name, fn in stack.functions.items():
        functions[name] = {
            "invocations": len(fn.invocations),
            "billed_ms": sum(i.billed_ms for i in fn.invocations),
            "gb_s": sum(i.billed_ms / 1000 * i.memory_mb / 1024 for i in fn.invocations),
            "cpu_ms": sum(i.cpu_ms for i in fn.invocations),
            "log_bytes": fn.log_path.stat().st_size if fn.log_path.exists() else 0,
        }
    sqs_calls = Counter(
        "fifo" if c.resource.endswith(".fifo") else "standard"
        for c in stack.gateway.calls
        if c.service == "sqs"
    )
    for m in stack.sqs_mappings:
        sqs_calls["fifo" if m.queue_url.endswith(".fifo") else "standard"] += m.requests
    return {
        "functions": functions,
        "capacity": dict(stack.gateway.capacity),
        "sqs": dict(sqs_calls),
        "stream_filtered": sum(m.filtered_out for m in stack.stream_mappings),
        "stream_delivered": sum(m.delivered for m in stack.stream_mappings),
    }


def delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"functions": {}}
    for name, now in after["functions"].items():
        out["functions"][name] = {k: v - before["functions"][name][k] for k, v in now.items()}
    keys = set(after["capacity"]) | set(before["capacity"])
    out["capacity"] = {
        k: after["capacity"].get(k, 0.0) - before["capacity"].get(k, 0.0) for k in keys
    }
    out["sqs"] = {k: v - before["sqs"].get(k, 0) for k, v in after["sqs"].items()}
    for k in ("stream_filtered", "stream_delivered"):
        out[k] = after[k] - before[k]
    return out


def custom_metrics(stack: LocalStack) -> set[tuple[str, str, str]]:
    """Distinct (namespace, metric, dimensions) the functions published through EMF."""
    found = set()
    for fn in stack.functions.values():
        if not fn.log_path.exists():
            continue
        for line in fn.log_path.read_text(errors="replace").splitlines():
            if '"_aws"' not in line:
                continue
            try:
                doc = json.loads(line[line.index("{") :])
            except ValueError:
                continue
            for directive in doc["_aws"]["CloudWatchMetrics"]:
                for dims in directive["Dimensions"] or [[]]:
                    key = ",".join(f"{d}={doc.get(d)}" for d in dims)
                    for metric in directive["Metrics"]:
                        found.add((directive["Namespace"], metric["Name"], key))
    return found


def monthly(
    cycle: dict[str, Any], idle_tick: dict[str, Any], n: int, repos: int, metrics: int, alarms: int
) -> dict[str, float]:
    """The monthly bill for ``repos`` repositories every 5 minutes."""
    scans = repos * CYCLES_PER_MONTH
    per = 1.0 / n
    writes = sum(v for (t, kind), v in cycle["capacity"].items() if kind == "write") * per
    reads = sum(v for (t, kind), v in cycle["capacity"].items() if kind == "read") * per
    lam = 0.0
    requests = 0.0
    logs = 0.0
    for name, f in cycle["functions"].items():
        if name == "DispatcherFunction":
            # A tick every minute whatever is due, plus its work per due object.
            idle = idle_tick["functions"][name]
            per_object_gb_s = max(f["gb_s"] - idle["gb_s"], 0.0) * per
            lam += TICKS_PER_MONTH * idle["gb_s"] + scans * per_object_gb_s
            requests += TICKS_PER_MONTH * idle["invocations"]
            requests += scans * max(f["invocations"] - idle["invocations"], 0) * per
            logs += TICKS_PER_MONTH * idle["log_bytes"]
            logs += scans * max(f["log_bytes"] - idle["log_bytes"], 0) * per
        else:
            lam += scans * f["gb_s"] * per
            requests += scans * f["invocations"] * per
            logs += scans * f["log_bytes"] * per
    sqs_std = cycle["sqs"].get("standard", 0) * per * scans
    sqs_fifo = cycle["sqs"].get("fifo", 0) * per * scans
    idle_polls = 2 * P.IDLE_POLLS_PER_MAPPING_MONTH
    gb = logs / 1e9
    bill = {
        "dynamodb_writes": writes * scans * P.DYNAMODB_WRITE_REQUEST_UNIT,
        "dynamodb_reads": reads * scans * P.DYNAMODB_READ_REQUEST_UNIT,
        "lambda_compute": lam * P.LAMBDA_ARM64_GB_SECOND,
        "lambda_requests": requests * P.LAMBDA_REQUEST,
        "sqs": sqs_std * P.SQS_STANDARD_REQUEST
        + sqs_fifo * P.SQS_FIFO_REQUEST
        + idle_polls * P.SQS_STANDARD_REQUEST,
        "logs": gb * P.LOGS_INGESTED_GB + gb * P.LOGS_STORED_GB_MONTH,
        "custom_metrics": metrics * P.CUSTOM_METRIC_MONTH,
        "alarms": alarms * P.STANDARD_ALARM_MONTH,
    }
    bill["total"] = sum(bill.values())
    return {k: round(v, 2) for k, v in bill.items()}


def main() -> None:
    from tagpilot.local.dynamodb import free_port, start_dynamodb_local

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    work = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    port = free_port()
    ddb = start_dynamodb_local(work, port, db_path=None, log=work / "ddb.log")
    stack = LocalStack(f"http://127.0.0.1:{port}", work, name="bench").start()
    try:
        with RegistryServer() as registry:
            docs = []
            for i in range(n):
                repo = f"bench/app-{i}"
                push_image(registry.url, repo, ["1.0.0"])
                seed_tags(registry, repo, [f"1.0.{k}" for k in range(1, TAGS_PER_REPO)], "1.0.0")
                docs.append(
                    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
                    f"metadata: {{name: app-{i}, namespace: bench}}\n"
                    f"spec: {{image: {registry.host}/{repo}, interval: {INTERVAL_S}s, "
                    "insecure: true}\n---\n"
                    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
                    f"metadata: {{name: app-{i}, namespace: bench}}\n"
                    f"spec: {{imageRepositoryRef: {{name: app-{i}}}, "
                    "policy: {semver: {range: '>=1.0.0'}}}\n"
                )
            operator = _operator(stack, work)
            apply(operator, "---\n".join(docs))
            stack.schedule()
            stack.drain()  # first scans, policies, stream records of the applies
            t0 = snapshot(stack)
            stack.schedule()  # nothing is due: the dispatcher's fixed cost per minute
            idle = delta(snapshot(stack), t0)
            time.sleep(INTERVAL_S + 0.5)
            before = snapshot(stack)
            stack.schedule()
            stack.drain()
            stack.drain()  # and whatever the cycle's own writes put on the stream
            cycle = delta(snapshot(stack), before)
        metrics = custom_metrics(stack)
        alarms = len(stack.stack.of_type("AWS::CloudWatch::Alarm"))
    finally:
        stack.stop()
        ddb.terminate()
    report(n, cycle, idle, metrics, alarms)


def _operator(stack: LocalStack, work: Path) -> Any:
    from tagpilot.config import Settings
    from tagpilot.runtime.app import build_app

    env = stack.functions["ScanFunction"].spec.environment
    return build_app(
        Settings(
            mode="aws",
            stage=env["TAGPILOT_STAGE"],
            objects_table=env["TAGPILOT_OBJECTS_TABLE"],
            tags_table=env["TAGPILOT_TAGS_TABLE"],
            leases_table=env["TAGPILOT_LEASES_TABLE"],
            secrets_prefix=env["TAGPILOT_SECRETS_PREFIX"],
            dynamodb_endpoint=stack.dynamodb_endpoint,
            secrets_endpoint=stack.moto_endpoint,
            access_key_id="admin",
            secret_access_key="admin",
            home=work / "home",
        ),
        create_tables=False,
    )


def report(
    n: int, cycle: dict[str, Any], idle: dict[str, Any], metrics: set[Any], alarms: int
) -> None:
    per_scan = {
        "write_units": sum(v for (_, k), v in cycle["capacity"].items() if k == "write") / n,
        "read_units": sum(v for (_, k), v in cycle["capacity"].items() if k == "read") / n,
        "index_write_units": sum(
            v for (t, k), v in cycle["capacity"].items() if k == "write" and "/index/" in t
        )
        / n,
        "invocations": {f: v["invocations"] / n for f, v in cycle["functions"].items()},
        "billed_ms": {f: v["billed_ms"] / n for f, v in cycle["functions"].items()},
        "handler_cpu_ms": {f: v["cpu_ms"] / n for f, v in cycle["functions"].items()},
        "log_bytes": sum(v["log_bytes"] for v in cycle["functions"].values()) / n,
        "sqs_requests": sum(cycle["sqs"].values()) / n,
        "stream_records_filtered": cycle["stream_filtered"] / n,
        "stream_records_delivered": cycle["stream_delivered"] / n,
    }
    bills = {size: monthly(cycle, idle, n, size, len(metrics), alarms) for size in SIZES}
    floor = P.HOURS_PER_MONTH * (P.EKS_CONTROL_PLANE_HOUR + P.T4G_SMALL_HOUR)
    out = {
        "prices_date": P.PRICES_DATE,
        "region": P.REGION,
        "repositories_measured": n,
        "per_scan": per_scan,
        "capacity_by_table": {
            f"{re.sub(r'^bench-', '', t)} {k}": round(v / n, 3)
            for (t, k), v in sorted(cycle["capacity"].items())
        },
        "custom_metrics": sorted(f"{m[0]}/{m[1]} [{m[2]}]" for m in metrics),
        "alarms": alarms,
        "monthly_every_5_minutes": bills,
        "kubernetes_floor_monthly": round(floor, 2),
    }
    results = ROOT / "bench" / "results" / "cost.json"
    results.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2, sort_keys=True))
    print("\n| repositories (every 5 min) | tagpilot $/month | Kubernetes floor $/month |")
    print("|---:|---:|---:|")
    for size, bill in bills.items():
        print(f"| {size:,} | {bill['total']:.2f} | {floor:.2f} |")


if __name__ == "__main__":
    main()
