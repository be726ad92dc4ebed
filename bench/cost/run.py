"""Benchmark: what one scan cycle consumes on the deployed stack, and the monthly bill.

Drives N ImageRepositories (each with an ImagePolicy, interval 5m) through the stack tier
(template.yaml's functions, roles, queues and event sources; see tests/support/stack): a first
cycle scans everything (the due path), then one steady-state cycle of five minute ticks (the
harness clock advanced a minute each) rescans every repository at its slot, unchanged, as almost
every cycle does. Counted for that cycle: DynamoDB consumed capacity (tables and indexes),
invocations and handler CPU per function, AWS calls, registry requests, SQS requests (functions
and event source mappings), stream records (filtered out and delivered), log bytes, custom
metrics. The dispatcher's fixed cost per minute is measured on ticks before any object exists.

Lambda compute is priced from CPU time, not from this shared machine's wall time: each
invocation's handler CPU, stretched to the vCPU share of the function's memory (1,769 MB is one
vCPU), plus I/O waits modelled as AWS calls and registry requests times a stated latency
(prices.py). The monthly bill for 100 / 1,000 / 10,000 repositories every 5 minutes uses one
dated price table.

Usage: ``make bench-cost`` (``python bench/cost/run.py [N]``). Writes
``bench/results/cost.json``.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tempfile
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
INTERVAL_S = 300
TICKS_PER_CYCLE = INTERVAL_S // 60
CYCLES_PER_MONTH = P.HOURS_PER_MONTH * 60 / 5
TICKS_PER_MONTH = P.HOURS_PER_MONTH * 60
SIZES = (100, 1_000, 10_000)
#: An unchanged rescan's rare DynamoDB work, amortized (tagpilot.reconcile.imagerepository):
#: the status rewrite that refreshes scanTime, and the tags' presence check (a Query of one
#: item, eventually consistent: half a unit).
SCAN_TIME_REFRESH = 3600.0
TAG_CHECK_SLOTS = 12
TAG_CHECK_READ_UNITS = 0.5


def modelled_ms(cpu_ms: float, memory_mb: int) -> float:
    """Handler CPU stretched to the function's vCPU share (Lambda: 1,769 MB is one vCPU)."""
    return cpu_ms * max(1.0, P.LAMBDA_MB_PER_VCPU / memory_mb)


def registry_requests(stack: LocalStack) -> float:
    """Registry requests the scans reported (the ``registry_requests`` metric, EMF lines)."""
    fn = stack.functions["ScanFunction"]
    total = 0.0
    if fn.log_path.exists():
        for line in fn.log_path.read_text(errors="replace").splitlines():
            if '"ImageRepository.registry_requests"' in line:
                doc = json.loads(line[line.index("{") :])
                value = doc.get("ImageRepository.registry_requests", 0)
                total += sum(value) if isinstance(value, list) else value
    return total


def snapshot(stack: LocalStack) -> dict[str, Any]:
    functions = {}
    calls = Counter(c.function for c in stack.gateway.calls)
    for name, fn in stack.functions.items():
        mem = fn.spec.memory_mb
        functions[name] = {
            "invocations": len(fn.invocations),
            "billed_ms": sum(i.billed_ms for i in fn.invocations),
            "cpu_ms": sum(i.cpu_ms for i in fn.invocations),
            "cpu_billed_ms": sum(
                math.ceil(modelled_ms(i.cpu_ms, i.memory_mb)) for i in fn.invocations
            ),
            "aws_calls": calls.get(name, 0),
            "log_bytes": fn.log_path.stat().st_size if fn.log_path.exists() else 0,
            "memory_mb": mem,
        }
    functions["ScanFunction"]["registry_requests"] = registry_requests(stack)
    sqs_calls = Counter(
        "fifo" if c.resource.endswith(".fifo") else "standard"
        for c in stack.gateway.calls
        if c.service == "sqs"
    )
    for m in stack.sqs_mappings:
        # What a mapping's pollers spend on messages: one receive and one delete batch per
        # invocation. Their empty long polls are a fixed cost (IDLE_POLLS_PER_MAPPING_MONTH);
        # the harness's own empty receives while draining are not Lambda's and not counted.
        kind = "fifo" if m.queue_url.endswith(".fifo") else "standard"
        sqs_calls[kind] += 2 * len(stack.functions[m.function].invocations)
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
        out["functions"][name]["memory_mb"] = now["memory_mb"]
        f = out["functions"][name]
        io_ms = f["aws_calls"] * P.AWS_CALL_MS + f.get("registry_requests", 0) * P.REGISTRY_MS
        f["gb_s"] = (f["cpu_billed_ms"] + io_ms) / 1000 * now["memory_mb"] / 1024
    keys = set(after["capacity"]) | set(before["capacity"])
    out["capacity"] = {
        k: after["capacity"].get(k, 0.0) - before["capacity"].get(k, 0.0) for k in keys
    }
    out["sqs"] = {k: v - before["sqs"].get(k, 0) for k, v in after["sqs"].items()}
    for k in ("stream_filtered", "stream_delivered"):
        out[k] = after[k] - before[k]
    return out


def custom_metrics(stack: LocalStack, since: dict[str, int]) -> set[tuple[str, str, str]]:
    """Distinct (namespace, metric, dimensions) published through EMF after ``since`` (log
    offsets per function): the steady state's metrics, billed for every hour (a metric seen only
    on a first scan or a failure costs only its hours)."""
    found = set()
    for name, fn in stack.functions.items():
        if not fn.log_path.exists():
            continue
        with fn.log_path.open("rb") as log:
            log.seek(since.get(name, 0))
            text = log.read().decode(errors="replace")
        for line in text.splitlines():
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


def _units(snap: dict[str, Any], kind: str) -> float:
    return float(sum(v for (_, k), v in snap["capacity"].items() if k == kind))


def per_scan_units(cycle: dict[str, Any], idle: dict[str, Any], n: int) -> dict[str, float]:
    """Capacity units per scan: the cycle's, less the dispatcher's fixed cost of its ticks,
    plus the amortized rare writes and reads of an unchanged rescan (see ``main``)."""
    out = {}
    for kind in ("write", "read"):
        out[kind] = max(_units(cycle, kind) - TICKS_PER_CYCLE * _units(idle, kind), 0.0) / n
    out["write"] += cycle["refresh_write_units"] * INTERVAL_S / SCAN_TIME_REFRESH
    out["read"] += TAG_CHECK_READ_UNITS / TAG_CHECK_SLOTS
    return out


def monthly(
    cycle: dict[str, Any], idle_tick: dict[str, Any], n: int, repos: int, metrics: int, alarms: int
) -> dict[str, float]:
    """The monthly bill for ``repos`` repositories every 5 minutes."""
    scans = repos * CYCLES_PER_MONTH
    per = 1.0 / n
    units = per_scan_units(cycle, idle_tick, n)
    lam = 0.0
    requests = 0.0
    logs = 0.0
    for name, f in cycle["functions"].items():
        if name == "DispatcherFunction":
            # A tick every minute whatever is due, plus its work per due object.
            idle = idle_tick["functions"][name]
            for key, total in (("gb_s", "lam"), ("invocations", "req"), ("log_bytes", "logs")):
                fixed = TICKS_PER_MONTH * idle[key]
                variable = scans * max(f[key] - TICKS_PER_CYCLE * idle[key], 0.0) * per
                if total == "lam":
                    lam += fixed + variable
                elif total == "req":
                    requests += fixed + variable
                else:
                    logs += fixed + variable
        else:
            lam += scans * f["gb_s"] * per
            requests += scans * f["invocations"] * per
            logs += scans * f["log_bytes"] * per
    sqs_std = cycle["sqs"].get("standard", 0) * per * scans
    sqs_fifo = cycle["sqs"].get("fifo", 0) * per * scans
    idle_polls = cycle["sqs_mappings"] * P.IDLE_POLLS_PER_MAPPING_MONTH
    gb = logs / 1e9
    bill = {
        "dynamodb_writes": (units["write"] * scans + _units(idle_tick, "write") * TICKS_PER_MONTH)
        * P.DYNAMODB_WRITE_REQUEST_UNIT,
        "dynamodb_reads": (units["read"] * scans + _units(idle_tick, "read") * TICKS_PER_MONTH)
        * P.DYNAMODB_READ_REQUEST_UNIT,
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

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    work = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    port = free_port()
    ddb = start_dynamodb_local(work, port, db_path=None, log=work / "ddb.log")
    stack = LocalStack(f"http://127.0.0.1:{port}", work, name="bench").start()
    try:
        with RegistryServer() as registry:
            # The dispatcher's fixed cost of a minute, before any object exists (the first
            # tick is its cold start).
            stack.schedule()
            t0 = snapshot(stack)
            stack.advance(60)
            stack.schedule()
            idle = delta(snapshot(stack), t0)
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
            stack.advance(60)
            stack.schedule()
            stack.drain()  # first scans (the due path), policies, stream records of the applies
            stack.drain()
            # The steady cycle: five minute ticks from a period boundary that is not one of the
            # rare tag-presence checks (those are added, amortized, in per_scan_units).
            at = stack.clock()
            start = (int(at) // INTERVAL_S + 1) * INTERVAL_S
            while (start // INTERVAL_S) % TAG_CHECK_SLOTS == 0:
                start += INTERVAL_S
            stack.advance(start - at)
            before = snapshot(stack)
            for tick in range(TICKS_PER_CYCLE):
                if tick:
                    stack.advance(60)
                stack.schedule()
                stack.drain()
            cycle = delta(snapshot(stack), before)
            cycle["refresh_write_units"] = refresh_write_units(stack, operator)
            cycle["sqs_mappings"] = len(stack.sqs_mappings)
        metrics = custom_metrics(
            stack, {name: f["log_bytes"] for name, f in before["functions"].items()}
        )
        alarms = len(stack.stack.of_type("AWS::CloudWatch::Alarm"))
    finally:
        stack.stop()
        ddb.terminate()
    report(n, cycle, idle, metrics, alarms)


def refresh_write_units(stack: LocalStack, operator: Any) -> float:
    """Write units of the hourly scan-time refresh: one status rewrite of an ImageRepository."""
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="admin",
        aws_secret_access_key="admin",
    )
    table = operator.settings.objects_table
    key = {"kind": {"S": "ImageRepository"}, "key": {"S": "bench/app-0"}}
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    answer = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": item["status"]},
        ReturnConsumedCapacity="INDEXES",
    )
    return float(answer["ConsumedCapacity"]["CapacityUnits"])


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
    units = per_scan_units(cycle, idle, n)
    per_scan = {
        "write_units_measured": _units(cycle, "write") / n,
        "read_units_measured": _units(cycle, "read") / n,
        "write_units_with_rare_work_less_fixed_ticks": round(units["write"], 4),
        "read_units_with_rare_work_less_fixed_ticks": round(units["read"], 4),
        "refresh_write_units": cycle["refresh_write_units"],
        "dispatcher_tick_fixed": {
            "write_units": _units(idle, "write"),
            "read_units": _units(idle, "read"),
            "cpu_ms": idle["functions"]["DispatcherFunction"]["cpu_ms"],
            "aws_calls": idle["functions"]["DispatcherFunction"]["aws_calls"],
        },
        "index_write_units": sum(
            v for (t, k), v in cycle["capacity"].items() if k == "write" and "/index/" in t
        )
        / n,
        "invocations": {f: v["invocations"] / n for f, v in cycle["functions"].items()},
        "billed_ms": {f: v["billed_ms"] / n for f, v in cycle["functions"].items()},
        "handler_cpu_ms": {f: v["cpu_ms"] / n for f, v in cycle["functions"].items()},
        "modelled_billed_ms": {
            f: round(v["gb_s"] * 1000 * 1024 / v["memory_mb"] / n, 2)
            for f, v in cycle["functions"].items()
        },
        "aws_calls": {f: v["aws_calls"] / n for f, v in cycle["functions"].items()},
        "registry_requests": cycle["functions"]["ScanFunction"]["registry_requests"] / n,
        "log_bytes": sum(v["log_bytes"] for v in cycle["functions"].values()) / n,
        "sqs_requests": sum(cycle["sqs"].values()) / n,
        "sqs_event_source_mappings": cycle["sqs_mappings"],
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
