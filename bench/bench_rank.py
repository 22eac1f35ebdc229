"""Benchmark: Kommunebarometer-style ranking of all municipalities, and DEA for one sector,
as whole processes beside a floor measured in the same run.

    python bench/bench_rank.py [--runs 3] [--quick] [--json PATH]

``kostra rank --year 2024`` and ``kostra dea --sector grunnskole --year 2024`` run as a user runs
them, over a store filled from the bundle once (so the reads of the store are counted).
The floor is a fresh process that asks DuckDB for what a ranking needs at the least: every
municipality's key figures of the year ranked per figure by a window function
(``percent_rank``), fetched into pandas. Targets (issue 7): ranking under 2 s, DEA for one
sector under 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from common import Row, emit, kostra_cmd, median_runs, run_once

FLOOR = """
import sys
import duckdb
from kostra.catalog import load_catalog
ranking = load_catalog().ranking
ids = sorted({f.indicator for fs in ranking.key_figures.values() for f in fs})
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute(
    '''
    SELECT o.indicator_id, o.region_code, o.value,
           percent_rank() OVER (PARTITION BY o.indicator_id ORDER BY o.value) AS place
    FROM current_observation o JOIN region r ON r.code = o.region_code
    WHERE r.kind = 'municipality' AND r.valid_to IS NULL AND o.year = 2024
      AND o.indicator_id IN (SELECT unnest(?)) AND o.value IS NOT NULL
    ''',
    [ids],
).df()
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        env = {**os.environ, "KOSTRA_HOME": str(home)}
        run_once(kostra_cmd("data", "status"), env)  # fill the store from the bundle once
        floor = statistics.median(
            run_once([sys.executable, "-c", FLOOR, str(home / "kostra.duckdb")], env) for _ in range(runs)
        )
        ranked = median_runs(kostra_cmd("rank", "--year", "2024"), runs, env)
        dea = median_runs(kostra_cmd("dea", "--sector", "grunnskole", "--year", "2024"), runs, env)
    floor_what = "DuckDB: nøkkeltallene rangert per tall med percent_rank (egen prosess)"
    emit(
        [
            Row(
                "bench_rank.py",
                "kostra rank --year 2024 (alle kommuner)",
                ranked,
                floor_what,
                floor,
                "s",
                "< 2 s",
                ranked < 2,
                f"median av {runs} prosesser",
            ),
            Row(
                "bench_rank.py",
                "kostra dea --sector grunnskole --year 2024",
                dea,
                floor_what,
                floor,
                "s",
                "< 5 s",
                dea < 5,
                f"median av {runs} prosesser",
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
