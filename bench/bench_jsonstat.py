"""Benchmark: our JSON-stat 2.0 reader against pyjstat on one 1 000 000-cell cube.

    python bench/bench_jsonstat.py [--cells 1000000] [--repeat 3] [--quick] [--json PATH]

Writes a cube in PxWebApi v2's form (region x figure x year, some cells missing
with SSB's status symbols) to a temporary file, then reads the same file into a
tidy pandas DataFrame with both readers, in one run, and prints the times,
cells per second and the ratio. Targets (issue 3): at least 10 times faster
than pyjstat and at least 5 million cells per second; with ``--json``, one row per target
for ``bench/run_all.py``. The readers run in this process (both pay the same start).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from common import Row, emit
from pyjstat import pyjstat

from kostra.sources.jsonstat import read_jsonstat

BENCH = "bench_jsonstat.py"


def make_cube(cells: int) -> dict[str, object]:
    years = [str(y) for y in range(1925, 2025)]  # 100
    contents = [f"KOSBENCH{i:04d}" for i in range(10)]  # 10
    regions = [f"{i:04d}" for i in range(cells // (len(years) * len(contents)))]
    size = len(regions) * len(contents) * len(years)
    rng = np.random.default_rng(1)
    values: list[float | None] = [round(v, 1) for v in rng.uniform(0, 100000, size).tolist()]
    status = {}
    for i in range(0, size, 97):
        values[i] = None
        status[str(i)] = ".."
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "bench",
        "source": "Statistisk sentralbyrå",
        "updated": "2026-03-16T07:00:00Z",
        "role": {"geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"], "time": ["Tid"]},
        "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
        "size": [len(regions), len(contents), len(years)],
        "dimension": {
            "KOKkommuneregion0000": {
                "label": "region",
                "category": {
                    "index": {c: i for i, c in enumerate(regions)},
                    "label": {c: f"Kommune {c}" for c in regions},
                },
            },
            "ContentsCode": {
                "label": "statistikkvariabel",
                "category": {
                    "index": {c: i for i, c in enumerate(contents)},
                    "label": {c: c for c in contents},
                },
            },
            "Tid": {
                "label": "år",
                "category": {"index": {y: i for i, y in enumerate(years)}, "label": {y: y for y in years}},
            },
        },
        "value": values,
        "status": status,
    }


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a 200 000-cell cube, read once")
    parser.add_argument("--json", help="append the rows as JSON lines to this file")
    args = parser.parse_args()
    if args.quick:
        args.cells, args.repeat = 200_000, 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cube.json"
        path.write_text(json.dumps(make_cube(args.cells)), encoding="utf-8")
        cells = read_jsonstat(path.read_bytes()).size

        def ours() -> None:
            frame = read_jsonstat(path.read_bytes()).frame
            assert len(frame) == cells

        def theirs() -> None:
            frame = pyjstat.Dataset.read(path.read_text(encoding="utf-8")).write("dataframe", naming="id")
            assert len(frame) == cells

        t_ours = best_of(args.repeat, ours)
        t_theirs = best_of(1, theirs)
    print(f"cells: {cells:,}".replace(",", " "))
    print(f"kostra reader: {t_ours:.3f} s ({cells / t_ours / 1e6:.1f} million cells/s)")
    print(f"pyjstat:       {t_theirs:.3f} s ({cells / t_theirs / 1e6:.2f} million cells/s)")
    print(f"ratio:         {t_theirs / t_ours:.1f} x faster")
    cube = f"one {cells:,}-cell JSON-stat 2.0 file read into a tidy DataFrame".replace(",", " ")
    note = f"best of {args.repeat} (kostra), one pyjstat read; in-process"
    emit(
        [
            Row(
                BENCH,
                f"kostra reader, {cube}",
                t_ours,
                "pyjstat, the same file",
                t_theirs,
                "s",
                ">= 10 x faster than pyjstat (issue 3)",
                t_theirs >= 10 * t_ours,
                note,
            ),
            Row(
                BENCH,
                f"kostra reader, {cube}",
                cells / t_ours / 1e6,
                "pyjstat, the same file",
                cells / t_theirs / 1e6,
                "million cells/s",
                ">= 5 million cells/s (issue 3)",
                cells / t_ours >= 5e6,
                note,
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
