"""The DuckDB store: the only module of kostra that speaks SQL.

A :class:`Store` owns one DuckDB connection to one file. Every load is one
transaction tagged with a release; a failed or killed load leaves the file as it
was, because DuckDB commits atomically through its write-ahead log. Nothing is
overwritten: a new release sits beside the old ones, and the table
``current_observation`` (rebuilt in each load's transaction) holds the figure
in force.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from kostra.catalog import Catalog
from kostra.errors import StoreError, os_reason
from kostra.store.migrations import MIGRATIONS, REFRESH_CURRENT

__all__ = ["OBSERVATION_COLUMNS", "LoadResult", "ReleaseKind", "ReleaseSpec", "Store"]

ReleaseKind = Literal["bundled", "demodata", "file", "ssb"]
OBSERVATION_COLUMNS = ("indicator_id", "region_code", "year", "value", "status")


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


class Store:
    """One DuckDB file with kostra's schema (see ``migrations.py``)."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
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
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"kan ikke åpne datalageret {self.path} ({_open_reason(exc)})") from exc
        if not read_only:
            self._migrate()

    # -- plumbing ----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._con.execute(sql, params or [])

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self._lock:
            return self._con.execute(sql, params or []).df()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically: all of it is committed, or none of it."""
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMP)"
        )
        done = {row[0] for row in self.execute("SELECT name FROM schema_migration").fetchall()}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self.transaction() as con:
                con.execute(sql)
                con.execute("INSERT INTO schema_migration VALUES (?, ?)", [name, _now()])

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
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
    def load_release(self, spec: ReleaseSpec, observations: pd.DataFrame) -> LoadResult:
        """Load ``observations`` as one new release; a repeated checksum is a no-op."""
        return self.load_releases([(spec, observations)])[0]

    def load_releases(self, batches: Sequence[tuple[ReleaseSpec, pd.DataFrame]]) -> list[LoadResult]:
        """Load several releases in one transaction: all of them, or none."""
        results: list[LoadResult] = []
        with self.transaction() as con:
            for spec, observations in batches:
                results.append(self._load_one(con, spec, observations))
            if any(not r.already_loaded for r in results):
                con.execute(REFRESH_CURRENT)
        return results

    def _load_one(
        self, con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, observations: pd.DataFrame
    ) -> LoadResult:
        found = con.execute("SELECT id FROM release WHERE checksum = ?", [spec.checksum]).fetchall()
        if found:
            return LoadResult(int(found[0][0]), 0, already_loaded=True)
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
    ) -> pd.DataFrame:
        """Current figures (one per indicator, region and year) with their release kind,
        sorted by indicator, year and region."""
        where: list[str] = []
        params: list[list[str] | list[int]] = []
        if indicator_ids is not None:
            where.append("indicator_id IN (SELECT * FROM unnest(?))")
            params.append(list(indicator_ids))
        if years is not None:
            where.append("year IN (SELECT * FROM unnest(?))")
            params.append([int(y) for y in years])
        sql = (
            "SELECT indicator_id, region_code, year, value, status, release_id, release_kind "
            "FROM current_observation"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        # Sorted, so callers can cut the frame into one slice per indicator without grouping.
        return self.frame(sql + " ORDER BY indicator_id, year, region_code", params)

    def has_release(self, checksum: str) -> bool:
        return bool(self.execute("SELECT 1 FROM release WHERE checksum = ?", [checksum]).fetchall())

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
        rows = self.execute(
            "SELECT min(year), max(year) FROM observation WHERE value IS NOT NULL AND "
            "indicator_id IN (SELECT * FROM unnest(?))",
            [list(indicator_ids)],
        ).fetchall()
        return None if rows[0][0] is None else (int(rows[0][0]), int(rows[0][1]))

    def table(
        self, name: Literal["region", "region_succession", "group_member", "indicator", "release"]
    ) -> pd.DataFrame:
        return self.frame(f"SELECT * FROM {name}")

    def fingerprint(self) -> tuple[int, int, str | None]:
        """Counts that change with every committed load (used by tests and status)."""
        obs = self.execute("SELECT count(*) FROM observation").fetchall()[0][0]
        rel = self.execute("SELECT count(*) FROM release").fetchall()[0][0]
        return (int(obs), int(rel), self.get_meta("regions_checksum"))


def _open_reason(exc: duckdb.Error) -> str:
    """Why DuckDB would not open the file, in bokmål where the case is a known one."""
    text = str(exc)
    if "not a valid DuckDB database" in text:
        return "filen er ikke en DuckDB-database; velg en annen fil med --db"
    if "Could not set lock" in text or "Conflicting lock" in text:
        return "en annen prosess bruker det; vent til den er ferdig, eller avslutt den"
    if "version" in text.lower() and "storage" in text.lower():
        return "filen er laget av en annen DuckDB-versjon"
    return "DuckDB svarte: " + text.splitlines()[0]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
