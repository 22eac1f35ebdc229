"""Load benchmark: 50 concurrent clients against the real server (uvicorn) on loopback.

    python bench/bench_web.py [--seconds 10] [--workers 1]

Starts ``kostra serve`` on a free port, warms the two pages up, then wrk (Debian
package ``wrk``, a second process) keeps 50 connections busy on the sector page
and on the profile API and reports the median and 95th-percentile latency.
Target (issue 6): p95 under 50 ms for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import kostra

URLS = {
    "sector page": "/kommune/3201/pleie-og-omsorg?year=2024&group=asss&compare=Asker",
    "profile API": "/api/profile?municipality=3201&sector=pleie-og-omsorg&profile=alle&year=2024",
}
REPORT = """done = function(summary, latency, requests)
  io.write(string.format("%d %.3f %.3f\\n", summary.requests, latency:percentile(50) / 1000,
                         latency:percentile(95) / 1000))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kostra.duckdb"
        kostra.open(db).close()
        script = Path(folder) / "report.lua"
        script.write_text(REPORT)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "kostra",
            "--db",
            str(db),
            "serve",
            "--port",
            str(port),
            "--rate",
            "100000000",
            "--workers",
            str(args.workers),
        ]
        server = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "KOSTRA_HOME": folder},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(base + "/static/app.css", timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            for name, path in URLS.items():
                for _ in range(2 * args.workers):  # each worker computes its first answer once
                    httpx.get(base + path, timeout=60.0)
                result = subprocess.run(
                    [wrk, "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "-s", str(script), base + path],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                requests, p50, p95 = result.stdout.strip().splitlines()[-1].split()
                print(
                    f"{name}: {requests} requests in {args.seconds} s, {args.clients} connections, "
                    f"{args.workers} worker(s): p50 {float(p50):.1f} ms, p95 {float(p95):.1f} ms"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
