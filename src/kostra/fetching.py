"""Fetching KOSTRA figures from SSB into the store: one release per statbank table.

For each table the catalog draws figures from: read its metadata, choose the
figures, regions and years wanted, split the extract under SSB's cell limit,
fetch the parts, match every cell to its catalog indicator, and load the whole
table as one release in one transaction. A table either lands complete or
not at all; the tables before it stay loaded. A table whose answers SSB gets
wrong (valid JSON of the wrong shape, a cube that is not the one asked for)
fails alone, with one line in the summary, and the next table goes on; only an
unreachable SSB stops the run. Parts already fetched (and read) are kept in a
cache beside the store, and a table whose release (same SSB update time and
selection) is stored already is not fetched again, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from kostra.analysis.releases import release_revision
from kostra.catalog import Catalog, Indicator
from kostra.errors import InputError, SourceError, SourceUnreachable
from kostra.files import write_atomically
from kostra.importing import observations_from_cube
from kostra.sources.jsonstat import Cube, Dimension
from kostra.sources.pxweb import PxWebClient, Selection, plan_selections, read_answer
from kostra.sources.retrying import MALFORMED_ERRORS, describe_malformed, one_line
from kostra.store import ReleaseSpec, Store

__all__ = ["ChunkCache", "FetchProgress", "FetchReport", "FetchRequest", "TableResult", "fetch_tables"]

FIRST_YEAR = 2015
# How the summary names a release's revision (the store keeps the English codes).
_REVISION_NB = {"unrevised": "foreløpige tall", "revised": "endelige tall"}


@dataclass(frozen=True)
class FetchRequest:
    years: tuple[int, ...] | None = None
    sectors: tuple[str, ...] | None = None
    municipalities: tuple[str, ...] | None = None  # today's codes


@dataclass
class TableResult:
    table: str
    status: str  # loaded | unchanged | failed | empty
    observations: int = 0
    cells: int = 0
    requests: int = 0
    release_id: int | None = None
    message: str = ""


@dataclass
class FetchReport:
    tables: list[TableResult] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    cells: int = 0
    events: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TableResult]:
        return [t for t in self.tables if t.status == "failed"]


class FetchProgress(Protocol):
    def table_started(self, table: str, parts: int) -> None: ...
    def part_done(self, table: str, cells: int, requests: int) -> None: ...
    def table_done(self, result: TableResult) -> None: ...


class ChunkCache:
    """Answers already fetched, under ``root/table/update-time/selection.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, table: str, updated: datetime | None, selection: Selection) -> Path:
        stamp = updated.strftime("%Y%m%dT%H%M%S") if updated else "unknown"
        return self.root / table / stamp / f"{selection.key()}.json"

    def get(self, table: str, updated: datetime | None, selection: Selection) -> bytes | None:
        path = self._path(table, updated, selection)
        return path.read_bytes() if path.exists() else None

    def put(self, table: str, updated: datetime | None, selection: Selection, data: bytes) -> None:
        path = self._path(table, updated, selection)
        write_atomically(path, data)


def tables_to_fetch(catalog: Catalog, sectors: Iterable[str] | None) -> dict[str, list[Indicator]]:
    wanted = set(sectors) if sectors else None
    by_table: dict[str, list[Indicator]] = {}
    for ind in catalog.indicators.values():
        if ind.source is None or (wanted is not None and ind.sector not in wanted):
            continue
        by_table.setdefault(ind.source.table, []).append(ind)
    return dict(sorted(by_table.items()))


def _roles(table: str, metadata: Cube) -> tuple[Dimension, Dimension, Dimension]:
    """The region, figure and year dimensions of a table's metadata."""
    geo, metric, time = (metadata.dimension(r) for r in ("geo", "metric", "time"))
    if geo is None or metric is None or time is None:
        raise SourceError(
            f"tabell {table}: metadataene mangler dimensjon for region, statistikkvariabel eller år"
        )
    return geo, metric, time


def _available(metadata: Cube, indicators: Sequence[Indicator]) -> tuple[list[Indicator], list[str]]:
    """The indicators whose ContentsCode and filter values the table has, and the others' ids."""
    codes = {d.id: set(d.codes) for d in metadata.dimensions}
    metric = metadata.dimension("metric")
    found: list[Indicator] = []
    missing: list[str] = []
    for ind in indicators:
        source = ind.source
        present = (
            source is not None
            and metric is not None
            and source.contents in codes[metric.id]
            and all(dim in codes and value in codes[dim] for dim, value in source.filters.items())
        )
        if present:
            found.append(ind)
        else:
            missing.append(ind.id)
    return found, missing


def _wanted(
    table: str,
    metadata: Cube,
    indicators: Sequence[Indicator],
    request: FetchRequest,
    known_regions: set[str],
    region_filter: set[str] | None,
) -> dict[str, list[str]]:
    geo, metric, time = _roles(table, metadata)
    years = {str(y) for y in request.years} if request.years else None
    wanted: dict[str, list[str]] = {
        metric.id: sorted({i.source.contents for i in indicators if i.source}),
        time.id: [
            c
            for c in time.codes
            if (years is None and c.isdigit() and int(c) >= FIRST_YEAR) or (years is not None and c in years)
        ],
        geo.id: [
            c for c in geo.codes if c in known_regions and (region_filter is None or c in region_filter)
        ],
    }
    for ind in indicators:
        for dim, value in ind.source.filters.items() if ind.source else ():
            wanted.setdefault(dim, [])
            if value not in wanted[dim]:
                wanted[dim].append(value)
    return wanted


def _checksum(table: str, updated: datetime | None, selections: Sequence[Selection]) -> str:
    digest = hashlib.sha256(table.encode())
    digest.update((updated.isoformat() if updated else "").encode())
    for selection in selections:
        digest.update(selection.key().encode())
    return f"ssb:{table}:{digest.hexdigest()[:24]}"


# A cached part that cannot be read (damaged, or not the answer to its selection) is fetched again.
_UNREADABLE: tuple[type[Exception], ...] = (SourceError, *MALFORMED_ERRORS)


@contextmanager
def _reading(table: str) -> Iterator[None]:
    """Turn an error from reading SSB's answers for ``table`` into one SourceError line."""
    try:
        yield
    except SourceError:
        raise
    except MALFORMED_ERRORS as exc:
        detail = describe_malformed(exc)
        raise SourceError(
            one_line(
                f"tabell {table}: SSBs svar kan ikke brukes ({detail.removeprefix(f'tabell {table}: ')})"
            )
        ) from exc


def _observations(table: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    tidy = pd.concat(frames, ignore_index=True)
    observations = tidy[tidy["indicator_id"].notna()].loc[
        :, ["indicator_id", "region_code", "year", "value", "status"]
    ]
    if observations.duplicated(["indicator_id", "region_code", "year"]).any():
        raise SourceError(
            f"tabell {table}: flere celler passer til samme indikator i katalogen; sjekk indikatorens filters"
        )
    return observations


@dataclass
class _Fetcher:
    store: Store
    catalog: Catalog
    client: PxWebClient
    cache: ChunkCache
    known_regions: set[str]
    region_filter: set[str] | None
    progress: FetchProgress | None

    def table(self, table: str, indicators: Sequence[Indicator], request: FetchRequest) -> TableResult:
        requests_before = self.client.stats.requests
        metadata = self.client.fetch_metadata(table)
        with _reading(table):
            _roles(table, metadata)  # before matching indicators: a table without roles is SSB's fault
            indicators, missing = _available(metadata, indicators)
            if not indicators:
                return TableResult(
                    table, "failed", message="ingen av katalogens indikatorer finnes i tabellen"
                )
            wanted = _wanted(table, metadata, indicators, request, self.known_regions, self.region_filter)
            selections = plan_selections(table, metadata, wanted, self.client.limits.max_cells)
        note = f"; ikke i SSBs tabell: {', '.join(missing)}" if missing else ""
        if self.progress:
            self.progress.table_started(table, len(selections))
        if not selections:
            return TableResult(table, "empty", message="ingenting å hente for disse årene og regionene")
        checksum = _checksum(table, metadata.updated, selections)
        if self.store.has_release(checksum):
            return TableResult(
                table,
                "unchanged",
                requests=self.client.stats.requests - requests_before,
                message=f"lagret fra før (SSB oppdaterte {metadata.updated:%d.%m.%Y})"
                if metadata.updated
                else "lagret fra før",
            )
        frames = [self._part(table, metadata.updated, s) for s in selections]
        with _reading(table):
            observations = _observations(table, frames)
            latest = int(observations["year"].max()) if len(observations) else FIRST_YEAR
        fetched = datetime.now(UTC)
        spec = ReleaseSpec(
            source=f"ssb:{table}",
            kind="ssb",
            checksum=checksum,
            published=metadata.updated.replace(tzinfo=None) if metadata.updated else None,
            note=metadata.label,
            revision=release_revision(latest, fetched),
        )
        loaded = self.store.load_release(spec, observations)
        return TableResult(
            table,
            "loaded",
            observations=len(observations),
            cells=sum(s.cells for s in selections),
            requests=self.client.stats.requests - requests_before,
            release_id=loaded.release_id,
            message=_REVISION_NB.get(spec.revision or "", spec.revision or "") + note,
        )

    def _part(self, table: str, updated: datetime | None, selection: Selection) -> pd.DataFrame:
        """One part's tidy rows, from the cache if a readable copy is there; a fetched
        part is cached only once it has been read."""
        name = f"tabell {table}"
        part: pd.DataFrame | None = None
        cached = self.cache.get(table, updated, selection)
        if cached is not None:
            try:
                part = observations_from_cube(read_answer(cached, selection), self.catalog, name)
            except _UNREADABLE:
                part = None  # a damaged or stale copy: fetch the part again
        if part is None:
            raw, cube = self.client.fetch_data(selection)
            with _reading(table):
                part = observations_from_cube(cube, self.catalog, name)
            self.cache.put(table, updated, selection, raw)
        if self.progress:
            self.progress.part_done(table, selection.cells, self.client.stats.requests)
        return part


def fetch_tables(
    store: Store,
    catalog: Catalog,
    client: PxWebClient,
    request: FetchRequest,
    *,
    known_regions: set[str],
    region_filter: set[str] | None,
    cache: ChunkCache,
    progress: FetchProgress | None = None,
) -> FetchReport:
    """Fetch every catalog table for ``request``. A table SSB answers badly fails alone
    (one line in its result); an unreachable SSB stops the run."""
    report = FetchReport()
    fetcher = _Fetcher(store, catalog, client, cache, known_regions, region_filter, progress)
    for table, indicators in tables_to_fetch(catalog, request.sectors).items():
        try:
            result = fetcher.table(table, indicators, request)
        except SourceUnreachable:
            raise
        except (SourceError, InputError) as exc:
            result = TableResult(table, "failed", message=one_line(str(exc)))
        report.tables.append(result)
        if progress:
            progress.table_done(result)
    report.requests = client.stats.requests
    report.retries = client.stats.retries
    report.cells = client.stats.cells
    report.events = list(client.stats.events)
    return report
