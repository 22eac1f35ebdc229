"""Another process holding a store file, for the tests of readers beside a writer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Opens the file and keeps it until told (a line on stdin), or for N seconds.
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("ready", flush=True)
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))
else:
    sys.stdin.readline()
con.close()
"""

PROGRAM = Path(sys.executable).name  # what /proc says a holder runs


@contextmanager
def held(path: Path, mode: str, seconds: float | None = None) -> Iterator[subprocess.Popen[str]]:
    """A process holding ``path`` for ``mode`` ("read" or "write"), from when it has opened
    it until the block ends (or ``seconds`` have passed)."""
    args = [sys.executable, "-c", HOLD, str(path), mode] + ([str(seconds)] if seconds else [])
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)
