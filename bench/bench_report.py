"""Benchmark: the KOSTRA report for one municipality (all sectors) in each format, and
HTML for many municipalities on both cores.

    python bench/bench_report.py [--batch 357]

Times include building the report model (all analyses) from a filled store, as
a user waits for it. Targets (issue 5): HTML < 2 s, Word < 3 s, PDF < 10 s for
one municipality; all 357 municipalities as HTML < 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import kostra
from kostra.outputs.report import build_report, write_report
from kostra.outputs.report.batch import run_batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=357, help="municipalities in the batch run (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        kostra.open(db).close()
        out = Path(folder) / "out"
        for fmt in ("html", "docx", "pdf", "xlsx"):
            with kostra.open(db, read_only=True) as session:
                start = time.perf_counter()
                report = build_report(session, "Bærum", 2024, formats=[fmt])
                write_report(report, [fmt], out)
                print(f"Bærum, all sectors, {fmt}: {time.perf_counter() - start:.2f} s (fresh session)")
        if args.batch:
            with kostra.open(db, read_only=True) as session:
                codes = session.municipalities()[: args.batch]
            start = time.perf_counter()
            run_batch(
                db,
                codes,
                year=2024,
                group="asss",
                peers=["Asker"],
                sectors=None,
                formats=["html"],
                out=out / "batch",
                workers=2,
            )
            elapsed = time.perf_counter() - start
            print(
                f"{len(codes)} municipalities as HTML on 2 workers: {elapsed:.1f} s "
                f"({elapsed / len(codes):.2f} s per municipality)"
            )


if __name__ == "__main__":
    main()
