"""Load and memory benchmarks against the real server (uvicorn) on loopback.

    python bench/bench_web.py [--seconds 60] [--workers 1] [--only WORD,WORD] [--quick] [--json PATH]
    python bench/bench_web.py --memory [--varied-seconds 60] [--pdf 3]

Starts ``kostra serve`` on a free port, and beside it the floor: a raw ASGI app on the same
uvicorn with the same settings (one worker, no server header, warning log), answering each
URL with the very bytes and headers kostra answered it with, read once before the run
(:data:`FLOOR_APP`). For each URL, wrk (Debian package ``wrk``, a second process) keeps 50
connections busy for ``--seconds`` (60; ``--quick``: 5), as a browser asks
(``Accept-Encoding: gzip``), first on kostra, then on the floor, and reports requests per
second and the median and 95th-percentile latency of both. The URLs: the sector page and
the profile API, the indicator page, the three kinds of map page, the shared boundary file
the maps load (gzip), and ``/api/groups``; each is asked once before the run, so these are
the response cache's answers (the uncached profile API is ``bench_concurrency.py``).

kostra runs its whole middleware stack, the rate limit included: all 50 connections come
from 127.0.0.1, so the server is started with ``--rate 100000000`` (a token bucket of 10^8
requests that the run never empties; the check itself runs on every request).

Targets (issue 17, one row each per URL with ``--json``): requests per second at least
70 % of the floor's, and p95 under 25 ms. ``--only WORD,WORD`` runs the URLs whose name
contains one of the words.

``--memory`` replays issue 12's attacks on memory and reports the server's resident
memory (VmRSS) and time after each: ``compare`` with 15 000 comma-separated municipality
numbers (20 URLs), ``/static/vega.js?v=1..512``, report URLs with an extra parameter
(20 HTML, then ``--pdf`` PDF), and a minute of varied valid queries (RSS every 10 s).
Target (issue 12): no attack grows the server by more than the cache's bound (16 MB), and
the extra parameters are refused rather than built again.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import pickle
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx
from common import Row, emit

import kostra

URLS = {
    "groups API": "/api/groups",
    "sector page": "/kommune/3201/pleie-og-omsorg?year=2024&group=asss&compare=Asker",
    "profile API": "/api/profile?municipality=3201&sector=pleie-og-omsorg&profile=alle&year=2024",
    "indicator page": "/indikator/plo_inst_brutto_per_plass?year=2024&highlight=3201,Asker",
    "indicator map": "/kart/indikator/plo_inst_brutto_per_plass?year=2024&kommune=3201",
    "resource use map": "/kart/ressursbruk/pleie-og-omsorg?year=2024&kommune=3201&group=asss",
    "ranking map": "/kart/rangering?sektor=totalt&year=2024&kommune=3201",
}
REPORT = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%d %d %.3f %.3f %d\\n", summary.requests, summary.duration,
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000,
                         e.connect + e.read + e.write + e.status + e.timeout))
end
"""
FLOOR_APP = """
import pathlib
import pickle

ANSWERS = pickle.loads(pathlib.Path(__file__).with_name("answers.pickle").read_bytes())


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    query = scope["query_string"].decode()
    status, headers, body = ANSWERS[scope["path"] + ("?" + query if query else "")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""


@dataclass
class Load:
    """What wrk measured: requests per second, median and 95th-percentile latency (ms)."""

    requests: int
    per_second: float
    p50: float
    p95: float
    errors: int


def wrk_load(wrk: str, script: Path, url: str, clients: int, seconds: int) -> Load:
    """wrk with ``clients`` connections on two threads for ``seconds``, asking as a browser."""
    command = [wrk, "-t2", f"-c{clients}", f"-d{seconds}s", "-s", str(script)]
    command += ["-H", "Accept-Encoding: gzip", url]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    requests, micros, p50, p95, errors = result.stdout.strip().splitlines()[-1].split()
    return Load(int(requests), int(requests) / (int(micros) / 1e6), float(p50), float(p95), int(errors))


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, headers, body


def raw_answer(base: str, path: str) -> Answer:
    """The status, headers (but the date uvicorn adds) and undecoded body of ``path``."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=120)
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    headers = [(k.lower().encode(), v.encode("latin-1")) for k, v in response.getheaders()]
    return response.status, [h for h in headers if h[0] != b"date"], body


@contextmanager
def floor_server(folder: Path, answers: dict[str, Answer]) -> Iterator[str]:
    """The raw ASGI app answering ``answers`` on uvicorn, set as ``kostra serve`` sets it."""
    (folder / "answers.pickle").write_bytes(pickle.dumps(answers))
    (folder / "kostra_floor.py").write_text(FLOOR_APP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "kostra_floor:app", "--app-dir", str(folder)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-server-header"]
    command += ["--no-proxy-headers", "--log-level", "warning"]  # kostra serve without a proxy
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    first = next(iter(answers))
    try:
        for _ in range(300):
            try:
                httpx.get(base + first, timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the floor server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _step(base: str, pid: int, name: str, urls: list[str]) -> None:
    """Sends the URLs one after another on one connection; prints statuses, bytes, time and
    memory after. (http.client, since httpx refuses URLs over 64 kB, as 15 000 names are.)"""
    started = time.perf_counter()
    statuses: dict[int, int] = {}
    size = 0
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=600)
    for url in urls:
        connection.request("GET", quote(url, safe="/?&=,%"))
        response = connection.getresponse()
        size += len(response.read())
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    took = time.perf_counter() - started
    shown = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
    print(f"{name}: {shown}; {size / 2**20:.1f} MB answered in {took:.1f} s; RSS {_rss_mb(pid):.0f} MB")


def _varied(http: httpx.Client, pid: int, names: list[str], codes: list[str], seconds: int) -> None:
    rnd = random.Random(12)
    sectors = ["grunnskole", "barnehage", "pleie-og-omsorg", "barnevern", "kommunehelse"]
    groups = ["asss", "landet", "kostragruppe-12", "eka32"]
    started = time.perf_counter()
    sent = 0
    marks: list[str] = []
    while time.perf_counter() - started < seconds:
        if time.perf_counter() - started >= 10 * (len(marks) + 1):
            marks.append(f"{_rss_mb(pid):.0f}")
        code, sector, year = rnd.choice(codes), rnd.choice(sectors), rnd.choice([2022, 2023, 2024])
        peers = ",".join(rnd.sample(names, 2))
        url = rnd.choice(
            [
                f"/api/profile?municipality={code}&sector={sector}&year={year}&group={rnd.choice(groups)}",
                f"/kommune/{code}/{sector}?year={year}&compare={peers}",
                f"/api/series?municipality={code}&sector={sector}&year={year}&compare={peers}",
                f"/api/observations?indicator=pop_total&year={year}&offset={rnd.randrange(300)}&limit=50",
            ]
        )
        http.get(url)
        sent += 1
    print(
        f"varied valid queries: {sent} in {seconds} s; "
        f"RSS every 10 s: {', '.join(marks)}, {_rss_mb(pid):.0f} MB"
    )


def memory(base: str, pid: int, db: Path, args: argparse.Namespace) -> None:
    with kostra.open(db, read_only=True) as session:
        regions = session.regions
        current = regions[(regions["kind"] == "municipality") & regions["valid_to"].isna()]
        names, codes = list(current["name"]), list(current["code"])
    with httpx.Client(base_url=base, timeout=600.0) as client:
        for url in ("/", "/kommune/3201/barnehage", "/static/vega.js", "/kommune/3201/rapport.html"):
            client.get(url)
        print(f"after warm-up: RSS {_rss_mb(pid):.0f} MB")
        peers = ",".join(itertools.islice(itertools.cycle(codes), 15_000))  # 75 kB: numbers
        _step(
            base,
            pid,
            "compare with 15 000 municipality numbers (sector page and API, 10 each)",
            [f"/kommune/3201/barnehage?year=2024&compare={peers}&n={n}" for n in range(10)]
            + [f"/api/analysis?municipality=3201&sector=barnehage&compare={peers}&n={n}" for n in range(10)],
        )
        _step(base, pid, "/static/vega.js?v=1..512", [f"/static/vega.js?v={n}" for n in range(1, 513)])
        _step(
            base,
            pid,
            "20 HTML reports, extra parameter",
            [f"/kommune/3201/rapport.html?x={n}" for n in range(20)],
        )
        _step(
            base,
            pid,
            f"{args.pdf} PDF reports, extra parameter",
            [f"/kommune/3201/rapport.pdf?x={n}" for n in range(args.pdf)],
        )
        _varied(client, pid, names[:60], codes, args.varied_seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=0, help="per URL (default 60, --quick 5)")
    parser.add_argument("--quick", action="store_true", help="5 s per URL")
    parser.add_argument("--json", help="append the rows (issue 17's targets) to this JSON-lines file")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="issue 12's memory attacks instead of wrk")
    parser.add_argument("--varied-seconds", type=int, default=60)
    parser.add_argument("--pdf", type=int, default=3)
    parser.add_argument("--only", default="", help="URLs whose name has one of these words (commas)")
    args = parser.parse_args()
    if args.memory:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "kostra.duckdb"
            kostra.open(db).close()
            with kostra_server(db, folder, 1) as (base, pid):
                memory(base, pid, db, args)
        return
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    seconds = args.seconds or (5 if args.quick else 60)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as name:
        place = Path(name)
        db = place / "kostra.duckdb"
        kostra.open(db).close()
        script = place / "report.lua"
        script.write_text(REPORT)
        from kostra.outputs.maps import MUNICIPALITIES
        from kostra.outputs.web import geo

        urls = {**URLS, "boundaries (gzip)": f"{geo.url()}/{MUNICIPALITIES}"}
        words = args.only.split(",")
        chosen = {n: u for n, u in urls.items() if any(w in n for w in words)}
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with kostra_server(db, name, args.workers) as (base, _):
            answers = {}
            for path in chosen.values():
                for _ in range(2 * args.workers):  # each worker computes its first answer once
                    answers[path] = raw_answer(base, path)
            with floor_server(place, answers) as floor_base:
                for what, path in chosen.items():
                    ours = wrk_load(wrk, script, base + path, args.clients, seconds)
                    floor = wrk_load(wrk, script, floor_base + path, args.clients, seconds)
                    size = len(answers[path][2])
                    print(
                        f"{what}: {ours.per_second:.0f} req/s, p50 {ours.p50:.1f} ms, p95 {ours.p95:.1f} ms"
                        f" | floor {floor.per_second:.0f} req/s, p50 {floor.p50:.1f} ms, p95 {floor.p95:.1f}"
                        f" ms | {size / 1000:.0f} kB sent, {args.clients} connections, {seconds} s, "
                        f"errors {ours.errors} / {floor.errors}"
                    )
                    rows += _rows(what, ours, floor, args.clients, seconds, args.workers)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    emit(rows, args.json)


def _rows(what: str, ours: Load, floor: Load, clients: int, seconds: int, workers: int) -> list[Row]:
    about = f"{what}, cached, {clients} clients, {seconds} s, {workers} worker(s)"
    floor_what = "raw ASGI app answering the same bytes, same uvicorn"
    note = f"errors {ours.errors}" if ours.errors else ""
    return [
        Row(
            "bench_web.py",
            f"{about}: requests",
            ours.per_second,
            floor_what,
            floor.per_second,
            "req/s",
            ">= 70 % of the floor",
            ours.per_second >= 0.7 * floor.per_second and not ours.errors,
            note,
        ),
        Row(
            "bench_web.py",
            f"{about}: p95",
            ours.p95,
            floor_what,
            floor.p95,
            "ms p95",
            "< 25 ms",
            ours.p95 < 25 and not ours.errors,
            note,
        ),
    ]


@contextmanager
def kostra_server(
    db: Path,
    folder: str,
    workers: int,
    env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
) -> Iterator[tuple[str, int]]:
    """``kostra serve`` on a free port of 127.0.0.1: (base URL, its process id). ``env`` adds
    to its environment, ``log`` takes its standard error."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "kostra", "--db", str(db), "serve", "--port", str(port)]
    command += ["--rate", "100000000", "--workers", str(workers)]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        env={**os.environ, "KOSTRA_HOME": folder, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/static/app.css", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
