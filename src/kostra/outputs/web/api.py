"""The JSON API under /api: thin handlers over the Python API, one error shape.

A parameter an endpoint does not take is refused (422), as is one given twice; ``compare``
takes names repeated or comma-separated, at most :data:`~kostra.outputs.web.query.MAX_PEERS`.
"""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from kostra.api import Session
from kostra.catalog import Indicator, Sector
from kostra.errors import InputError, ParameterError
from kostra.outputs.profile_table import profile_columns, render_profile_json
from kostra.outputs.report.ssb_marks import ssb_marks
from kostra.outputs.web.excel_csv import profile_csv as excel_profile_csv
from kostra.outputs.web.profiles import Later, ProfileIndex
from kostra.outputs.web.query import MAX_PEERS, check_query, peers_of
from kostra.sector_analysis import SERIES_YEARS

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(check_query)])

Year = Annotated[int | None, Query(ge=2000, le=2100, description="År; standard: siste år med tall")]
Name = Annotated[str, Query(min_length=1, max_length=80, pattern=r"^[\w æøåÆØÅ\-().'/]+$")]
Profile = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[\w æøåÆØÅ\-+().'/]+$")]
Group = Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[\w æøåÆØÅ\-]+$")]
Compare = Annotated[
    list[Annotated[str, StringConstraints(max_length=500, pattern=r"^[\w æøåÆØÅ\-().'/,]*$")]] | None,
    Query(
        description=(
            f"Kommuner å sammenligne med, gjentatt eller kommaseparert (høyst {MAX_PEERS}); "
            "standard: Asker, tom: ingen"
        )
    ),
]


class RegionOut(BaseModel):
    code: str
    name: str
    kind: str


class GroupOut(BaseModel):
    id: str
    name: str
    kind: str
    members: list[str]


class IndicatorOut(BaseModel):
    id: str
    name: str
    sector: str
    profiles: list[str]
    unit: str
    decimals: int
    average: str
    ssb_table: str | None
    ssb_contents: str | None


class ObservationOut(BaseModel):
    region_code: str
    region: str | None
    year: int
    value: float | None
    status: str | None
    release_kind: str


class Page(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ObservationOut]


def session_of(request: Request) -> Session:
    session: Session = request.app.state.session
    return session


def all_indicators(session: Session) -> list[Indicator]:
    """Every indicator in the catalog: the years kostra has figures for, for anything."""
    return list(session.catalog.indicators.values())


def service_area_ids(session: Session) -> list[str]:
    return [s.id for s in session.catalog.sectors.values() if not s.hidden]


def service_area(session: Session, name: str) -> Sector:
    """The service area called ``name``; basis figures (a hidden sector such as population)
    are refused naming the service areas, in the web's words (the session's point to the
    command line)."""
    sector = session.catalog.sector(name)
    if sector.hidden:
        raise ParameterError(
            f"{sector.name_nb} er grunnlagstall, ikke et tjenesteområde; "
            f"velg ett av: {', '.join(service_area_ids(session))}"
        )
    return sector


def indicator_of(session: Session, indicator_id: str) -> Indicator:
    try:
        return session.catalog.indicator(indicator_id)
    except ParameterError:
        raise ParameterError(
            f"kostra har ingen indikator {indicator_id[:60]!r}; /api/indicators lister indikatorene"
        ) from None


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(content: bytes | str, name: str) -> Response:
    """A file to save, its type taken from the name's suffix."""
    return Response(
        content,
        media_type=MEDIA_TYPES[name.rsplit(".", 1)[-1]],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/regions", response_model=list[RegionOut])
def regions(
    request: Request,
    kind: Annotated[str | None, Query(pattern="^(municipality|county)$")] = None,
    current: bool = True,
) -> list[RegionOut]:
    """Municipalities and counties (today's by default)."""
    table = session_of(request).regions
    table = table[table["kind"].isin([kind] if kind else ["municipality", "county"])]
    if current:
        table = table[table["valid_to"].isna()]
    return [RegionOut(code=r.code, name=r.name, kind=r.kind) for r in table.itertuples()]


@router.get("/groups", response_model=list[GroupOut])
def groups(request: Request, year: Year = None) -> list[GroupOut]:
    session = session_of(request)
    when = session.resolve_year(all_indicators(session), year, "grupper")
    return [
        GroupOut(id=g.id, name=g.name_nb, kind=g.kind, members=sorted(session.members(g.id, when)))
        for g in session.groups.values()
    ]


@router.get("/indicators", response_model=list[IndicatorOut])
def indicators(
    request: Request, sector: Annotated[str | None, Query(max_length=40)] = None
) -> list[IndicatorOut]:
    session = session_of(request)
    catalog = session.catalog
    wanted = service_area(session, sector).id if sector else None
    return [
        IndicatorOut(
            id=i.id,
            name=i.name_nb,
            sector=i.sector,
            profiles=list(i.profiles),
            unit=i.unit,
            decimals=i.decimals,
            average=i.average,
            ssb_table=i.source.table if i.source else None,
            ssb_contents=i.source.contents if i.source else None,
        )
        for i in catalog.indicators_of(wanted)
    ]


@router.get("/observations", response_model=Page)
def observations(
    request: Request,
    indicator: Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")],
    year: Year = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page:
    """Figures in force for one indicator (all regions), paginated."""
    session = session_of(request)
    found = indicator_of(session, indicator)
    if year is not None:
        session.resolve_year([found], year, found.id)
    frame = session.observations([found.id], [year] if year is not None else None)
    frame = frame.sort_values(["year", "region_code"], kind="stable")
    names = session.regions.set_index("code")["name"]
    part = frame.iloc[offset : offset + limit]
    items = [
        ObservationOut(
            region_code=r.region_code,
            region=names.get(r.region_code),
            year=int(r.year),
            value=None if r.value != r.value else float(r.value),
            status=r.status if isinstance(r.status, str) else None,
            release_kind=str(r.release_kind),
        )
        for r in part.itertuples()
    ]
    return Page(total=len(frame), offset=offset, limit=limit, items=items)


def _profile_table(
    request: Request,
    municipality: Name,
    sector: Name,
    profile: Profile | None = None,
    year: Year = None,
    group: Group = "asss",
) -> pd.DataFrame:
    """The query of the three profile endpoints, answered once."""
    session = session_of(request)
    return session.profile(municipality, service_area(session, sector).id, profile, year, group)


ProfileTable = Annotated[pd.DataFrame, Depends(_profile_table)]


def _file_name(table: pd.DataFrame, suffix: str) -> str:
    return f"kostra-{table.attrs['region_code']}-{table.attrs['sector']}-{table.attrs['year']}.{suffix}"


def _with_ssb_marks(session: Session, rows: list[dict[str, Any]], year: int) -> None:
    """Each indicator row gets ``checked_against_ssb``: true when kostra reproduces SSB's own
    country figure for ``year``, false when it does not, null when that was not checked."""
    marks = ssb_marks(session, [str(r["indicator_id"]) for r in rows], year)
    for row in rows:
        row["checked_against_ssb"] = marks[str(row["indicator_id"])].checked


@router.get("/profile")
async def profile(
    request: Request,
    municipality: Name,
    sector: Name,
    profile: Profile | None = None,
    year: Year = None,
    group: Group = "asss",
) -> Any:
    """The service profile and indicator table (as ``kostra profile --format json``), each
    indicator with ``checked_against_ssb`` (true, false or null: not checked)."""
    # Looked up on the event loop (a tenth of a millisecond; a worker thread costs more
    # in waiting for the interpreter lock); computed in a worker thread.
    index: ProfileIndex | None = getattr(request.app.state, "profiles", None)
    if index is not None:  # all municipalities' profiles computed at once: the same bytes
        try:
            found = index.answer(municipality, sector, profile, year, group, build=False)
        except Later:
            found = await run_in_threadpool(index.answer, municipality, sector, profile, year, group)
        if found is not None:
            return Response(found, media_type="application/json")
    return await run_in_threadpool(_profile_doc, request, municipality, sector, profile, year, group)


def _profile_doc(
    request: Request, municipality: str, sector: str, profile: str | None, year: int | None, group: str
) -> dict[str, Any]:
    table = _profile_table(request, municipality, sector, profile, year, group)
    doc: dict[str, Any] = json.loads(render_profile_json(table))
    _with_ssb_marks(session_of(request), doc["rows"], int(doc["year"]))
    return doc


@router.get("/profile.csv", response_class=Response)
def profile_csv(table: ProfileTable) -> Response:
    """The service profile as CSV for Norwegian Excel: the columns of ``kostra profile
    --format csv`` headed in bokmål, ``;``-separated, decimal comma, UTF-8 with a BOM."""
    return download(excel_profile_csv(table), _file_name(table, "csv"))


@router.get("/profile.xlsx", response_class=Response)
def profile_xlsx(table: ProfileTable) -> Response:
    """The service profile as an Excel sheet: the values and the index, as numbers."""
    buffer = io.BytesIO()
    columns = profile_columns(table)
    columns = columns[: columns.index("index") + 1]  # the values and the index, not the metadata
    table.loc[:, columns].to_excel(buffer, index=False, sheet_name="Tjenesteprofil")
    return download(buffer.getvalue(), _file_name(table, "xlsx"))


class SeriesPoint(BaseModel):
    indicator_id: str
    series: str
    year: int
    value: float | None
    change: float | None
    change_unit: str
    adjusted: bool
    back_series: bool = Field(
        default=False, description="computed from the parts of a later merger (KOSTRA.md method 7)"
    )


@router.get("/series", response_model=list[SeriesPoint])
def series(
    request: Request,
    municipality: Name,
    sector: Name,
    year: Year = None,
    group: Group = "asss",
    compare: Compare = None,
    from_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    fixed_prices: bool = False,
    need_adjusted: bool = False,
) -> list[SeriesPoint]:
    """Time series of the sector's indicators for the municipality, its peers and the group."""
    session = session_of(request)
    peers = peers_of(compare)
    session.region(municipality)
    sector = service_area(session, sector).id
    year, from_year = _series_years(session, sector, year, from_year, fixed_prices)
    result = session.analyse(
        municipality,
        sector,
        year,
        group,
        peers,
        fixed_prices=fixed_prices,
        need_adjusted=need_adjusted,
        first_year=from_year,
    )
    return [
        SeriesPoint(
            indicator_id=r.indicator_id,
            series=r.series,
            year=int(r.year),
            value=None if r.value != r.value else float(r.value),
            change=None if r.change != r.change else float(r.change),
            change_unit=r.change_unit,
            adjusted=bool(r.adjusted),
            back_series=bool(r.back_series),
        )
        for r in result.series.itertuples()
    ]


def _series_years(
    session: Session, sector: str, year: int | None, from_year: int | None, fixed_prices: bool
) -> tuple[int, int | None]:
    """The year analysed and the first year of the series, both checked against the years
    kostra has figures for (and, in fixed prices, has the municipal deflator for)."""
    area = session.service_area(sector)
    indicators = session.catalog.indicators_of(area.id)
    what = area.name_nb.lower()
    year = session.resolve_year(indicators, year, what)
    first, last = session.year_span(indicators)
    if from_year is not None:
        session.resolve_year(indicators, from_year, f"første år i tidsseriene, {what}")
        if from_year > year:
            raise InputError(
                f"første år i tidsseriene (from_year={from_year}) er etter året som analyseres ({year}); "
                f"kostra har tall for {first}–{last}, så velg from_year fra {first} til {year}"
            )
    if fixed_prices:
        _check_deflator(
            session, year, from_year if from_year is not None else max(first, year - SERIES_YEARS + 1)
        )
    return year, from_year


def _check_deflator(session: Session, year: int, start: int) -> None:
    """Fixed prices need the municipal deflator for every year from ``start`` to ``year``."""
    growth = {d.year for d in session.catalog.deflator}
    low = year
    while low in growth:  # kroner of low - 1 reach ``year`` through low's growth
        low -= 1
    if start >= low:
        return
    known = f"{min(growth)}–{max(growth)}" if growth else "ingen år"
    raise InputError(
        f"faste priser i {year}-kroner kan bare regnes fra {low} (kostra har kommunal deflator for "
        f"{known}); velg from_year={low} eller senere, eller løpende priser"
    )


@router.get("/analysis")
def analysis(
    request: Request,
    municipality: Name,
    sector: Name,
    year: Year = None,
    group: Group = "asss",
    compare: Compare = None,
) -> Any:
    """Everything ``kostra analyse`` computes, as JSON."""
    session = session_of(request)
    peers = peers_of(compare)
    result = session.analyse(municipality, service_area(session, sector).id, year, group, peers)
    doc = json.loads(json.dumps(result.to_dict(), default=str))
    _with_ssb_marks(session, doc["profile"], result.year)
    return doc
