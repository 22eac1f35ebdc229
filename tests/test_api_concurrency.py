"""One session, many threads: every answer is the answer one thread alone gets.

Issue 12: the store handed out one DuckDB result that any thread could overwrite before
its owner fetched it, so threads got errors (ResourceInUseException, IndexError) or,
worse, another call's figures, which the session then kept under the wrong key.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kostra
from kostra.api import Session
from kostra.catalog import load_catalog
from kostra.sector_analysis import SectorAnalysis
from running import in_threads

CATALOG = load_catalog()
SECTORS = [s.id for s in CATALOG.sectors.values() if not s.hidden]
INDICATORS = sorted(i.id for s in SECTORS for i in CATALOG.indicators_of(s))
MUNICIPALITIES = ["Bærum", "Asker", "Oslo", "0219", "Utsira", "Tromsø"]  # 0219: Bærum's old number
YEARS = [None, 2020, 2024]
GROUPS = ["asss", "landet", "kostragruppe-12", "ovrige-asss"]
THREADS = 8
CALLS_PER_THREAD = 500

Call = tuple[Any, ...]


def _run(session: Session, call: Call) -> object:
    """Make ``call`` on ``session``; a refusal is an answer too (its type and message)."""
    kind, *args = call
    try:
        if kind in ("year_span", "latest_year"):
            return getattr(session, kind)(CATALOG.indicators_of(args[0]))
        if kind == "resolve_year":
            return session.resolve_year(CATALOG.indicators_of(args[0]), args[1])
        if kind == "observations":  # a sector's figures, or one indicator's
            ids = [i.id for i in CATALOG.indicators_of(args[0])] if args[0] in SECTORS else [args[0]]
            return session.observations(ids, args[1])
        if kind == "group_stats":
            group = session.group(args[2]).definition
            return session.group_stats(CATALOG.indicators_of(args[0]), args[1], group)
        if kind == "all_profiles":
            return session.all_profiles(args[0], sectors=[args[1]], municipalities=list(args[2]))
        if kind == "rank":
            return session.rank(*args)
        return getattr(session, kind)(*args)
    except kostra.KostraError as exc:
        return ("refused", type(exc).__name__, str(exc))


def _same(a: object, b: object) -> bool:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return list(a.columns) == list(b.columns) and a.attrs == b.attrs and a.equals(b)
    if isinstance(a, SectorAnalysis) and isinstance(b, SectorAnalysis):
        return json.dumps(a.to_dict(), sort_keys=True, default=str) == json.dumps(
            b.to_dict(), sort_keys=True, default=str
        )
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _calls(count: int, seed: int = 2) -> list[Call]:
    """A mix of calls, most of them cheap (a memo hit once warm), some heavy. Seed 2's mix
    also caught a session answer that depended on which figures earlier calls had read
    together (see tests/store/test_concurrency.py, the dtype test)."""
    rnd = random.Random(seed)
    kinds: list[tuple[int, Callable[[], Call]]] = [
        (14, lambda: ("region", rnd.choice([*MUNICIPALITIES, "Akershus", "3201", "Atlantis"]))),
        (
            12,
            lambda: (
                "members",
                rnd.choice(GROUPS),
                rnd.choice([2016, 2020, 2024]),
                rnd.choice([None, "Bærum"]),
            ),
        ),
        (6, lambda: ("municipalities_in", rnd.choice([2015, 2019, 2020, 2024]))),
        (10, lambda: ("year_span", rnd.choice(SECTORS))),
        (8, lambda: ("latest_year", rnd.choice(SECTORS))),
        (6, lambda: ("resolve_year", rnd.choice(SECTORS), rnd.choice([None, 2016, 2024, 2030]))),
        (6, lambda: ("observations", rnd.choice(SECTORS), rnd.choice([None, (2023, 2024)]))),
        (4, lambda: ("observations", rnd.choice(INDICATORS), rnd.choice([None, (2024,)]))),
        (4, lambda: ("group_stats", rnd.choice(SECTORS), (2023, 2024), rnd.choice(GROUPS[:3]))),
        (
            26,
            lambda: (
                "profile",
                rnd.choice(MUNICIPALITIES),
                rnd.choice(SECTORS),
                None,
                rnd.choice([*YEARS, 2030]),
                rnd.choice(GROUPS[:2]),
            ),
        ),
        (
            2,
            lambda: (
                "analyse",
                rnd.choice(["Bærum", "Asker"]),
                rnd.choice(["pleie-og-omsorg", "grunnskole"]),
            ),
        ),
        (2, lambda: ("rank", rnd.choice([2023, 2024]))),
        (1, lambda: ("explain_rank", "Bærum", "totalt", 2024)),
        (1, lambda: ("diff", 2024)),
        (2, lambda: ("all_profiles", 2024, rnd.choice(SECTORS), ("Bærum", "Asker", "Oslo"))),
    ]
    weights = [w for w, _ in kinds]
    return [rnd.choices(kinds, weights)[0][1]() for _ in range(count)]


@pytest.fixture(scope="module")
def db(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("threads") / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


@pytest.mark.slow
def test_many_threads_on_one_session_get_the_single_threaded_answers(db: Path) -> None:
    calls = _calls(THREADS * CALLS_PER_THREAD)
    with kostra.open(db, read_only=True) as alone:
        expected = {call: _run(alone, call) for call in dict.fromkeys(calls)}
    assert any(isinstance(v, tuple) and isinstance(v[0], str) for v in expected.values())  # refusals too

    answers: list[list[tuple[Call, object]]] = [[] for _ in range(THREADS)]
    with kostra.open(db, read_only=True) as shared:  # a new session: every memo starts cold

        def work(i: int) -> None:
            for call in calls[i::THREADS]:
                answers[i].append((call, _run(shared, call)))

        started = time.perf_counter()
        failures = in_threads(work, THREADS)
        took = time.perf_counter() - started

    assert failures == []
    wrong = [call for got in answers for call, answer in got if not _same(answer, expected[call])]
    assert sum(len(a) for a in answers) == THREADS * CALLS_PER_THREAD
    assert wrong == [], f"{len(wrong)} wrong answers, first {wrong[:3]}"
    assert took < 120, took


def test_a_cold_value_is_read_once_when_many_threads_ask_at_once(db: Path) -> None:
    with kostra.open(db, read_only=True) as session:
        reads: list[object] = []
        store_observations = session.store.observations

        def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
            reads.append(args)
            time.sleep(0.05)  # a slow read, so the other threads arrive while it runs
            return store_observations(*args, **kwargs)

        session.store.observations = counted  # type: ignore[method-assign]
        ids = [i.id for i in CATALOG.indicators_of("grunnskole")]
        got: list[pd.DataFrame] = []
        assert in_threads(lambda _i: got.append(session.observations(ids, [2024])), 16) == []
    assert len(reads) == 1
    assert all(frame is got[0] for frame in got)


@pytest.fixture
def writable(store_path: Path) -> Iterator[Session]:
    with kostra.open(store_path) as opened:
        yield opened


def test_readers_see_the_store_before_or_after_a_write_never_half(
    writable: Session, template_store: Path, tmp_path: Path
) -> None:
    fixture = Path(__file__).parent / "fixtures" / "statbank_12134_semicolon_utf8.csv"
    call: Call = ("profile", "Bærum", "okonomi", None, 2024, "asss")
    before = _run(writable, call)
    other = tmp_path / "after.duckdb"
    shutil.copy(template_store, other)
    with kostra.open(other) as elsewhere:
        elsewhere.import_file(fixture)
        after = _run(elsewhere, call)
    assert not _same(before, after)  # the import changes this profile

    done = threading.Event()
    seen: list[str] = []

    def work(i: int) -> None:
        if i == 0:
            time.sleep(0.05)
            writable.import_file(fixture)
            done.set()
            return
        rounds_after = 0
        while rounds_after < 3:
            finished = done.is_set()
            answer = _run(writable, call)
            seen.append("before" if _same(answer, before) else "after" if _same(answer, after) else "neither")
            if finished:  # the write had finished before this call began: only "after" will do
                assert seen[-1] == "after"
                rounds_after += 1

    assert in_threads(work, 4) == []
    assert "neither" not in seen and seen[-1] == "after"


def test_a_bounded_memo_forgets_the_oldest_and_computes_it_again() -> None:
    from kostra.api import _Memo

    memo: _Memo[int, int] = _Memo(limit=3)
    calls: list[int] = []

    def compute(n: int) -> int:
        calls.append(n)
        return n * n

    for n in range(5):
        assert memo.fill(n, lambda n=n: compute(n)) == n * n
    assert list(memo) == [2, 3, 4]  # 0 and 1, the oldest, are gone
    assert memo.fill(4, lambda: compute(-1)) == 16  # kept: not computed again
    assert memo.fill(0, lambda: compute(0)) == 0 and calls == [0, 1, 2, 3, 4, 0]
    assert len(memo) == 3


def test_the_session_caches_that_users_can_grow_are_bounded(session) -> None:
    # Every distinct question (a name as typed, years, options) adds an entry; a server
    # answering many different ones must not keep them all.
    cache = session._cache
    assert cache.frames._limit and cache.stats._limit and cache.regions._limit and cache.diffs._limit
