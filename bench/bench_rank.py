"""Benchmark: Kommunebarometer-style ranking of all municipalities and DEA for one sector.

    python bench/bench_rank.py [--repeat 3]

Prints the best wall time of (a) ranking all 357 municipalities on every key
figure in the catalog's ranking.yaml for the latest year, and (b) the
input-oriented DEA for grunnskole, each from a fresh session over a filled
store so that store reads are counted. Targets (issue 7): ranking under 2 s,
DEA for one sector under 5 s.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import kostra


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        kostra.open(path).close()  # fill the store from the bundle once
        timings: dict[str, float] = {"rank": float("inf"), "dea": float("inf")}
        rows: dict[str, int] = {}
        for _ in range(args.repeat):
            for name in timings:
                copy = Path(folder) / f"{name}.duckdb"
                shutil.copy(path, copy)
                start = time.perf_counter()
                session = kostra.open(copy)
                if name == "rank":
                    rows[name] = session.rank()[1]["region_code"].nunique()
                else:
                    rows[name] = len(session.dea("grunnskole"))
                timings[name] = min(timings[name], time.perf_counter() - start)
                session.close()
    print(f"rank all: {rows['rank']} municipalities in {timings['rank']:.2f} s (best of {args.repeat})")
    print(f"DEA grunnskole: {rows['dea']} municipalities in {timings['dea']:.2f} s (best of {args.repeat})")


if __name__ == "__main__":
    main()
