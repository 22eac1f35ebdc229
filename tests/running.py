"""Running kostra for real in tests: ``kostra serve`` on a free loopback port, and work
started in many threads at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def kostra_serve(
    db: Path, *options: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``kostra serve`` over the store ``db`` with ``options``: its base URL and process,
    once it answers; stopped (killed if it will not stop) when the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "kostra", "--db", str(db), "serve", "--port", str(port), *options]
    environment = {**os.environ, "KOSTRA_HOME": str(db.parent), **(env or {})}
    base = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment
    ) as process:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/static/app.css", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("kostra serve did not start")
                time.sleep(0.1)
            yield base, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a wedged server
                process.kill()
                process.wait()


def in_threads(work: Callable[[int], None], threads: int) -> list[BaseException]:
    """Run ``work(i)`` in ``threads`` threads started together; the exceptions they raised."""
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as exc:
            failures.append(exc)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return failures
