"""Benchmark (issue 17, target 5): ``Session.all_profiles``, first call in a fresh session,
beside the SQL window-function floor, for 1 and 10 years.

    python bench/bench_profiles.py [--runs 5] [--quick] [--json PATH]

Each measurement is a fresh process over a store filled once from the bundle: one opens a
read-only session and times its first ``all_profiles`` call (every municipality, every
visible sector, ASSS); the floor opens a fresh DuckDB connection to the same file and times
one query that gives the figures in force per region, indicator and year with the group's
average, highest and lowest by window functions, fetched into pandas. The floor does less
than kostra (no weights, no ranks, no older years, one membership for all years), so it
cannot flatter. Target: within 1.5 x the floor.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, Row, emit

# One fresh process: the first all_profiles call of a fresh session, in seconds.
KOSTRA = """
import json, sys, time
import kostra
session = kostra.open(sys.argv[1], read_only=True)
years = json.loads(sys.argv[2])
start = time.perf_counter()
rows = len(session.all_profiles(years))
print(json.dumps([time.perf_counter() - start, rows]))
"""

# The floor: figures in force and the group's average, highest and lowest by window functions.
FLOOR = """
import json, sys, time
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
years = json.loads(sys.argv[2])
ids = json.loads(sys.argv[3])
start = time.perf_counter()
frame = con.execute(
    '''
    WITH members AS (SELECT DISTINCT region_code FROM group_member WHERE group_id = 'asss')
    SELECT o.indicator_id, o.region_code, o.year, o.value,
           avg(o.value) FILTER (WHERE m.region_code IS NOT NULL) OVER w AS group_average,
           max(o.value) FILTER (WHERE m.region_code IS NOT NULL) OVER w AS group_highest,
           min(o.value) FILTER (WHERE m.region_code IS NOT NULL) OVER w AS group_lowest
    FROM current_observation o
    JOIN region r ON r.code = o.region_code AND r.kind = 'municipality'
    LEFT JOIN members m ON m.region_code = o.region_code
    WHERE o.year IN (SELECT unnest(?)) AND o.indicator_id IN (SELECT unnest(?))
    WINDOW w AS (PARTITION BY o.indicator_id, o.year)
    ''',
    [years, ids],
).df()
print(json.dumps([time.perf_counter() - start, len(frame)]))
"""


def _once(script: str, *args: str) -> tuple[float, int]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-800:])
    seconds, rows = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 runs each")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs

    import kostra

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        with kostra.open(db) as session:  # fill the store from the bundle once
            ids = sorted(
                i.id
                for s in session.catalog.sectors.values()
                if not s.hidden
                for i in session.catalog.indicators_of(s.id)
            )
        for label, years in (("1 år (2024)", [2024]), ("10 år (2015-2024)", list(range(2015, 2025)))):
            kostra_times, floor_times = [], []
            kostra_rows = floor_rows = 0
            for _ in range(runs):  # alternate, so a busy moment hits both alike
                seconds, kostra_rows = _once(KOSTRA, str(db), json.dumps(years))
                kostra_times.append(seconds)
                seconds, floor_rows = _once(FLOOR, str(db), json.dumps(years), json.dumps(ids))
                floor_times.append(seconds)
            value, floor = statistics.median(kostra_times), statistics.median(floor_times)
            rows.append(
                Row(
                    bench="bench_profiles.py",
                    what=f"Session.all_profiles, første kall i ny sesjon, {label}",
                    value=value,
                    floor_what="DuckDB-spørring med vindusfunksjoner (tall, snitt, høyest, lavest)",
                    floor=floor,
                    unit="s",
                    target="innen 1,5 x gulvet",
                    met=value <= 1.5 * floor,
                    note=f"{kostra_rows} rader mot gulvets {floor_rows}; median av {runs} prosesser",
                )
            )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
