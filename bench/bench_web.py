"""Load and memory benchmarks against the real server (uvicorn) on loopback.

    python bench/bench_web.py [--seconds 10] [--workers 1]
    python bench/bench_web.py --memory [--varied-seconds 60] [--pdf 3]

Starts ``kostra serve`` on a free port. The load benchmark warms each URL up, then wrk
(Debian package ``wrk``, a second process) keeps 50 connections busy on it, as a browser
asks (``Accept-Encoding: gzip``), and reports the median and 95th-percentile latency:
first the floor (``/api/groups``, a small answer from the response cache: what the server,
the middleware and loopback cost at this load on this machine, measured in the same run),
then the sector page and the profile API (target, issue 6: p95 under 50 ms), the
indicator page and the three kinds of map page (issue 16: p95 under 50 ms), and the
shared boundary file the maps load (gzip). Each line gives its p95 as a multiple of the
floor's. ``--only WORD`` runs the floor and the URLs whose name contains WORD.

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
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx

import kostra

FLOOR = ("floor (/api/groups, cached)", "/api/groups")
URLS = {
    "sector page": "/kommune/3201/pleie-og-omsorg?year=2024&group=asss&compare=Asker",
    "profile API": "/api/profile?municipality=3201&sector=pleie-og-omsorg&profile=alle&year=2024",
    "indicator page": "/indikator/plo_inst_brutto_per_plass?year=2024&highlight=3201,Asker",
    "indicator map": "/kart/indikator/plo_inst_brutto_per_plass?year=2024&kommune=3201",
    "resource use map": "/kart/ressursbruk/pleie-og-omsorg?year=2024&kommune=3201&group=asss",
    "ranking map": "/kart/rangering?sektor=totalt&year=2024&kommune=3201",
}
REPORT = """done = function(summary, latency, requests)
  io.write(string.format("%d %.3f %.3f\\n", summary.requests, latency:percentile(50) / 1000,
                         latency:percentile(95) / 1000))
end
"""


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
    marks = []
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
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="issue 12's memory attacks instead of wrk")
    parser.add_argument("--varied-seconds", type=int, default=60)
    parser.add_argument("--pdf", type=int, default=3)
    parser.add_argument("--only", default="", help="the floor and the URLs whose name contains this")
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
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kostra.duckdb"
        kostra.open(db).close()
        script = Path(folder) / "report.lua"
        script.write_text(REPORT)
        from kostra.outputs.maps import MUNICIPALITIES
        from kostra.outputs.web import geo

        urls = {**URLS, "boundaries (gzip)": f"{geo.url()}/{MUNICIPALITIES}"}
        chosen = [FLOOR, *((n, u) for n, u in urls.items() if args.only in n)]
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with kostra_server(db, folder, args.workers) as (base, _):
            floor = float("nan")
            for name, path in chosen:
                for _ in range(2 * args.workers):  # each worker computes its first answer once
                    httpx.get(base + path, timeout=60.0)
                command = [wrk, "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "-s", str(script)]
                command += ["-H", "Accept-Encoding: gzip", base + path]
                result = subprocess.run(command, capture_output=True, text=True, check=True)
                requests, p50, p95 = result.stdout.strip().splitlines()[-1].split()
                sent = httpx.get(base + path, headers={"Accept-Encoding": "gzip"}).headers["content-length"]
                if (name, path) == FLOOR:
                    floor = float(p95)
                print(
                    f"{name}: {requests} requests in {args.seconds} s, {args.clients} connections, "
                    f"{args.workers} worker(s), {int(sent) / 1000:.0f} kB sent: p50 {float(p50):.1f} ms, "
                    f"p95 {float(p95):.1f} ms ({float(p95) / floor:.1f} x the floor)"
                )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


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
