"""Benchmark (issue 17, target 4): reports for many municipalities in one command, as whole
processes, beside the floor of computing every municipality's profiles once.

    python bench/bench_batch.py [--quick] [--json PATH]

Runs ``kostra report --all --year 2024 --format html`` (357 municipalities, two workers, the
default) in a store filled from the bundle, and records Word and PDF batches for the
ASSS municipalities (``--all-asss``, twelve in 2024; the whole country as PDF takes many
minutes, so the subset is what is measured, and the row says so). The floor, measured in the same run, is a
whole process that computes ``Session.all_profiles`` for every municipality of the year,
the figures a batch cannot do with less. Target: 357 HTML reports < 60 s on 2 cores.

``--quick``: HTML for the ASSS municipalities only, once, no Word or PDF.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from common import Row, emit, kostra_cmd, run_once

FLOOR = """
import kostra
with kostra.open(read_only=True) as session:
    session.all_profiles(2024)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the ASSS municipalities as HTML only")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "KOSTRA_HOME": str(Path(folder) / "home")}
        run_once(kostra_cmd("data", "status"), env)  # fill the store from the bundle once
        floor = run_once([sys.executable, "-c", FLOOR], env)
        jobs = (
            [("--all-asss", "html", 10)]
            if args.quick
            else [
                ("--all", "html", 357),
                ("--all-asss", "docx", 10),
                ("--all-asss", "pdf", 10),
            ]
        )
        for which, fmt, count in jobs:
            out = Path(folder) / f"out-{fmt}{which}"
            seconds = run_once(
                kostra_cmd("report", which, "--year", "2024", "--format", fmt, "--out", str(out)), env
            )
            count = len(list(out.rglob(f"*.{fmt}")))
            if which == "--all" and count != 357:
                raise RuntimeError(f"{which} {fmt}: {count} files, expected 357")
            whole = which == "--all" and fmt == "html"
            rows.append(
                Row(
                    bench="bench_batch.py",
                    what=f"kostra report {which} --format {fmt} ({count} kommuner, 2 prosesser)",
                    value=seconds,
                    floor_what="alle profiler for alle kommuner, 2024 (egen prosess)",
                    floor=floor,
                    unit="s",
                    target="357 HTML-rapporter < 60 s" if whole else "tid registrert",
                    met=seconds < 60 if whole else True,
                    note=f"{seconds / count:.2f} s per kommune"
                    + ("" if whole else "; et utvalg (ASSS), ikke hele landet"),
                )
            )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
