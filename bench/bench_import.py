"""Benchmark: loading a full SSB answer and checking SSB's aggregates, as a user waits for it.

    python bench/bench_import.py [--repeat 3]

Whole processes, as a user runs them: `kostra data import` of the full answers of table
13502 (891 regions, two figures; tests/fixtures/ssb_full) as JSON-stat, statbank CSV and
XLSX into a copy of a filled store, then `kostra data check`. Beside them, in the same run,
the floor every command pays: `kostra data status` on the same store (start, open, read,
print). Prints the medians and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL = Path(__file__).parents[1] / "tests" / "fixtures" / "ssb_full"


def _run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kostra", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled.duckdb"
        _run("--db", str(filled), "data", "status", "-f", "csv")  # the first fill, not timed
        times: dict[str, list[float]] = {}
        for i in range(args.repeat):
            times.setdefault("floor: data status", []).append(_run("--db", str(filled), "data", "status"))
            for fmt in ("json", "csv", "xlsx"):
                db = Path(tmp) / f"{fmt}{i}.duckdb"
                shutil.copy(filled, db)
                times.setdefault(f"data import 13502_2024.{fmt}", []).append(
                    _run("--db", str(db), "data", "import", str(FULL / f"13502_2024.{fmt}"))
                )
                if fmt == "json":
                    times.setdefault("data check (after the import)", []).append(
                        _run("--db", str(db), "data", "check")
                    )
    floor = statistics.median(times["floor: data status"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:40s} {median:6.2f} s  ({median / floor:4.1f} x the floor)")


if __name__ == "__main__":
    main()
