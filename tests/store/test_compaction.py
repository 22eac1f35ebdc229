"""A write that fails or is killed must not leave the store larger for good: DuckDB keeps the
pages a rolled-back transaction took, so the next writer rewrites the file (issue 12)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kostra.store import Store

BIG = "CREATE TABLE junk AS SELECT range AS a, md5(range::VARCHAR) AS b FROM range(2000000)"
GROWTH = 16 * 2**20  # what the junk table takes on disk at the least (about 30 MB)


@pytest.fixture
def copy(template_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


def _state(path: Path) -> tuple[tuple[int, int, str | None], int]:
    with Store(path) as store:
        return store.fingerprint(), path.stat().st_size


def _fail_half_way(store: Store) -> None:
    with store.transaction() as con:
        con.execute(BIG)
        raise RuntimeError("the load fails half-way")


def test_a_failed_write_is_compacted_by_the_next_writer(copy: Path) -> None:
    (before, size), marker = _state(copy), copy.with_name(copy.name + ".unfinished")
    store = Store(copy)
    with pytest.raises(RuntimeError, match="half-way"):
        _fail_half_way(store)
    store.close()
    assert marker.exists() and copy.stat().st_size > size + GROWTH  # the space is kept ...
    after, compacted = _state(copy)
    assert after == before and compacted <= size * 1.1  # ... until the next writer opens it
    assert not marker.exists()


def test_a_killed_write_is_compacted_by_the_next_writer(copy: Path) -> None:
    before, size = _state(copy)
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from kostra.store import Store\n"
            "store = Store(sys.argv[1])\n"
            "with store.transaction() as con:\n"
            f"    con.execute({BIG!r})\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n",
            str(copy),
        ],
        check=False,
        timeout=120,
    )
    assert killed.returncode == -9
    assert copy.with_name(copy.name + ".unfinished").exists() and copy.stat().st_size > size + GROWTH
    after, compacted = _state(copy)
    assert after == before and compacted <= size * 1.1
    assert not copy.with_name(copy.name + ".unfinished").exists()


def test_a_committed_write_leaves_no_marker(copy: Path) -> None:
    with Store(copy) as store:
        store.set_meta("test", "ja")
    assert not copy.with_name(copy.name + ".unfinished").exists()
