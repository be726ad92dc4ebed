"""Benchmark of the ImagePolicy engine on 100,000 generated tags.

Run: ``.venv/bin/python bench/policy/run.py [--tags 100000] [--repeat 7]``. Prints a Markdown
table and writes ``bench/results/policy.json``. Tags are generated from a fixed seed: semver
(with and without ``v``, prereleases), timestamps, ``main-<sha>-<n>`` and noise.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from tagpilot.policy.evaluate import evaluate
from tagpilot.policy.tags import stored_order

CASES: dict[str, dict[str, Any]] = {
    "semver range + filterTags": {
        "policy": {"semver": {"range": ">=1.0.0-0 <40.0.0"}},
        "filterTags": {
            "pattern": r"^v?(?P<ver>[0-9]+\.[0-9]+\.[0-9]+(-rc\.[0-9]+)?)$",
            "extract": "$ver",
        },
    },
    "semver range, no filter": {"policy": {"semver": {"range": "^2.x"}}},
    "numerical + filterTags": {
        "policy": {"numerical": {"order": "asc"}},
        "filterTags": {"pattern": r"^[0-9]+$"},
    },
    "alphabetical": {"policy": {"alphabetical": {"order": "asc"}}},
}


def generate(n: int, seed: int = 20240115) -> list[str]:
    """Deterministic mix of tag shapes seen in real registries."""
    rng = random.Random(seed)
    tags: set[str] = set()
    while len(tags) < n:
        kind = rng.random()
        if kind < 0.4:
            v = f"{rng.randint(0, 40)}.{rng.randint(0, 30)}.{rng.randint(0, 50)}"
            if rng.random() < 0.3:
                v += f"-rc.{rng.randint(0, 20)}"
            tags.add(("v" if rng.random() < 0.5 else "") + v)
        elif kind < 0.6:
            tags.add(
                f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}T{rng.randint(0, 235959):06d}"
            )
        elif kind < 0.75:
            tags.add(f"main-{rng.getrandbits(28):07x}-{rng.randint(1, 99999)}")
        elif kind < 0.85:
            tags.add(str(rng.randint(1, 10**9)))
        else:
            tags.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz-_.") for _ in range(12)))
    return stored_order(sorted(tags))


def measure(spec: dict[str, Any], tags: list[str], repeat: int) -> dict[str, Any]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = evaluate(spec, tags)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    evaluate(spec, tags)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "latest": result.latest,
        "best_s": min(times),
        "median_s": statistics.median(times),
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=str(Path(__file__).parents[1] / "results" / "policy.json"))
    args = parser.parse_args()
    tags = generate(args.tags)
    rows = {name: measure(spec, tags, args.repeat) for name, spec in CASES.items()}
    print(f"{args.tags} tags, best/median of {args.repeat}, Python {platform.python_version()}\n")
    print("| case | latest | best (s) | median (s) | peak (MiB) |")
    print("|---|---|---:|---:|---:|")
    for name, row in rows.items():
        print(
            f"| {name} | `{row['latest']}` | {row['best_s']:.3f} | {row['median_s']:.3f} "
            f"| {row['peak_mib']:.1f} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"tags": args.tags, "python": platform.python_version(), "cases": rows}
    out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
