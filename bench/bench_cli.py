"""Benchmark (issue 17, target 2): the command line's start as whole processes, beside a
bare interpreter in the same run.

    python bench/bench_cli.py [--runs 5] [--quick] [--json PATH]

Measured, each the median of ``--runs`` fresh processes:

- ``python -c pass``: the floor every Python program pays;
- ``python -c "import kostra"``, and whether it imported pandas, DuckDB or httpx;
- ``kostra --help`` (target < 0.25 s);
- ``kostra profile Bærum --sector grunnskole --year 2024``, warm: the second and later run
  over the same ``KOSTRA_HOME`` (target < 0.5 s), its table read from what the first run
  kept beside the store (kostra.profile_cache); another municipality's table, kept by
  Bærum's run; the same command with nothing kept (the first after an import or a fetch:
  it computes the table and keeps the area's tables); and cold: each run in a fresh
  ``KOSTRA_HOME``, so it fills the store from the bundle first (recorded, no target);
- the profile itself: a fresh process that opens the same warm store and times only its
  first ``Session.profile`` call (the peer the issue names for the profile rows).

The commands run as the console script does (``python -m kostra``), with bytecode written
and read as in a pip installation (``PYTHONDONTWRITEBYTECODE`` is dropped for the runs, and
one run of each command before the timed ones writes it); the floor runs the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, Row, emit, kostra_cmd, median_runs

BENCH = "bench_cli.py"
PROFILE_ARGS = ("profile", "Bærum", "--sector", "grunnskole", "--year", "2024")
OTHER_ARGS = ("profile", "Asker", "--sector", "grunnskole", "--year", "2024")
HEAVY = ("pandas", "duckdb", "httpx")

# One fresh process: the first Session.profile call on a warm store, in seconds.
PROFILE_ITSELF = """
import json, sys, time
import kostra
with kostra.open(read_only=True) as session:
    start = time.perf_counter()
    session.profile("Bærum", "grunnskole", None, 2024, "asss")
    print(json.dumps(time.perf_counter() - start))
"""

HEAVY_AFTER_IMPORT = f"""
import json, sys
import kostra
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "KOSTRA_HOME": str(home), "COLUMNS": "120"}


def _output(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout


def _nothing_kept(runs: int, env: dict[str, str], home: Path) -> float:
    """The median of ``runs`` profile commands, each with no table kept beside the store."""
    times = []
    for _ in range(runs):
        (home / "kostra.duckdb.profiles.sqlite").unlink(missing_ok=True)
        times.append(median_runs(kostra_cmd(*PROFILE_ARGS), 1, env, ROOT))
    _output(kostra_cmd(*PROFILE_ARGS), env)  # kept again
    return statistics.median(times)


def _cold_profile(runs: int, env: dict[str, str]) -> float:
    """The median of ``runs`` profile commands, each in a fresh KOSTRA_HOME."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kostra-cold-") as home:
            times.append(median_runs(kostra_cmd(*PROFILE_ARGS), 1, {**env, "KOSTRA_HOME": home}, ROOT))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="three runs, for a quick check")
    parser.add_argument("--json", help="append the rows as JSON lines to this file")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="kostra-warm-") as home:
        env = _environment(Path(home))
        python = [sys.executable]
        # Not timed: bytecode written, the store filled from the bundle, the catalog cached.
        for cmd in ([*python, "-c", "import kostra"], kostra_cmd("--help"), kostra_cmd(*PROFILE_ARGS)):
            _output(cmd, env)
        floor = median_runs([*python, "-c", "pass"], runs, env, ROOT)
        imported = median_runs([*python, "-c", "import kostra"], runs, env, ROOT)
        heavy = json.loads(_output([*python, "-c", HEAVY_AFTER_IMPORT], env))
        help_ = median_runs(kostra_cmd("--help"), runs, env, ROOT)
        warm = median_runs(kostra_cmd(*PROFILE_ARGS), runs, env, ROOT)
        other = median_runs(kostra_cmd(*OTHER_ARGS), runs, env, ROOT)
        computing = _nothing_kept(runs, env, Path(home))
        itself = statistics.median(
            float(json.loads(_output([*python, "-c", PROFILE_ITSELF], env))) for _ in range(runs)
        )
        cold = _cold_profile(runs, env)
    bare = "python -c pass"
    profile_peer = "the first Session.profile call in a fresh process (in-process time)"
    note = f"median of {runs} whole processes; bytecode as in a pip installation"
    emit(
        [
            Row(
                BENCH,
                "python -c 'import kostra'",
                imported,
                bare,
                floor,
                "s",
                "imports none of pandas, duckdb, httpx",
                not heavy,
                f"{note}; heavy modules imported: {', '.join(heavy) or 'none'}",
            ),
            Row(BENCH, "kostra --help", help_, bare, floor, "s", "< 0.25 s", help_ < 0.25, note),
            Row(
                BENCH,
                "kostra profile Bærum --sector grunnskole --year 2024, warm",
                warm,
                profile_peer,
                itself,
                "s",
                "< 0.5 s",
                warm < 0.5,
                f"{note}; python -c pass {floor:.3f} s in the same run; the table kept by the first run",
            ),
            Row(
                BENCH,
                "kostra profile Asker --sector grunnskole --year 2024, warm (kept by Bærum's run)",
                other,
                profile_peer,
                itself,
                "s",
                "< 0.5 s",
                other < 0.5,
                f"{note}; every municipality's table of the area, year and group is kept at once",
            ),
            Row(
                BENCH,
                "kostra profile Bærum --sector grunnskole --year 2024, warm store, no table kept",
                computing,
                profile_peer,
                itself,
                "s",
                "recorded (no target): the first command after an import or a fetch",
                True,
                f"{note}; computes the table (pandas, the store) and keeps the area's tables",
            ),
            Row(
                BENCH,
                "kostra profile Bærum --sector grunnskole --year 2024, cold (fresh KOSTRA_HOME)",
                cold,
                profile_peer,
                itself,
                "s",
                "recorded (no target)",
                True,
                f"{note}; fills the store from the bundle first",
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
