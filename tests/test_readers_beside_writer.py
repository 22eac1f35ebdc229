"""Commands beside each other and beside ``kostra serve`` (issue 12, item 6).

Reading commands open the store read-only, so they run while ``kostra serve`` (which
reads) runs, and beside each other. A command that writes waits a while for a store
another process holds, then fails in one bokmål line naming the process and what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clichecks import assert_bokmal
from lockholder import PROGRAM, held
from running import kostra_serve

Cli = Callable[..., subprocess.CompletedProcess[str]]
IMPORT = Path(__file__).parent / "fixtures" / "statbank_12134_semicolon_utf8.csv"
REPORT = ["-y", "2024", "-s", "barnehage", "-f", "html", "-o"]  # one service area: quick

READING = {
    "profile": ["profile", "Bærum", "-s", "pleie-og-omsorg", "-y", "2024", "-f", "csv"],
    "analyse": ["analyse", "Bærum", "-s", "grunnskole", "-y", "2024", "-f", "json"],
    "rank": ["rank", "-y", "2024"],
    "dea": ["dea", "-s", "pleie-og-omsorg", "-y", "2024"],
    "similar": ["similar", "Bærum"],
    "groups": ["groups", "-y", "2024"],
    "data status": ["data", "status", "-f", "csv"],
    "data diff": ["data", "diff", "-y", "2024"],
    "report": ["report", "Bærum", "-y", "2024", "-s", "barnehage", "-f", "html"],
}


@pytest.fixture(scope="module")
def serving(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """``kostra serve`` running over a filled store: the store and the server's process id."""
    db = tmp_path_factory.mktemp("serving") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db) as (_, server):
        yield db, server.pid


@pytest.mark.parametrize("command", READING)
def test_a_reading_command_runs_while_kostra_serve_runs(
    cli: Cli, serving: tuple[Path, int], tmp_path: Path, command: str
) -> None:
    db, _ = serving
    args = READING[command] + (["-o", str(tmp_path)] if command == "report" else [])
    result = cli("--db", str(db), *args, env={"KOSTRA_LOCK_WAIT": "0"})  # no waiting: it must not need to
    assert result.returncode == 0, result.stderr
    assert "Feil" not in result.stderr and "Venter" not in result.stderr


def test_a_writer_waits_for_kostra_serve_then_says_to_stop_it(cli: Cli, serving: tuple[Path, int]) -> None:
    db, pid = serving
    started = time.monotonic()
    result = cli("--db", str(db), "data", "import", str(IMPORT), env={"KOSTRA_LOCK_WAIT": "1"})
    assert time.monotonic() - started >= 1
    assert result.returncode == 1 and not result.stdout.strip() and "Traceback" not in result.stderr
    waiting, error = result.stderr.strip().splitlines()
    assert waiting == f"Venter på datalageret, som brukes av prosess {pid} (kostra serve) …"
    assert error.startswith(f"Feil: datalageret {db} er i bruk av prosess {pid} (kostra serve)")
    assert "stopp 'kostra serve'" in error and "readonly" not in error.lower()
    assert_bokmal(error)


def test_a_reader_waits_for_a_writer_then_names_it(cli: Cli, store_path: Path) -> None:
    with held(store_path, "write") as writer:
        result = cli(
            "--db", str(store_path), "profile", "Bærum", "-s", "plo", env={"KOSTRA_LOCK_WAIT": "0.5"}
        )
    assert result.returncode == 1 and not result.stdout.strip()
    waiting, error = result.stderr.strip().splitlines()
    assert waiting == f"Venter på datalageret, som brukes av prosess {writer.pid} ({PROGRAM}) …"
    assert f"er i bruk av prosess {writer.pid} ({PROGRAM})" in error and "vent til den er ferdig" in error
    assert_bokmal(error)


def test_a_writer_gets_the_store_when_the_reader_lets_go_in_time(store_path: Path) -> None:
    # The reader lets go once the writer says it waits, not after a fixed time: a slow start
    # of the writer on a busy machine would otherwise find the store free and never wait.
    with held(store_path, "read") as reader:
        writer = subprocess.Popen(
            [sys.executable, "-m", "kostra", "--db", str(store_path), "data", "import", str(IMPORT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "KOSTRA_LOCK_WAIT": "60"},
        )
        assert writer.stderr is not None and reader.stdin is not None
        waiting = writer.stderr.readline()
        reader.stdin.write("\n")  # the reader closes its connection and ends
        reader.stdin.flush()
        reader.wait(timeout=20)
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert waiting.startswith("Venter på datalageret") and "Feil" not in err
    assert "3 tall (og 1 celle med SSBs symboler for tall som mangler) og 1 av SSBs egne aggregater" in out


@pytest.mark.slow
def test_two_reports_at_once_both_finish(tmp_path: Path) -> None:
    # A store that does not exist yet: one of them fills it while the other waits for it.
    db = tmp_path / "ny" / "kostra.duckdb"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "kostra", "--db", str(db), "report", name, *REPORT, str(tmp_path / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "KOSTRA_LOCK_WAIT": "60"},
        )
        for name in ("Bærum", "Asker")
    ]
    for run in runs:
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
        assert "Skrev" in out and "Feil" not in err
    assert [len(list((tmp_path / name).glob("*.html"))) for name in ("Bærum", "Asker")] == [1, 1]
