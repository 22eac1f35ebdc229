"""The DuckDB store: the only module of kostra that speaks SQL.

A :class:`Store` owns one DuckDB connection to one file. Every load is one
transaction tagged with a release; a failed or killed load leaves the file as it
was, because DuckDB commits atomically through its write-ahead log. Nothing is
overwritten: a new release sits beside the old ones, and the table
``current_observation`` (rebuilt in each load's transaction) holds the figure
in force.

A store is safe to share between threads. Each thread runs its statements on a
cursor of its own (``con.cursor()``, as datasette's ``database.py`` does) and
every method returns fetched rows or frames, never a live DuckDB result another
thread could disturb. Writes (:meth:`Store.transaction`, :meth:`Store.execute`)
run one at a time and never beside a read; :meth:`Store.reading` keeps the
writes out for a block of reads, so they all see one state of the file. A store
opened read-only cannot change while it is open (DuckDB lets no process write
a file that another process reads), so its reads need no such care.

Opening waits (``wait`` seconds) for a file another process holds, and then
says which process holds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from kostra.catalog import Catalog
from kostra.errors import StoreError, os_reason
from kostra.store.migrations import MIGRATIONS, REFRESH_CURRENT_OF

__all__ = [
    "AGGREGATE_CODE",
    "OBSERVATION_COLUMNS",
    "LoadResult",
    "ReleaseKind",
    "ReleaseSpec",
    "Rows",
    "Store",
]

ReleaseKind = Literal["bundled", "demodata", "file", "ssb"]
OBSERVATION_COLUMNS = ("indicator_id", "region_code", "year", "value", "status")
# SSB's aggregate regions in KOSTRA tables: the country (EAK), the country without Oslo
# (EAKUO), counties old and new (EKAnn) and the KOSTRA groups (EKGnn).
AGGREGATE_CODE = r"EAK|EAKUO|EKA\d{2}|EKG\d{2}"

# The dtype pandas gives text ("str" from pandas 3 on, object before). DuckDB hands back an
# all-NULL text column as object and any other as text, so without one dtype a frame put
# together from several reads would depend on which indicators happened to be read together.
_TEXT = pd.Series(["."]).dtype
# Reads of at most this many indicators times years take the one-query way (Store.observations).
SMALL_READ = 120


@dataclass(frozen=True)
class ReleaseSpec:
    """What a load is: where the figures came from and a checksum of them."""

    source: str
    kind: ReleaseKind
    checksum: str
    published: datetime | None = None
    note: str | None = None
    revision: str | None = None  # "unrevised" | "revised" for SSB's figures


@dataclass(frozen=True)
class LoadResult:
    release_id: int
    rows: int
    already_loaded: bool


class Rows(list[tuple[Any, ...]]):
    """The fetched rows of a statement: a list, with ``fetchall``/``fetchone`` for code
    written against a DuckDB cursor."""

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self[0] if self else None


class _ReadWriteLock:
    """Many readers or one writer. Re-entrant: a thread that reads may read again, and a
    thread that writes may read or write again. A waiting writer holds new readers back
    (but not a thread that already reads), so readers that keep coming cannot starve it.
    Whoever waits for another thread while it reads (a session's memo, say) must have
    started reading before it waited, or a waiting writer could deadlock them.

    ``with lock:`` reads; :meth:`writing` writes. The reading path is a plain class
    with ``__enter__``/``__exit__`` (no generator), since every read of the store takes it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writer: int | None = None
        self._waiting = 0  # writers waiting for the readers to finish
        self._local = threading.local()

    def depth(self) -> int:
        """How many reads this thread has open."""
        return getattr(self._local, "depth", 0)

    def __enter__(self) -> None:
        local = self._local
        depth = getattr(local, "depth", 0)
        if not depth and self._writer != threading.get_ident():
            with self._mutex:  # the condition's own lock, taken without its Python wrapper
                while self._writer is not None or self._waiting:
                    self._cond.wait()
                self._readers += 1
        local.depth = depth + 1

    def __exit__(self, *exc: object) -> None:
        local = self._local
        local.depth -= 1
        if not local.depth and self._writer != threading.get_ident():
            with self._mutex:
                self._readers -= 1
                if not self._readers and self._waiting:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[bool]:
        """Hold the lock alone; yields False when this thread held it already (nested)."""
        me = threading.get_ident()
        if self._writer == me:
            yield False
            return
        if self.depth():
            raise RuntimeError("a thread that reads from the store cannot start writing to it")
        with self._cond:
            self._waiting += 1
            while self._writer is not None or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = me
        try:
            yield True
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()


class Store:
    """One DuckDB file with kostra's schema (see ``migrations.py``).

    ``wait`` is how many seconds opening waits for a file another process holds
    (``on_wait`` hears it once, in a bokmål line); then it fails naming the process.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        wait: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = _ReadWriteLock()
        self._local = threading.local()
        self._cursors: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
        self._guard = threading.Lock()
        self._on_commit: list[Callable[[], None]] = []
        self._closed = False
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"kan ikke lage mappen {self.path.parent} for datalageret ({os_reason(exc)}); "
                    "velg en annen med --db eller KOSTRA_HOME"
                ) from None
        elif not self.path.exists():
            raise StoreError(
                f"datalageret {self.path} finnes ikke; kjør 'kostra data status' én gang for å lage det"
            )
        self._con = self._connect(wait, on_wait)
        if not read_only:
            if self._unfinished.exists():
                # A write was rolled back or killed: DuckDB keeps the space its pages took,
                # so the file stays several times larger for good unless it is rewritten.
                self._con.close()
                _compact(self.path)
                self._unfinished.unlink()
                self._con = self._connect(wait, on_wait)
            self._migrate()

    @property
    def _unfinished(self) -> Path:
        """A file beside the store that exists while a write is under way (and after one that
        failed or was killed), so the next writer knows to compact the store."""
        return self.path.with_name(self.path.name + ".unfinished")

    def _connect(self, wait: float, on_wait: Callable[[str], None] | None) -> duckdb.DuckDBPyConnection:
        """Open the file; while another process holds it, wait up to ``wait`` seconds."""
        if self.path.exists() and not self.path.is_file():
            # A FIFO would block the open for good, a directory gives DuckDB's English error.
            raise StoreError(f"{self.path} er ikke en vanlig fil; velg en databasefil med --db")
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=self.read_only, config=_OFFLINE)
            except duckdb.Error as exc:
                holder = _lock_holder(exc)
                if holder is None:
                    raise StoreError(f"kan ikke åpne datalageret {self.path} ({_open_reason(exc)})") from exc
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError(_locked_message(self.path, holder, wait)) from None
                if on_wait is not None and not told:
                    on_wait(f"Venter på datalageret, som brukes av {holder.describe()} …")
                    told = True
                time.sleep(min(0.2, left))

    # -- plumbing ----------------------------------------------------------
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's own cursor on the connection (made on first use)."""
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is not None and not self._closed:
            return cursor
        with self._guard:
            if self._closed:
                raise StoreError(f"datalageret {self.path} er lukket")
            cursor = self._con.cursor()
            self._cursors.add(cursor)
        self._local.cursor = cursor
        return cursor

    def _rows(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        with self._lock:
            return Rows(self._cursor().execute(sql, params or []).fetchall())

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """A block of reads that all see one state of the store: no write commits inside it
        (a write from another thread waits for the block to end). Blocks nest."""
        return self._lock

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run one statement and return its rows, fetched. On a store open for writing the
        statement counts as a write: it waits for the reads in progress, and the sessions
        over the store forget what they remembered."""
        if self.read_only or self._lock.depth():
            return self._rows(sql, params)
        with self._lock.writing():
            rows = Rows(self._cursor().execute(sql, params or []).fetchall())
            self._committed()
            return rows

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self._lock:
            return self._cursor().execute(sql, params or []).df()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically: all of it is committed, or none of it. Writes run one at a
        time and never beside a read of another thread."""
        with self._lock.writing() as outermost:
            con = self._cursor()
            if not outermost:  # already inside this thread's transaction
                yield con
                return
            self._unfinished.touch()
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise  # the marker stays: the next writer compacts the store
            con.execute("COMMIT")
            self._unfinished.unlink(missing_ok=True)
            self._committed()

    def subscribe(self, on_commit: Callable[[], None]) -> None:
        """Call ``on_commit`` after every committed write (while the writes still wait)."""
        self._on_commit.append(on_commit)

    def _committed(self) -> None:
        for listener in self._on_commit:
            listener()

    def close(self) -> None:
        """Close every thread's cursor and the connection, so the file is free again (after
        the reads and writes in progress in other threads)."""
        with contextlib.nullcontext() if self._lock.depth() else self._lock.writing():
            with self._guard:
                if self._closed:
                    return
                self._closed = True
                cursors = list(self._cursors)
            for cursor in cursors:
                cursor.close()
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMP)"
        )
        for name in self.pending_migrations():
            with self.transaction() as con:
                con.execute(dict(MIGRATIONS)[name])
                con.execute("INSERT INTO schema_migration VALUES (?, ?)", [name, _now()])

    def pending_migrations(self) -> list[str]:
        """The migrations this file still lacks (all of them for a file kostra never filled);
        answered in read-only mode too, so a reader can tell whether the store must be
        brought up to date first."""
        try:
            done = {row[0] for row in self._rows("SELECT name FROM schema_migration")}
        except duckdb.CatalogException:
            done = set()
        return [name for name, _ in MIGRATIONS if name not in done]

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", [key])
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as con:
            self._set_meta(con, key, value)

    def _set_meta(self, con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # -- reference data -----------------------------------------------------
    def sync_catalog(self, catalog: Catalog) -> bool:
        """Bring the ``indicator`` table in line with the catalog; True if it changed."""
        if self.get_meta("catalog_checksum") == catalog.checksum:
            return False
        rows = [
            (
                ind.id,
                ind.name_nb,
                ind.sector,
                ",".join(ind.profiles),
                ind.group,
                ind.unit,
                ind.decimals,
                ind.direction,
                ind.average,
                ind.weight,
                ind.kind,
                ind.source.table if ind.source else None,
                ind.source.contents if ind.source else None,
                json.dumps(ind.source.filters, ensure_ascii=False) if ind.source else None,
                ind.source.verified if ind.source else None,
            )
            for ind in catalog.indicators.values()
        ]
        with self.transaction() as con:
            con.execute("DELETE FROM indicator")
            con.executemany(f"INSERT INTO indicator VALUES ({', '.join('?' * 15)})", rows)
            self._set_meta(con, "catalog_checksum", catalog.checksum)
        return True

    def replace_regions(
        self,
        regions: pd.DataFrame,
        succession: pd.DataFrame,
        members: pd.DataFrame,
        *,
        checksum: str,
    ) -> bool:
        """Replace the region, succession and group tables in one transaction."""
        if self.get_meta("regions_checksum") == checksum:
            return False
        with self.transaction() as con:
            for table, frame in (
                ("region", regions),
                ("region_succession", succession),
                ("group_member", members),
            ):
                con.execute(f"DELETE FROM {table} WHERE true")
                con.register("incoming", frame)
                cols = ", ".join(frame.columns)
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
                con.unregister("incoming")
            self._set_meta(con, "regions_checksum", checksum)
        return True

    # -- observations ---------------------------------------------------------
    def load_release(
        self, spec: ReleaseSpec, observations: pd.DataFrame, aggregates: pd.DataFrame | None = None
    ) -> LoadResult:
        """Load ``observations`` (and SSB's ``aggregates`` of the same answer) as one new
        release; a repeated checksum is a no-op."""
        return self.load_releases([(spec, observations, aggregates)])[0]

    def load_releases(
        self,
        batches: Sequence[
            tuple[ReleaseSpec, pd.DataFrame] | tuple[ReleaseSpec, pd.DataFrame, pd.DataFrame | None]
        ],
    ) -> list[LoadResult]:
        """Load several releases in one transaction: all of them, or none. A batch is
        (spec, observations) or (spec, observations, SSB's aggregates)."""
        results: list[LoadResult] = []
        with self.transaction() as con:
            touched: set[str] = set()
            for spec, observations, *rest in batches:
                aggregates = rest[0] if rest else None
                result = self._load_one(con, spec, observations, aggregates)
                if not result.already_loaded:
                    touched.update(observations["indicator_id"].astype(str).unique().tolist())
                results.append(result)
            if touched:  # only the loaded indicators' figures in force can have changed
                for sql in REFRESH_CURRENT_OF:
                    con.execute(sql, [sorted(touched)])
        return results

    def _load_one(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: ReleaseSpec,
        observations: pd.DataFrame,
        aggregates: pd.DataFrame | None = None,
    ) -> LoadResult:
        found = con.execute("SELECT id FROM release WHERE checksum = ?", [spec.checksum]).fetchall()
        if found:
            return LoadResult(int(found[0][0]), 0, already_loaded=True)
        if aggregates is not None and len(aggregates):
            bad = aggregates.loc[~aggregates["region_code"].astype(str).str.fullmatch(AGGREGATE_CODE)]
            if len(bad):
                raise StoreError(
                    f"ingenting ble lest inn: {bad['region_code'].iloc[0]!r} er ikke et av SSBs aggregater"
                )
        con.register("incoming", observations.loc[:, list(OBSERVATION_COLUMNS)])
        try:
            self._check_incoming(con)
            next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM release").fetchall()
            release_id = int(next_id[0][0])
            con.execute(
                "INSERT INTO release (id, source, kind, fetched_at, published, checksum, note, "
                "revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    release_id,
                    spec.source,
                    spec.kind,
                    _now(),
                    spec.published,
                    spec.checksum,
                    spec.note,
                    spec.revision,
                ],
            )
            con.execute(
                "INSERT INTO observation SELECT indicator_id, region_code, CAST(year AS INTEGER), "
                "CAST(value AS DOUBLE), status, ? FROM incoming",
                [release_id],
            )
        finally:
            con.unregister("incoming")
        if aggregates is not None and len(aggregates):
            con.register("incoming_aggregates", aggregates.loc[:, list(OBSERVATION_COLUMNS)])
            try:
                con.execute(
                    "INSERT INTO aggregate SELECT indicator_id, region_code, CAST(year AS INTEGER), "
                    "CAST(value AS DOUBLE), status, ? FROM incoming_aggregates",
                    [release_id],
                )
            finally:
                con.unregister("incoming_aggregates")
        return LoadResult(release_id, len(observations), already_loaded=False)

    @staticmethod
    def _check_incoming(con: duckdb.DuckDBPyConnection) -> None:
        checks = (
            (
                "SELECT indicator_id FROM incoming WHERE indicator_id NOT IN (SELECT id FROM indicator)",
                "ukjent indikator {!r}",
            ),
            (
                "SELECT region_code FROM incoming WHERE region_code NOT IN (SELECT code FROM region)",
                "ukjent regionkode {!r}",
            ),
            (
                "SELECT indicator_id || ' ' || region_code || ' ' || year FROM incoming "
                "GROUP BY indicator_id, region_code, year HAVING count(*) > 1",
                "tallet for {} forekommer to ganger",
            ),
        )
        for sql, message in checks:
            bad = con.execute(sql + " LIMIT 1").fetchall()
            if bad:
                raise StoreError("ingenting ble lest inn: " + message.format(bad[0][0]))

    # -- reads ----------------------------------------------------------------
    def observations(
        self,
        indicator_ids: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        categories: bool = False,
    ) -> pd.DataFrame:
        """Current figures (one per indicator, region and year) with their release kind,
        sorted by indicator, year and region.

        ``categories``: the text columns as pandas categories (of the values present), as
        DuckDB gives them, instead of text: the same values, for a caller that works on
        their codes (a read of many years spends a third of its time making the text). A
        column without a single value (an empty read) comes as DuckDB gives it."""
        where: list[str] = []
        params: list[list[str] | list[int]] = []
        if indicator_ids is not None:
            where.append("indicator_id IN (SELECT * FROM unnest(?))")
            params.append(list(indicator_ids))
        if years is not None:
            where.append("year IN (SELECT * FROM unnest(?))")
            params.append([int(y) for y in years])
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        order = " ORDER BY o.indicator_id, o.year, o.region_code"
        small = (
            indicator_ids is not None and years is not None and len(indicator_ids) * len(years) <= SMALL_READ
        )
        if small and not categories:
            # A few indicators and years (a profile: some 25 000 rows) are read faster in one
            # query with text as text than by asking for the distinct values first; the
            # frame is the same (tests/store/test_small_reads.py reads both ways).
            frame = self.frame(
                "SELECT o.indicator_id, o.region_code, o.year, o.value, o.status, o.release_id, "
                f"o.release_kind FROM current_observation o{condition}{order}",
                params,
            )
            return frame.astype({"status": _TEXT})
        with self._lock:  # the distinct values and the rows from one state of the store
            distinct = self._rows(
                "SELECT list(DISTINCT indicator_id), list(DISTINCT region_code), list(DISTINCT status), "
                f"list(DISTINCT release_kind) FROM current_observation{condition}",
                params,
            )[0]
            # Text comes back as categories (an ENUM of the values present) and is turned into
            # text in pandas: DuckDB makes one Python string per row of a text column, and
            # four such columns of a million rows took most of the time of reading them.
            kinds = [_enum(values) for values in distinct]
            sql = (
                f"SELECT o.indicator_id::{kinds[0]} AS indicator_id, "
                f"o.region_code::{kinds[1]} AS region_code, o.year, o.value, "
                f"o.status::{kinds[2]} AS status, o.release_id, "
                f"o.release_kind::{kinds[3]} AS release_kind FROM current_observation o{condition}"
            )
            # Sorted, so callers can cut the frame into one slice per indicator without grouping;
            # by the ENUMs (1, 2: the columns selected first and second), whose order is their
            # values' (sorted by _enum), which sorts numbers instead of text.
            frame = self.frame(sql + " ORDER BY 1, o.year, 2", params)
        # An ENUM column comes back as categories; a column read as VARCHAR (no values) as
        # DuckDB gives it, as before. Status is always text.
        text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        if categories:
            return frame
        return frame.astype(dict.fromkeys([*text, "status"], _TEXT))

    def aggregates(
        self, indicator_ids: Sequence[str] | None = None, years: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """SSB's own aggregates (EAK, EAKUO, EKAnn, EKGnn) of the newest release that has
        them per indicator, region and year, with that release's id."""
        sql = (
            "SELECT a.indicator_id, a.region_code, a.year, a.value, a.status, a.release_id "
            "FROM aggregate a WHERE true"
        )
        params: list[Any] = []
        if indicator_ids is not None:
            sql += " AND a.indicator_id IN (SELECT unnest(?))"
            params.append(list(indicator_ids))
        if years is not None:
            sql += " AND a.year IN (SELECT unnest(?))"
            params.append([int(y) for y in years])
        sql += (
            " QUALIFY row_number() OVER (PARTITION BY a.indicator_id, a.region_code, a.year "
            "ORDER BY a.release_id DESC) = 1 ORDER BY a.indicator_id, a.year, a.region_code"
        )
        return self.frame(sql, params)

    def release_observations(self, release_ids: Sequence[int], indicator_ids: Sequence[str]) -> pd.DataFrame:
        """The figures a release brought (raw region codes, as the file or SSB gave them)."""
        return self.frame(
            "SELECT indicator_id, region_code, year, value, status, release_id FROM observation "
            "WHERE release_id IN (SELECT unnest(?)) AND indicator_id IN (SELECT unnest(?)) "
            "ORDER BY indicator_id, year, region_code",
            [[int(r) for r in release_ids], list(indicator_ids)],
        )

    def raw_observations(self, indicator_ids: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
        """Figures in force under the region codes they were stored with (no renumbering
        followed): population on a year's own borders, for instance."""
        return self.frame(
            "SELECT indicator_id, region_code, year, value, status, release_id, release_kind "
            "FROM current_observation WHERE indicator_id IN (SELECT unnest(?)) "
            "AND year IN (SELECT unnest(?)) ORDER BY indicator_id, year, region_code",
            [list(indicator_ids), [int(y) for y in years]],
        )

    def has_release(self, checksum: str) -> bool:
        return bool(self._rows("SELECT 1 FROM release WHERE checksum = ?", [checksum]))

    def release_values(self, year: int, indicator_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Every real (not demodata) release's figure for ``year``, release by release."""
        sql = (
            "SELECT o.indicator_id, o.region_code, o.year, o.release_id, o.value "
            "FROM observation o JOIN release r ON r.id = o.release_id "
            "WHERE o.year = ? AND r.kind <> 'demodata'"
        )
        params: list[object] = [int(year)]
        if indicator_ids is not None:
            sql += " AND o.indicator_id IN (SELECT * FROM unnest(?))"
            params.append(list(indicator_ids))
        return self.frame(sql, params)

    def status_counts(self) -> pd.DataFrame:
        """Per indicator and release kind: figures in force, and their years."""
        return self.frame(
            "SELECT indicator_id, release_kind, count(value) AS figures, "
            "count(*) - count(value) AS missing, min(year) AS first_year, max(year) AS last_year "
            "FROM current_observation GROUP BY ALL ORDER BY ALL"
        )

    def year_span(self, indicator_ids: Sequence[str]) -> tuple[int, int] | None:
        """The first and last year with a figure for any of ``indicator_ids`` (None: none)."""
        rows = self._rows(
            "SELECT min(year), max(year) FROM observation WHERE value IS NOT NULL AND "
            "indicator_id IN (SELECT * FROM unnest(?))",
            [list(indicator_ids)],
        )
        return None if rows[0][0] is None else (int(rows[0][0]), int(rows[0][1]))

    def table(
        self, name: Literal["region", "region_succession", "group_member", "indicator", "release"]
    ) -> pd.DataFrame:
        return self.frame(f"SELECT * FROM {name}")

    def fingerprint(self) -> tuple[int, int, str | None]:
        """Counts that change with every committed load (used by tests and status)."""
        with self.reading():
            obs = self._rows("SELECT count(*) FROM observation")[0][0]
            rel = self._rows("SELECT count(*) FROM release")[0][0]
            return (int(obs), int(rel), self.get_meta("regions_checksum"))


def _enum(values: Sequence[str | None] | None) -> str:
    """A DuckDB type for a text column holding ``values``: an ENUM of them (VARCHAR when there
    are none, since an ENUM cannot be empty)."""
    present = sorted(v for v in values or () if v is not None)
    if not present:
        return "VARCHAR"
    return "ENUM(" + ", ".join("'" + v.replace("'", "''") + "'" for v in present) + ")"


# kostra works offline: DuckDB must never fetch an extension (it tries to, for example, to read
# a SQLite file passed as --db).
_OFFLINE: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def _compact(path: Path) -> None:
    """Rewrite the store at ``path`` into a fresh file and put it in place (atomically):
    the space of rolled-back or killed writes is given back. The caller holds the file."""
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config=_OFFLINE)
    try:
        name = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute("ATTACH ? AS kostra_compact", [str(fresh)])
        con.execute(f'COPY FROM DATABASE "{name}" TO kostra_compact')
        con.execute("DETACH kostra_compact")
    finally:
        con.close()
    os.replace(fresh, path)


def _open_reason(exc: duckdb.Error) -> str:
    """Why DuckDB would not open the file, in bokmål where the case is a known one."""
    text = str(exc)
    if "not a valid DuckDB database" in text:
        return "filen er ikke en DuckDB-database; velg en annen fil med --db"
    if "extension" in text.lower():
        return "filen er ikke en DuckDB-database; velg en annen fil med --db"
    if "version" in text.lower() and "storage" in text.lower():
        return "filen er laget av en annen DuckDB-versjon"
    return "DuckDB svarte: " + text.splitlines()[0]


# The commands of kostra, to name a process that holds the store by what it runs.
_COMMANDS = frozenset({"analyse", "data", "dea", "groups", "profile", "rank", "report", "serve", "similar"})


@dataclass(frozen=True)
class _Holder:
    """The process that holds the store's file, as DuckDB's lock error names it."""

    pid: int | None
    program: str  # "kostra serve", "python3.11" ...; empty when unknown

    def describe(self) -> str:
        if self.pid is None:
            return "en annen prosess"
        return f"prosess {self.pid}" + (f" ({self.program})" if self.program else "")

    @property
    def serves(self) -> bool:
        return self.program == "kostra serve"


def _lock_holder(exc: duckdb.Error) -> _Holder | None:
    """Who holds the file, when ``exc`` is DuckDB's lock conflict (None for other errors)."""
    text = str(exc)
    if "Could not set lock" not in text and "Conflicting lock" not in text:
        return None
    found = re.search(r"\(PID (\d+)\)", text)
    pid = int(found.group(1)) if found else None
    return _Holder(pid, _program(pid) if pid is not None else "")


def _program(pid: int) -> str:
    """What process ``pid`` runs, in a few words ("kostra serve"); empty if not known."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # not Linux, or the process is gone
        return ""
    argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    at = next((i for i, a in enumerate(argv) if os.path.basename(a) == "kostra"), None)
    if at is None:
        return os.path.basename(argv[0]) if argv else ""
    rest = argv[at + 1 :]
    command = next((a for a in rest if a in _COMMANDS), None)
    if command is None:
        return "kostra"
    after = rest[rest.index(command) + 1 :]
    if command == "data" and after and not after[0].startswith("-"):
        return f"kostra data {after[0]}"
    return f"kostra {command}"


def _locked_message(path: Path, holder: _Holder, waited: float) -> str:
    """One line: which process holds the store, and what to do about it."""
    if holder.serves:
        advice = "stopp 'kostra serve' (Ctrl+C der den kjører) og prøv igjen"
    else:
        advice = (
            "vent til den er ferdig og prøv igjen, eller stopp den "
            "(er det 'kostra serve': Ctrl+C der den kjører)"
        )
    after = f" og ble ikke ledig på {waited:g} s" if waited > 0 else ""
    return f"datalageret {path} er i bruk av {holder.describe()}{after}; {advice}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
