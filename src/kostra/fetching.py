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

The plan follows SSB's rules, checked against each table's metadata before the
first data request: every required dimension gets a value (the catalog's, or
the table's total), each table is asked only for the years its catalog source
covers (an indicator's ``earlier_sources`` serve the years before its current
table), a table SSB has discontinued is flagged in the summary, and SSB's own
aggregates and Longyearbyen are requested along with the municipalities.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from kostra.analysis.releases import release_revision
from kostra.catalog import Catalog, Indicator
from kostra.catalog.models import SsbSource
from kostra.errors import InputError, SourceError, SourceUnreachable
from kostra.files import write_atomically
from kostra.placing import place_regions
from kostra.sources.jsonstat import Cube, Dimension
from kostra.sources.numbers_nb import count_nb
from kostra.sources.pxweb import PxWebClient, Selection, plan_selections, read_answer, resolve_filters
from kostra.sources.retrying import MALFORMED_ERRORS, describe_malformed, one_line
from kostra.store import AGGREGATE_CODE, ReleaseSpec, Store

__all__ = ["ChunkCache", "FetchProgress", "FetchReport", "FetchRequest", "TableResult", "fetch_tables"]

FIRST_YEAR = 2015
# SSB's own aggregates in a KOSTRA table's region dimension: the country, the country
# without Oslo, counties (old and new) and the KOSTRA groups.
AGGREGATE = re.compile(AGGREGATE_CODE)
# Svalbard's Longyearbyen: a KOSTRA region, but not in KLASS's municipalities (131).
LONGYEARBYEN = "2111"
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
    discontinued: bool = False  # SSB has discontinued the table (extension.discontinued)


@dataclass
class FetchReport:
    tables: list[TableResult] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    cells: int = 0
    events: list[str] = field(default_factory=list)
    # one bokmål line each: discontinued tables, KLASS trouble, anything the user should know
    warnings: list[str] = field(default_factory=list)
    derived: int = 0  # figures the catalog's formulas computed from the fetched ones

    @property
    def discontinued(self) -> list[TableResult]:
        return [t for t in self.tables if t.discontinued]

    @property
    def failed(self) -> list[TableResult]:
        return [t for t in self.tables if t.status == "failed"]


class FetchProgress(Protocol):
    def table_started(self, table: str, parts: int) -> None: ...
    def part_done(self, table: str, cells: int, requests: int) -> None: ...
    def table_done(self, result: TableResult) -> None: ...


@dataclass(frozen=True)
class _Wanted:
    """One indicator as one SSB table carries it."""

    indicator: Indicator
    source: SsbSource


@dataclass(frozen=True)
class _Matcher:
    """An indicator's source in a table with every dimension value it is read at."""

    indicator: Indicator
    source: SsbSource
    filters: dict[str, str]


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


def _sources(catalog: Catalog, sectors: Iterable[str] | None) -> dict[str, list[_Wanted]]:
    """Every (indicator, SSB source) pair of ``sectors`` by table: the current source and
    the earlier ones (``earlier_sources``), each read only for the years it covers."""
    wanted = set(sectors) if sectors else None
    by_table: dict[str, list[_Wanted]] = {}
    for ind in catalog.indicators.values():
        if wanted is not None and ind.sector not in wanted:
            continue
        for source in ind.all_sources:
            by_table.setdefault(source.table, []).append(_Wanted(ind, source))
    return dict(sorted(by_table.items()))


def tables_to_fetch(catalog: Catalog, sectors: Iterable[str] | None) -> dict[str, list[Indicator]]:
    """The statbank tables a fetch for ``sectors`` may read (current and earlier sources),
    with the indicators each carries."""
    return {
        table: list({w.indicator.id: w.indicator for w in pairs}.values())
        for table, pairs in _sources(catalog, sectors).items()
    }


def _span(pairs: Sequence[_Wanted]) -> str:
    """The years the catalog reads ``pairs``' table for, in words ("2015–2021")."""
    firsts = [w.source.first_year for w in pairs]
    lasts = [w.source.last_year for w in pairs]
    first = None if None in firsts else min(f for f in firsts if f is not None)
    last = None if None in lasts else max(y for y in lasts if y is not None)
    return f"{first or FIRST_YEAR}–{last or ''}".rstrip("–") if first or last else "alle år"


def _roles(table: str, metadata: Cube) -> tuple[Dimension, Dimension, Dimension]:
    """The region, figure and year dimensions of a table's metadata."""
    geo, metric, time = (metadata.dimension(r) for r in ("geo", "metric", "time"))
    if geo is None or metric is None or time is None:
        raise SourceError(
            f"tabell {table}: metadataene mangler dimensjon for region, statistikkvariabel eller år"
        )
    return geo, metric, time


def _resolve(table: str, metadata: Cube, pairs: Sequence[_Wanted]) -> tuple[list[_Matcher], list[str]]:
    """Each pair with the value of every dimension it is read at (required dimensions
    included), checked against the metadata before any data request. A dimension one
    figure selects, every other figure of the table needs a value for too.

    A figure whose code or dimension value the table does not have is left out with a
    warning (one wrong catalog row must not cost the table's other figures); when none is
    left, the table fails with the first figure's line."""
    selected = {dim for w in pairs for dim in w.source.filters}
    matchers, problems = [], []
    for w in pairs:
        try:
            filters = resolve_filters(
                table, metadata, w.source.contents, w.source.filters, f"indikator {w.indicator.id}", selected
            )
        except SourceError as exc:
            problems.append(str(exc))
            continue
        matchers.append(_Matcher(w.indicator, w.source, filters))
    if not matchers:
        raise SourceError(problems[0])
    return matchers, [f"{p}; indikatoren er ikke hentet" for p in problems]


def _years(table: str, time: Dimension, matchers: Sequence[_Matcher], request: FetchRequest) -> list[str]:
    """The table's year codes asked for that at least one figure's source covers."""
    asked = {str(y) for y in request.years} if request.years else None
    return [
        code
        for code in time.codes
        if code.isdigit()
        and (int(code) >= FIRST_YEAR if asked is None else code in asked)
        and any(m.source.covers(int(code)) for m in matchers)
    ]


def _regions(geo: Dimension, municipal: set[str], region_filter: set[str] | None) -> list[str]:
    """The municipalities wanted, and wherever the table offers them SSB's aggregates
    (country, counties, KOSTRA groups: what `kostra data check` compares against) and,
    unless the fetch is limited to some municipalities, Longyearbyen."""
    return [
        c
        for c in geo.codes
        if (c in municipal and (region_filter is None or c in region_filter))
        or AGGREGATE.fullmatch(c)
        or (c == LONGYEARBYEN and region_filter is None)
    ]


def _wanted(
    table: str,
    metadata: Cube,
    matchers: Sequence[_Matcher],
    request: FetchRequest,
    municipal: set[str],
    region_filter: set[str] | None,
) -> dict[str, list[str]]:
    geo, metric, time = _roles(table, metadata)
    wanted: dict[str, list[str]] = {
        metric.id: sorted({m.source.contents for m in matchers}),
        time.id: _years(table, time, matchers, request),
        geo.id: _regions(geo, municipal, region_filter),
    }
    for matcher in matchers:
        for dim, value in matcher.filters.items():
            wanted.setdefault(dim, [])
            if value not in wanted[dim]:
                wanted[dim].append(value)
    return wanted


def _tidy(table: str, cube: Cube, matchers: Sequence[_Matcher]) -> pd.DataFrame:
    """indicator_id, region_code, year, value, status of every cell of ``cube``; a cell is
    an indicator's when its figure, every dimension value the indicator is read at and
    its year (within the source's years) match; other cells get None."""
    geo, metric, time = _roles(table, cube)
    frame = cube.frame
    contents = frame[metric.id].astype(str).to_numpy()
    codes = frame[time.id].astype(str)
    years = pd.to_numeric(codes.where(codes.str.fullmatch(r"\d{4}")), errors="coerce").to_numpy()
    indicator = np.full(len(frame), None, dtype=object)
    for m in matchers:
        mask = (contents == m.source.contents) & (years >= (m.source.first_year or 0))
        mask &= years <= (m.source.last_year or 9999)
        for dim, value in m.filters.items():
            if dim in frame:
                mask &= frame[dim].astype(str).to_numpy() == value
        indicator[mask & pd.isna(indicator)] = m.indicator.id
    return pd.DataFrame(
        {
            "indicator_id": indicator,
            "region_code": frame[geo.id].astype(str).to_numpy(),
            "year": years,
            "value": frame["value"].to_numpy(),
            "status": frame["status"].to_numpy(),
        }
    )


def _place_regions(observations: pd.DataFrame, municipal: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The municipalities' (and Longyearbyen's) figures, SSB's aggregates (EAK, EAKUO,
    EKAnn, EKGnn: kept apart, for ``kostra data check``), and a note on what the store
    cannot place (:func:`kostra.placing.place_regions`)."""
    regions = pd.DataFrame(
        {
            "code": [*sorted(municipal), LONGYEARBYEN],
            "kind": ["municipality"] * len(municipal) + ["territory"],
        }
    )
    tidy = observations.assign(region=observations["region_code"], row=range(1, len(observations) + 1))
    placed = place_regions(tidy, regions)
    columns = ["indicator_id", "region_code", "year", "value", "status"]
    note = ""
    if len(placed.unplaced):
        shown = ", ".join(placed.unplaced["region"].head(5))
        lost = count_nb(int(placed.unplaced["rows"].sum()))
        note = f"; ikke lagret: {lost} tall for ukjente regionkoder ({shown})"
    return placed.observations.loc[:, columns], placed.aggregates.loc[:, columns], note


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
    known_regions: set[str]  # the municipality codes (any year's) the store knows
    region_filter: set[str] | None
    progress: FetchProgress | None
    discontinued: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)  # figures of a table left out, and why

    def table(self, table: str, pairs: Sequence[_Wanted], request: FetchRequest) -> TableResult:
        requests_before = self.client.stats.requests
        if request.years and not any(w.source.covers(y) for w in pairs for y in request.years):
            # the catalog reads this table only for other years (a discontinued table, or
            # one its successor took over): not even its metadata is asked for
            return TableResult(
                table,
                "empty",
                message=f"katalogen leser tabellen bare for {_span(pairs)}, ikke for disse årene",
            )
        meta = self.client.fetch_table_metadata(table)
        metadata = meta.cube
        if meta.discontinued:
            self.discontinued.add(table)
        with _reading(table):
            _roles(table, metadata)  # before matching indicators: a table without roles is SSB's fault
            matchers, problems = _resolve(table, metadata, pairs)
            self.warnings += problems
            wanted = _wanted(table, metadata, matchers, request, self.known_regions, self.region_filter)
            selections = plan_selections(table, metadata, wanted, self.client.limits.max_cells)
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
        frames = [self._part(table, metadata.updated, s, matchers) for s in selections]
        with _reading(table):
            fetched_rows = _observations(table, frames)
            observations, aggregates, note = _place_regions(fetched_rows, self.known_regions)
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
        loaded = self.store.load_release(spec, observations, aggregates)
        return TableResult(
            table,
            "loaded",
            observations=len(observations),
            cells=sum(s.cells for s in selections),
            requests=self.client.stats.requests - requests_before,
            release_id=loaded.release_id,
            message=_REVISION_NB.get(spec.revision or "", spec.revision or "") + note,
        )

    def _part(
        self, table: str, updated: datetime | None, selection: Selection, matchers: Sequence[_Matcher]
    ) -> pd.DataFrame:
        """One part's tidy rows, from the cache if a readable copy is there; a fetched
        part is cached only once it has been read."""
        part: pd.DataFrame | None = None
        cached = self.cache.get(table, updated, selection)
        if cached is not None:
            try:
                part = _tidy(table, read_answer(cached, selection), matchers)
            except _UNREADABLE:
                part = None  # a damaged or stale copy: fetch the part again
        if part is None:
            raw, cube = self.client.fetch_data(selection)
            with _reading(table):
                part = _tidy(table, cube, matchers)
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
    (one line in its result); an unreachable SSB stops the run. ``known_regions`` are
    the municipality codes (of any year) the store can hold figures for."""
    report = FetchReport()
    fetcher = _Fetcher(store, catalog, client, cache, known_regions, region_filter, progress)
    for table, pairs in _sources(catalog, request.sectors).items():
        try:
            result = fetcher.table(table, pairs, request)
        except SourceUnreachable:
            raise
        except (SourceError, InputError) as exc:
            result = TableResult(table, "failed", message=one_line(str(exc)))
        if table in fetcher.discontinued:
            result.discontinued = True
            result.message = "SSB har avsluttet tabellen" + (f"; {result.message}" if result.message else "")
            report.warnings.append(
                f"Tabell {table} er avsluttet av SSB og oppdateres ikke lenger; "
                f"katalogen leser den for {_span(pairs)}"
            )
        report.tables.append(result)
        if progress:
            progress.table_done(result)
    report.warnings += fetcher.warnings
    report.requests = client.stats.requests
    report.retries = client.stats.retries
    report.cells = client.stats.cells
    report.events = list(client.stats.events)
    return report
