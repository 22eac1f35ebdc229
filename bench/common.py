"""What every benchmark here shares: timing whole processes as a user runs them, the
machine's state at the time, and one JSON line per measurement for ``bench/run_all.py``.

A measurement is never a figure alone: each row carries its floor or peer (a bare
interpreter, the raw ASGI app on the same server, the SQL query, pyjstat), measured in the
same run on the same machine, and the ratio between them. That is what RESULTS.md shows.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One measurement beside its floor: ``value`` and ``floor`` in the same unit."""

    bench: str  # the script, e.g. "bench_cli.py"
    what: str  # what a user does, in plain words
    value: float
    floor_what: str  # the floor or peer, in plain words
    floor: float
    unit: str  # "s", "ms p95", "req/s" ...
    target: str  # the target, in plain words
    met: bool
    note: str = ""
    ratio: float = field(init=False)

    def __post_init__(self) -> None:
        self.ratio = self.value / self.floor if self.floor else float("nan")


def machine() -> dict[str, object]:
    """Date, commit, cores and load average when the run started."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    return {
        "date": date.today().isoformat(),
        "commit": commit + ("+changes" if dirty else ""),
        "cores": os.cpu_count(),
        "load": os.getloadavg(),
        "python": platform.python_version(),
    }


def run_once(cmd: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> float:
    """Wall seconds for one whole process; raises if it fails (a failing run times nothing)."""
    start = time.perf_counter()
    done = subprocess.run(list(cmd), env=None if env is None else dict(env), cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def median_runs(
    cmd: Sequence[str], runs: int = 5, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> float:
    """The median of ``runs`` whole-process runs."""
    return statistics.median(run_once(cmd, env, cwd) for _ in range(runs))


def kostra_cmd(*args: str) -> list[str]:
    """``kostra ARGS`` as the installed console script would run it, with this interpreter."""
    return [sys.executable, "-m", "kostra", *args]


def emit(rows: Sequence[Row], json_path: str | None) -> None:
    """Print rows for people, and append them as JSON lines to ``json_path`` if given."""
    for row in rows:
        mark = "met" if row.met else "NOT MET"
        print(
            f"{row.what}: {row.value:.3g} {row.unit} | {row.floor_what}: {row.floor:.3g} {row.unit} "
            f"| {row.ratio:.2f} x | target {row.target}: {mark}"
        )
    if json_path:
        with open(json_path, "a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({**asdict(row), "machine": machine()}, ensure_ascii=False) + "\n")
