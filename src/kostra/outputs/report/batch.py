"""Reports for many municipalities at once, on every core.

Each worker process opens the store read-only (DuckDB allows many readers when
no process writes) and writes its municipality's files; the caller shows the
progress as results come back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import kostra
from kostra.api import Session
from kostra.outputs.report import build_report, write_report
from kostra.outputs.report.drawing import use_processes

__all__ = ["run_batch"]

_session: Session | None = None


def _start(db: str) -> None:
    global _session
    _session = kostra.open(db, read_only=True)
    use_processes(1)  # the other workers keep the other cores busy


def _one(
    job: tuple[str, int | None, str, tuple[str, ...], tuple[str, ...] | None, tuple[str, ...], str],
) -> list[str]:
    municipality, year, group, peers, sectors, formats, out = job
    assert _session is not None
    report = build_report(_session, municipality, year, group, peers, sectors, formats)
    return [str(p) for p in write_report(report, formats, Path(out))]


def run_batch(
    db: Path,
    municipalities: Sequence[str],
    *,
    year: int | None,
    group: str,
    peers: Sequence[str],
    sectors: Sequence[str] | None,
    formats: Sequence[str],
    out: Path,
    workers: int = 2,
    on_done: Callable[[str, list[str]], None] | None = None,
) -> list[str]:
    """Write reports for ``municipalities``; the store at ``db`` must not be open for writing."""
    jobs = [
        (m, year, group, tuple(peers), tuple(sectors) if sectors else None, tuple(formats), str(out))
        for m in municipalities
    ]
    written: list[str] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(str(db),)) as pool:
        futures = {pool.submit(_one, job): job[0] for job in jobs}
        for future in as_completed(futures):
            paths = future.result()
            written += paths
            if on_done:
                on_done(futures[future], paths)
    return written
