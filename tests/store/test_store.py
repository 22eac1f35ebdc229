"""The store: releases, idempotent loads, atomic failures, and surviving SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from kostra.errors import StoreError
from kostra.store import ReleaseSpec, Store


def _obs(rows: list[tuple[str, str, int, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    return frame.assign(status=[None if v is not None else ".." for v in frame["value"]])


def test_loading_the_same_release_twice_is_a_no_op(store_path: Path) -> None:
    with Store(store_path) as store:
        before = store.fingerprint()
        spec = ReleaseSpec(source="test", kind="file", checksum="abc")
        first = store.load_release(spec, _obs([("plo_sykefravaer", "3201", 2024, 7.5)]))
        second = store.load_release(spec, _obs([("plo_sykefravaer", "3201", 2024, 7.5)]))
        assert not first.already_loaded and second.already_loaded
        assert second.release_id == first.release_id
        assert store.fingerprint()[0] == before[0] + 1


def test_newer_real_release_wins_and_demodata_never_beats_real(store_path: Path) -> None:
    with Store(store_path) as store:
        store.load_release(ReleaseSpec("a", "file", "c1"), _obs([("plo_sykefravaer", "3203", 2024, 7.0)]))
        store.load_release(ReleaseSpec("b", "file", "c2"), _obs([("plo_sykefravaer", "3203", 2024, 7.1)]))
        store.load_release(ReleaseSpec("c", "demodata", "c3"), _obs([("plo_sykefravaer", "3203", 2024, 9.9)]))
        current = store.observations(["plo_sykefravaer"], [2024]).set_index("region_code")
        assert current.loc["3203", "value"] == 7.1
        assert current.loc["3203", "release_kind"] == "file"
        # every release is kept beside the others
        every = store.frame(
            "SELECT value FROM observation WHERE region_code = '3203' AND "
            "indicator_id = 'plo_sykefravaer' AND year = 2024 ORDER BY release_id"
        )
        assert len(every) == 4  # the bundled demodata figure and the three above


@pytest.mark.parametrize(
    "bad",
    [
        [("no_such_indicator", "3201", 2024, 1.0)],
        [("plo_sykefravaer", "9998", 2024, 1.0)],
        [("plo_sykefravaer", "3201", 2024, 1.0), ("plo_sykefravaer", "3201", 2024, 2.0)],
    ],
)
def test_a_bad_load_leaves_the_store_as_it_was(store_path: Path, bad: list) -> None:
    with Store(store_path) as store:
        before = store.fingerprint()
        rows = [("plo_sykefravaer", "3203", 2024, 5.0), *bad]
        with pytest.raises(StoreError, match="ingenting ble lest inn"):
            store.load_release(ReleaseSpec("bad", "file", "bad1"), _obs(rows))
        assert store.fingerprint() == before
        assert store.execute("SELECT count(*) FROM release WHERE checksum = 'bad1'").fetchall() == [(0,)]


def test_the_schema_is_recorded_as_named_migrations(store_path: Path) -> None:
    with Store(store_path) as store:
        names = [r[0] for r in store.execute("SELECT name FROM schema_migration").fetchall()]
    assert names == [
        "0001_initial",
        "0002_current_observation_table",
        "0003_release_revision",
        "0004_ssb_aggregates",
    ]


KILLED_LOADER = textwrap.dedent("""
    import sys, pandas as pd
    from kostra.store import ReleaseSpec, Store
    store = Store(sys.argv[1])
    n = 3_000_000
    frame = pd.DataFrame({
        "indicator_id": ["plo_sykefravaer"] * n,
        "region_code": ["3201"] * n,
        "year": range(n),
        "value": [1.0] * n,
        "status": [None] * n,
    })
    with store.transaction() as con:
        con.execute("INSERT INTO release (id, source, kind, fetched_at, checksum) "
                    "VALUES (99, 'killed', 'file', now(), 'killed')")
        print("started", flush=True)
        con.register("incoming", frame)
        for _ in range(1000):
            con.execute("INSERT INTO observation SELECT indicator_id, region_code, year, value, "
                        "status, 99 FROM incoming")
""")


def test_a_store_killed_during_a_load_opens_with_its_previous_content(store_path: Path) -> None:
    with Store(store_path) as store:
        before = store.fingerprint()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOADER, str(store_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    time.sleep(1.0)  # well inside the long transaction
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    with Store(store_path) as store:
        assert store.fingerprint() == before
        assert store.execute("SELECT count(*) FROM release WHERE id = 99").fetchall() == [(0,)]
