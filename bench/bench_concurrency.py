"""Concurrency benchmark: 50 clients against the real server (uvicorn) on loopback, with
the response cache off, so every request is computed.

    python bench/bench_concurrency.py [--seconds 60] [--clients 50] [--workers 1] [--quick] [--json PATH]

Issue 17's uncached profile API: ``kostra serve`` over a freshly filled store with
``KOSTRA_WEB_CACHE_BYTES=0`` (the response cache keeps nothing), and wrk (a second process)
keeping ``--clients`` connections busy for ``--seconds`` (60; ``--quick``: 5) on
``/api/profile`` for every municipality and service area (357 x 10 = 3 570 URLs, in a
shuffled order, each of wrk's two threads starting half-way from the other), so no answer
is asked twice in a row. A warm-up of the same URLs (10 s, 5 with ``--quick``) runs first and
is reported apart: the server computes each service area's profiles for all
municipalities once (:mod:`kostra.outputs.web.profiles`), as it would in its first seconds.
The floor, in the same run: the cached answer of one profile URL (a server with the
response cache on), with the same wrk settings. Target: p95 < 100 ms.

Then a check of the answers (issue 12), with asyncio and httpx in this process for
``--check-seconds`` (5): the profile API and the sector page, the municipality, service area
and year rotating, each family on a fresh server (the session's memos cold). Errors: any
status but 200, a connection that failed, or a profile answer about another municipality,
service area or year than the one asked for. Target (issue 12): no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from bench_web import REPORT, Load, kostra_server, wrk_load
from common import Row, emit

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


ROTATE = """local urls = {%s}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  n = id * math.floor(#urls / 2)
end
function request()
  n = n + 1
  return wrk.format("GET", urls[(n %% #urls) + 1])
end
"""


def profile_urls(session: kostra.api.Session) -> list[str]:
    """``/api/profile`` for every municipality and service area, shuffled (fixed seed)."""
    sectors = [s.id for s in session.catalog.sectors.values() if not s.hidden]
    urls = [
        f"/api/profile?municipality={code}&sector={sector}"
        for code, sector in itertools.product(session.municipalities(), sectors)
    ]
    random.Random(17).shuffle(urls)
    return urls


def uncached(
    wrk: str, db: Path, folder: str, urls: list[str], args: argparse.Namespace, seconds: int
) -> list[Row]:
    """The uncached profile API under wrk, beside one cached profile URL: issue 17's row."""
    rotate = Path(folder) / "rotate.lua"
    rotate.write_text(ROTATE % ", ".join(f'"{u}"' for u in urls) + REPORT)
    report = Path(folder) / "report.lua"
    report.write_text(REPORT)
    warm_seconds = 5 if args.quick else 10
    with kostra_server(db, folder, args.workers, {"KOSTRA_WEB_CACHE_BYTES": "0"}) as (base, _):
        warm = wrk_load(wrk, rotate, base + "/", args.clients, warm_seconds)
        ours = wrk_load(wrk, rotate, base + "/", args.clients, seconds)
    with kostra_server(db, folder, args.workers) as (base, _):
        httpx.get(base + urls[0], timeout=60.0)
        floor = wrk_load(wrk, report, base + urls[0], args.clients, seconds)
    print(
        f"warm-up ({warm_seconds} s, not counted): {warm.per_second:.0f} req/s, p50 {warm.p50:.0f} ms, "
        f"p95 {warm.p95:.0f} ms, errors {warm.errors}"
    )
    for name, load in (("uncached profile API", ours), ("floor: one cached profile URL", floor)):
        print(
            f"{name}: {load.requests} answers in {seconds} s ({load.per_second:.0f}/s), {args.clients} "
            f"clients, {args.workers} worker(s): p50 {load.p50:.1f} ms, p95 {load.p95:.1f} ms, "
            f"errors {load.errors}"
        )
    return [_row(ours, floor, warm, len(urls), args, seconds)]


def _row(ours: Load, floor: Load, warm: Load, count: int, args: argparse.Namespace, seconds: int) -> Row:
    return Row(
        "bench_concurrency.py",
        f"uncached /api/profile, {count:,} URLs in turn, {args.clients} clients, {seconds} s, "
        f"{args.workers} worker(s): p95",
        ours.p95,
        "one cached profile URL, same server and load",
        floor.p95,
        "ms p95",
        "< 100 ms",
        ours.p95 < 100 and not ours.errors,
        f"{ours.per_second:.0f} req/s, p50 {ours.p50:.1f} ms, errors {ours.errors}; warm-up before it "
        f"(not counted): p95 {warm.p95:.0f} ms",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=0, help="the wrk run (default 60, --quick 5)")
    parser.add_argument("--check-seconds", type=float, default=5, help="each family of the answer check")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cached", action="store_true", help="the answer check with the response cache on")
    parser.add_argument("--server-log", type=Path, help="append the server's standard error here")
    parser.add_argument("--json", help="append the rows (issue 17's targets) to this JSON-lines file")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    seconds = args.seconds or (5 if args.quick else 60)
    log = args.server_log.open("ab") if args.server_log else None
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kostra.duckdb"
        with kostra.open(db) as session:
            latest = {
                s.id: session.latest_year(session.catalog.indicators_of(s.id))
                for s in session.catalog.sectors.values()
                if not s.hidden
            }
            urls = profile_urls(session)
        rows = uncached(wrk, db, folder, urls, args, seconds)
        for family in ("profile API", "sector page"):
            cache = {} if args.cached else {"KOSTRA_WEB_CACHE_BYTES": "0"}
            # A fresh server per family: cold memos.
            with kostra_server(db, folder, args.workers, cache, log) as (base, _):
                latencies, errors = asyncio.run(_load(base, family, latest, args.clients, args.check_seconds))
            p50 = statistics.median(latencies) if latencies else float("nan")
            p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
            mode = "cached" if args.cached else "cache off"
            print(
                f"answer check, {family}: {len(latencies)} answers in {args.check_seconds:g} s "
                f"({len(latencies) / args.check_seconds:.0f}/s), {args.clients} clients (httpx), "
                f"{args.workers} worker(s), {mode}: p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms, "
                f"errors {sum(errors.values())}" + (f" ({dict(errors)})" if errors else "")
            )
            if errors:
                rows[0].met = False
                rows[0].note += f"; answer check, {family}: errors {dict(errors)}"
    emit(rows, args.json)


if __name__ == "__main__":
    main()
