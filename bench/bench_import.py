"""Benchmark: loading a full SSB answer and checking SSB's aggregates, as a user waits for it.

    python bench/bench_import.py [--repeat 3] [--quick] [--json PATH]

Whole processes, as a user runs them: `kostra data import` of the full answers of table
13502 (891 regions, two figures; tests/fixtures/ssb_full) as JSON-stat, statbank CSV and
XLSX into a copy of a filled store, then `kostra data check`. Beside them, in the same run,
the floor every command pays: `kostra data status` on the same store (start, open, read,
print). Prints the medians and the ratio to the floor; with ``--json``, one row per command
for ``bench/run_all.py``. Target (issue 13): a full answer in and checked in about the time
any command takes to start, read here as at most 1.5 x the floor.
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

from common import Row, emit

FULL = Path(__file__).parents[1] / "tests" / "fixtures" / "ssb_full"
FLOOR = "floor: data status"
MOST = 1.5  # x the floor: "about the time any command takes"


def _run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kostra", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run of each, for a quick check")
    parser.add_argument("--json", help="append the rows as JSON lines to this file")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled.duckdb"
        _run("--db", str(filled), "data", "status", "-f", "csv")  # the first fill, not timed
        times: dict[str, list[float]] = {}
        for i in range(repeat):
            times.setdefault(FLOOR, []).append(_run("--db", str(filled), "data", "status"))
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
    floor = statistics.median(times[FLOOR])
    rows = []
    for name, values in times.items():
        if name == FLOOR:
            continue
        median = statistics.median(values)
        rows.append(
            Row(
                "bench_import.py",
                f"kostra {name}",
                median,
                "kostra data status on the same store",
                floor,
                "s",
                f"<= {MOST} x the floor (issue 13)",
                median <= MOST * floor,
                f"median of {repeat} whole processes on a copy of a filled store",
            )
        )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
