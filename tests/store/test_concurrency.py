"""The store shared by threads, and a store file shared by processes.

Threads: each reads on its own cursor and gets fetched rows back, writes wait for the
reads in progress, and a read block sees one state. Processes: opening waits for a file
another process holds, and then says which process in one bokmål line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from clichecks import assert_bokmal
from kostra.errors import StoreError
from kostra.store import ReleaseSpec, Rows, Store
from kostra.store.migrations import MIGRATIONS
from lockholder import PROGRAM, held
from running import in_threads

READS: list[tuple[str, Callable[[Store], object]]] = [
    ("meta", lambda s: s.get_meta("bundle_checksum")),
    ("span", lambda s: s.year_span(["plo_sykefravaer"])),
    ("span of another", lambda s: s.year_span(["pop_total", "gs_andel_skyss"])),
    ("release", lambda s: s.has_release("no such checksum")),
    ("fingerprint", lambda s: s.fingerprint()),
    ("migrations", lambda s: s.pending_migrations()),
    ("rows", lambda s: list(s.execute("SELECT count(*) FROM region"))),
    ("figures", lambda s: s.observations(["plo_sykefravaer"], [2023, 2024])),
    ("frame", lambda s: s.frame("SELECT code FROM region WHERE kind = 'county' ORDER BY code")),
]


def _same(a: object, b: object) -> bool:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return a.equals(b)
    return a == b


def test_threads_reading_one_store_each_get_their_own_answers(template_store: Path) -> None:
    with Store(template_store, read_only=True) as store:
        expected = {name: read(store) for name, read in READS}
        wrong: list[str] = []

        def work(i: int) -> None:
            for k in range(150):
                name, read = READS[(i + k) % len(READS)]
                if not _same(read(store), expected[name]):
                    wrong.append(name)

        assert in_threads(work, 8) == []
    assert wrong == []


def test_execute_hands_back_fetched_rows(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        rows = store.execute("SELECT code FROM region WHERE code IN ('3201', '3203') ORDER BY code")
        store.execute("SELECT 1")  # a later statement on the same thread leaves them alone
        assert isinstance(rows, Rows) and rows == [("3201",), ("3203",)]
        assert rows.fetchall() == [("3201",), ("3203",)] and rows.fetchone() == ("3201",)


def test_a_read_block_sees_one_state_while_another_thread_writes(store_path: Path) -> None:
    frame = pd.DataFrame(
        {"indicator_id": ["plo_sykefravaer"], "region_code": ["3201"], "year": [2024], "value": [7.0]}
    ).assign(status=None)
    with Store(store_path) as store:
        counts: list[int] = []
        inside = threading.Event()
        written = threading.Event()

        def work(i: int) -> None:
            if i == 0:
                with store.reading():
                    counts.append(store.fingerprint()[1])
                    inside.set()
                    time.sleep(0.3)  # the writer is waiting now
                    assert not written.is_set()
                    counts.append(store.fingerprint()[1])
            else:
                inside.wait()
                store.load_release(ReleaseSpec("test", "file", "one-state"), frame)
                written.set()

        assert in_threads(work, 2) == []
        assert counts[0] == counts[1] and store.fingerprint()[1] == counts[0] + 1


def test_a_writer_is_not_starved_by_readers_that_keep_coming(store_path: Path) -> None:
    frame = pd.DataFrame(
        {"indicator_id": ["plo_sykefravaer"], "region_code": ["3203"], "year": [2024], "value": [7.0]}
    ).assign(status=None)
    with Store(store_path) as store:
        written = threading.Event()

        def work(i: int) -> None:
            if i == 0:
                time.sleep(0.1)
                store.load_release(ReleaseSpec("test", "file", "not-starved"), frame)
                written.set()
                return
            deadline = time.monotonic() + 20
            while not written.is_set() and time.monotonic() < deadline:
                with store.reading():
                    store.year_span(["plo_sykefravaer"])
                    time.sleep(0.01)

        assert in_threads(work, 4) == []
        assert written.is_set() and store.has_release("not-starved")


def test_closing_frees_the_file_after_other_threads_have_read(store_path: Path) -> None:
    store = Store(store_path)
    assert in_threads(lambda _i: store.get_meta("bundle_checksum"), 4) == []
    store.close()
    with Store(store_path, read_only=True) as reader:  # another mode, in this process
        assert reader.pending_migrations() == []
    with held(store_path, "write"):  # and another process may write (held() saw it open the file)
        pass


def test_pending_migrations_are_read_without_writing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with Store(empty, read_only=True) as store:
        assert store.pending_migrations() == [name for name, _ in MIGRATIONS]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("write", "read"), ("write", "write"), ("read", "write")],
    ids=["a writer behind a reader", "a writer behind a writer", "a reader behind a writer"],
)
def test_opening_waits_for_the_holder_then_names_it(store_path: Path, ours: str, theirs: str) -> None:
    heard: list[str] = []
    with held(store_path, theirs) as holder:
        started = time.monotonic()
        with pytest.raises(StoreError) as refused:
            Store(store_path, read_only=ours == "read", wait=0.6, on_wait=heard.append)
        waited = time.monotonic() - started
    message = str(refused.value)
    assert 0.6 <= waited < 10
    assert heard == [f"Venter på datalageret, som brukes av prosess {holder.pid} ({PROGRAM}) …"]
    assert "\n" not in message and f"prosess {holder.pid}" in message and str(store_path) in message
    assert "ble ikke ledig på 0.6 s" in message and "vent til den er ferdig" in message
    assert "readonly" not in message.lower()
    assert_bokmal(message)


def test_opening_gets_the_file_when_the_holder_lets_go_in_time(store_path: Path) -> None:
    heard: list[str] = []
    with held(store_path, "read", seconds=1.0):
        started = time.monotonic()
        with Store(store_path, wait=30, on_wait=heard.append) as store:
            assert store.get_meta("bundle_checksum")
        waited = time.monotonic() - started
    assert len(heard) == 1 and 0.3 < waited < 20


def test_without_waiting_a_held_store_is_refused_at_once(store_path: Path) -> None:
    with held(store_path, "read"), pytest.raises(StoreError, match="er i bruk av prosess"):
        Store(store_path)


def test_figures_have_one_dtype_whichever_indicators_are_read_together(template_store: Path) -> None:
    # Found by the threads test: DuckDB hands back an all-NULL status column as object and any
    # other as text, so a session's answer depended on what other calls had read before it.
    with Store(template_store, read_only=True) as store:
        without = store.observations(["helse_netto_per_innb"])  # no status symbols at all
        having = store.observations(["helse_andel_hjemmebesok_nyfodte"])  # some ".."
        both = store.observations(["helse_netto_per_innb", "helse_andel_hjemmebesok_nyfodte"])
    assert without["status"].isna().all() and having["status"].notna().any()
    assert without["status"].dtype == having["status"].dtype == both["status"].dtype
    assert pd.concat([without, having])["status"].dtype == both["status"].dtype
