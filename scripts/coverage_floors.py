#!/usr/bin/env python3
"""Check line coverage per package of ``tagpilot`` against the floors in pyproject.toml.

Reads the ``.coverage`` data ``make test`` leaves (pytest-cov, combined across xdist workers),
prints one line per package and exits 1 when a package with a floor is below it. Floors live in
``[tool.tagpilot.coverage-floors]``; packages without one are reported, not checked.
"""

from __future__ import annotations

import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from coverage import Coverage
from coverage.exceptions import NoDataError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "layers" / "tagpilot" / "tagpilot"


def package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else "(top)"


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floors: dict[str, float] = config["tool"]["tagpilot"]["coverage-floors"]
    cov = Coverage(data_file=str(ROOT / ".coverage"))
    cov.load()
    statements: dict[str, int] = defaultdict(int)
    missing: dict[str, int] = defaultdict(int)
    try:
        files = cov.get_data().measured_files()
    except NoDataError:
        files = set()
    if not files:
        print("coverage-floors: no coverage data; run `make test` first", file=sys.stderr)
        return 1
    for name in sorted(files):
        path = Path(name).resolve()
        if PACKAGE not in path.parents:
            continue
        _, stmts, _, miss, _ = cov.analysis2(name)
        statements[package_of(path)] += len(stmts)
        missing[package_of(path)] += len(miss)
    failed = []
    print(f"{'package':<12} {'lines':>6} {'missed':>6} {'cover':>7}  floor")
    for pkg in sorted(statements):
        total = statements[pkg]
        percent = 100.0 * (total - missing[pkg]) / total if total else 100.0
        floor = floors.get(pkg)
        mark = "" if floor is None else f"{floor:.0f}%" + ("" if percent >= floor else "  BELOW")
        print(f"{pkg:<12} {total:>6} {missing[pkg]:>6} {percent:>6.1f}%  {mark}")
        if floor is not None and percent < floor:
            failed.append(pkg)
    for pkg in sorted(set(floors) - set(statements)):
        print(f"{pkg:<12} no data  BELOW")
        failed.append(pkg)
    if failed:
        print(f"coverage-floors: below the floor: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
