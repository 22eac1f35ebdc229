"""Concurrency benchmark: 50 clients against the real server (uvicorn) on loopback, with
the response cache off, so every request is computed by the session's thread pool.

    python bench/bench_concurrency.py [--seconds 10] [--clients 50] [--workers 1] [--cached]

Starts ``kostra serve`` on a free port over a freshly filled store, with
``KOSTRA_WEB_CACHE_BYTES=0`` (the response cache keeps nothing), then keeps
``--clients`` connections busy (asyncio and httpx in this process; the server runs in
its own) on two URL families. The municipality, service area and year rotate, and each
family gets a fresh server, so the session's own memos start cold too. Reports requests per second,
the median and 95th-percentile latency, and the errors: any status but 200, a
connection that failed, or a profile answer about another municipality, service area or
year than the one asked for. ``--cached`` leaves the response cache on (for comparison).

Target (issue 12): no errors; latency is reported, not targeted (bench_web.py's p95 <
50 ms is for cached answers).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from bench_web import kostra_server

import kostra

MUNICIPALITIES = ["3201", "3203", "0301", "4601", "5001", "1103", "5501", "3301"]
YEARS: list[int | None] = [None, 2022, 2023]  # None: the latest year with figures


def _urls(family: str, latest: dict[str, int]) -> itertools.cycle[tuple[str, dict[str, object] | None]]:
    """The URLs in turn, each with what its JSON answer must say it is about (None: a page);
    ``latest`` is each service area's latest year."""
    urls: list[tuple[str, dict[str, object] | None]] = []
    for m, s, y in itertools.product(MUNICIPALITIES, latest, YEARS):
        year = "" if y is None else f"&year={y}"
        if family == "profile API":
            expected = {"region_code": m, "sector": s, "year": latest[s] if y is None else y}
            urls.append((f"/api/profile?municipality={m}&sector={s}{year}", expected))
        else:
            urls.append((f"/kommune/{m}/{s}?group=asss{year}", None))
    return itertools.cycle(urls)


async def _load(
    base: str, family: str, latest: dict[str, int], clients: int, seconds: float
) -> tuple[list[float], Counter[str]]:
    urls = _urls(family, latest)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout would close them
    # under a request (a ReadError of the load generator, not of the server).
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as http:

        async def client() -> None:
            while time.perf_counter() < deadline:
                url, expected = next(urls)
                start = time.perf_counter()
                try:
                    response = await http.get(url)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors[str(response.status_code)] += 1
                elif expected and any(response.json().get(k) != v for k, v in expected.items()):
                    errors["wrong answer"] += 1  # another request's municipality, sector or year

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cached", action="store_true", help="leave the response cache on")
    parser.add_argument("--server-log", type=Path, help="append the server's standard error here")
    args = parser.parse_args()
    log = args.server_log.open("ab") if args.server_log else None
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kostra.duckdb"
        with kostra.open(db) as session:
            latest = {
                s.id: session.latest_year(session.catalog.indicators_of(s.id))
                for s in session.catalog.sectors.values()
                if not s.hidden
            }
        for family in ("profile API", "sector page"):
            cache = {} if args.cached else {"KOSTRA_WEB_CACHE_BYTES": "0"}
            # A fresh server per family: cold memos.
            with kostra_server(db, folder, args.workers, cache, log) as (base, _):
                latencies, errors = asyncio.run(_load(base, family, latest, args.clients, args.seconds))
            p50 = statistics.median(latencies) if latencies else float("nan")
            p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
            mode = "cached" if args.cached else "cache off"
            print(
                f"{family}: {len(latencies)} answers in {args.seconds:g} s "
                f"({len(latencies) / args.seconds:.0f}/s), {args.clients} clients, "
                f"{args.workers} worker(s), {mode}: p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms, "
                f"errors {sum(errors.values())}" + (f" ({dict(errors)})" if errors else "")
            )


if __name__ == "__main__":
    main()
