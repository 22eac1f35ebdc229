"""Benchmark: every service profile for every municipality, sector and year of the bundle.

    python bench/bench_profiles.py [--repeat 5]

Prints the best wall time of computing all profiles (357 municipalities x all
sectors and profiles x 2015-2024) from a store that is already filled, on one
core (DuckDB's threads are limited to 1). Target (issue 2): under 1 second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import kostra


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        session = kostra.open(Path(folder) / "bench.duckdb")
        session.store.execute("SET threads TO 1")
        years = range(2015, 2025)
        best, rows = float("inf"), 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            rows = len(session.all_profiles(list(years)))
            best = min(best, time.perf_counter() - start)
        session.close()
    print(
        f"all profiles: {rows} rows (357 municipalities x {len(years)} years x all sectors) "
        f"in {best:.3f} s (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
