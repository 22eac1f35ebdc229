"""Server-rendered pages: start, municipality overview, sector, indicator, ranking.

The URL holds the state (municipality, sector, year, group, comparisons), so a
view can be bookmarked and shared. Templates only show what handlers computed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, cast
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BeforeValidator, Field

from kostra.analysis.regions import Region
from kostra.api import Session
from kostra.catalog import Indicator
from kostra.errors import InputError, ParameterError
from kostra.formatting import format_nb, is_missing, round_half_up
from kostra.outputs.report.charts import NB_LOCALE
from kostra.outputs.report.ssb_marks import explanation, ssb_marks
from kostra.outputs.web import assets
from kostra.outputs.web.api import (
    all_indicators,
    download,
    indicator_of,
    service_area,
    session_of,
)
from kostra.outputs.web.compare import sector_view
from kostra.outputs.web.excel_csv import excel_csv, excel_number
from kostra.outputs.web.indicator import MARK_COLOURS, RankedRow, distribution_chart, ranked
from kostra.outputs.web.lookup import Ambiguous, region_named
from kostra.outputs.web.map_views import indicator_map
from kostra.outputs.web.overview import overview_context
from kostra.outputs.web.query import check_query, highlighted, peers_of
from kostra.outputs.web.security import client_of

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_query)])

DEFAULT_GROUP = "asss"
NAME_PATTERN = r"^[\w æøåÆØÅ\-().'/]+$"
PathName = Annotated[str, Path(min_length=1, max_length=80, pattern=NAME_PATTERN)]


def _blank_is_none(value: object) -> object:
    """A form sends an empty field as ``name=``: that field is not chosen (so is a field
    of spaces only)."""
    return None if isinstance(value, str) and not value.strip() else value


# The pages' own optional parameters: as the API's, but empty means "not chosen".
Year = Annotated[
    Annotated[int, Field(ge=2000, le=2100)] | None,
    BeforeValidator(_blank_is_none),
    Query(description="År; standard: siste år med tall"),
]
OptionalName = Annotated[
    Annotated[str, Field(min_length=1, max_length=80, pattern=NAME_PATTERN)] | None,
    BeforeValidator(_blank_is_none),
    Query(),
]
GroupChoice = Annotated[
    Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[\w æøåÆØÅ\-]+$")] | None,
    BeforeValidator(_blank_is_none),
    Query(description="Sammenligningsgruppe; standard: ASSS"),
]
SectorChoice = Annotated[
    Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w æøåÆØÅ\-]+$")] | None,
    BeforeValidator(_blank_is_none),
    Query(),
]
# Names repeated or comma-separated (see kostra.outputs.web.query); the query string's
# length bounds how many.
Names = Annotated[
    list[Annotated[str, Field(max_length=500, pattern=r"^[\w æøåÆØÅ\-().'/,]*$")]] | None,
    Query(),
]
IndicatorId = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[\w\-]+$")]


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("kostra.outputs.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nb"] = format_nb
    env.globals["static"] = assets.url
    return env


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("demodata", False)
    html = _env().get_template(name).render(locale=NB_LOCALE, **context)
    return HTMLResponse(html, status_code=status)


HEADINGS = {
    400: "Kan ikke vise dette",
    404: "Finnes ikke",
    405: "Ikke tillatt",
    422: "Kan ikke vise dette",
    429: "For mange forespørsler",
    500: "Noe gikk galt",
}


def error_page(status: int, message: str) -> HTMLResponse:
    """The page a refused request gets: the one-line message, the status and a way back."""
    heading = HEADINGS.get(status, "Kan ikke vise dette" if status < 500 else "Noe gikk galt")
    return _page("error.html.j2", status=status, heading=heading, message=message, code=status)


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    return _start_page(session_of(request))


def _start_page(
    session: Session, typed: str = "", candidates: list[Region] | None = None, sektor: str = ""
) -> HTMLResponse:
    """The start page; after a name several municipalities begin with, those as links."""
    municipalities = session.regions[
        (session.regions["kind"] == "municipality") & session.regions["valid_to"].isna()
    ].sort_values("name")
    sectors = [s for s in session.catalog.sectors.values() if not s.hidden]
    return _page(
        "start.html.j2",
        municipalities=list(municipalities.itertuples()),
        sectors=sectors,
        typed=typed,
        candidates=candidates or [],
        sektor=sektor,
    )


@router.get("/velg")
def choose(request: Request, kommune: OptionalName = None, sektor: SectorChoice = None) -> Response:
    """The start page's form: find the municipality by name, number or the start of its
    name, and go to its page (an empty service area: the overview). A start several
    municipalities share gives the start page again, listing them."""
    session = session_of(request)
    if kommune is None:
        raise InputError("feltet «Kommune» er tomt; skriv navnet eller nummeret på en kommune (f.eks. Bærum)")
    area = service_area(session, sektor).id if sektor else None
    try:
        region = region_named(session, kommune)
    except Ambiguous as exc:
        return _start_page(session, kommune, exc.candidates, area or "")
    return RedirectResponse(f"/kommune/{region.code}" + (f"/{area}" if area else ""), status_code=303)


@router.get("/kommune/{code}", response_class=HTMLResponse)
def overview(request: Request, code: PathName, year: Year = None, group: GroupChoice = None) -> HTMLResponse:
    """Every service area at a glance (kostra.outputs.web.overview)."""
    context = overview_context(session_of(request), code, year, group or DEFAULT_GROUP)
    return _page("overview.html.j2", **context)


@router.get("/kommune/{code}/rapport.{fmt}")
def full_report(
    request: Request,
    code: PathName,
    fmt: Annotated[str, Path(pattern="^(html|pdf|docx|xlsx)$")],
    year: Year = None,
    group: GroupChoice = None,
) -> Response:
    """The whole KOSTRA report for the municipality, as a download (the HTML one too: it
    is a self-contained file whose inline scripts the site's policy would block, and it
    works offline once saved). A few are built at once (429 beyond: see create_app)."""
    from kostra.names import slug
    from kostra.outputs.report import build_report, render

    with request.app.state.reports.enter(client_of(request.scope)):
        report = build_report(session_of(request), code, year, group or DEFAULT_GROUP, formats=[fmt])
        content = render(report, fmt)
    name = f"kostra-{report.region_code}-{slug(report.municipality)}-{report.year}.{fmt}"
    return download(content, name)


@router.get("/kommune/{code}/{sector}", response_class=HTMLResponse)
def sector_page(
    request: Request,
    code: PathName,
    sector: PathName,
    year: Year = None,
    group: GroupChoice = None,
    compare: Names = None,
) -> HTMLResponse:
    session = session_of(request)
    session.region(code)  # an unknown municipality is named before the sector
    peers = tuple(region_named(session, name).short_name for name in peers_of(compare))
    result = session.analyse(code, service_area(session, sector).id, year, group or DEFAULT_GROUP, peers)
    return _page(
        "sector.html.j2",
        result=result,
        marks=ssb_marks(session, list(result.profile["indicator_id"]), result.year),
        ssb_note=explanation(result.year),
        demodata=result.demodata,
        **sector_view(session, result),  # charts, legends, the pickers (kostra.outputs.web.compare)
    )


@dataclass(frozen=True)
class _IndicatorTable:
    indicator: Indicator
    year: int
    rows: list[RankedRow]
    generated: frozenset[str]  # the municipalities whose figure is DEMODATA

    @property
    def demodata(self) -> bool:
        return bool(self.generated)


def _indicator_table(
    session: Session, indicator_id: str, year: int | None, highlight: list[str] | None
) -> _IndicatorTable:
    """Every municipality's value of the indicator in the year, ranked; the ones named in
    ``highlight`` marked in the order given."""
    indicator = _indicator(session, indicator_id)
    when = session.resolve_year([indicator], year, indicator.name_nb)
    frame = session.observations([indicator.id], [when])
    regions = session.regions.set_index("code")
    frame = frame[frame["region_code"].map(regions["kind"]) == "municipality"]
    chosen = list(dict.fromkeys(region_named(session, h).code for h in highlighted(highlight)))
    names = regions["name"]
    rows = ranked(
        [
            (str(r.region_code), str(names.get(r.region_code, r.region_code)), r.value)
            for r in frame.itertuples()
        ],
        chosen,
    )
    generated = frozenset(frame.loc[frame["release_kind"] == "demodata", "region_code"].astype(str))
    return _IndicatorTable(indicator, when, rows, generated)


@router.get("/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    indicator_id: IndicatorId,
    year: Year = None,
    highlight: Names = None,
) -> HTMLResponse:
    """One indicator for all municipalities: the distribution with the chosen ones marked
    and named, the ranked table, downloads, and the way back to the municipality first
    chosen and its service area."""
    session = session_of(request)
    table = _indicator_table(session, indicator_id, year, highlight)
    indicator, when = table.indicator, table.year
    chosen = sorted((r for r in table.rows if r.marked is not None), key=lambda r: r.marked or 0)
    own = session.region(chosen[0].code) if chosen else None
    sector = session.catalog.sectors.get(indicator.sector)
    back = None
    if own is not None and sector is not None and not sector.hidden:
        peers = ",".join(session.region(r.code).short_name for r in chosen[1:])
        back = {
            "municipality": own,
            "overview": f"/kommune/{own.code}?year={when}",
            "sector_name": sector.name_nb,
            "sector": f"/kommune/{own.code}/{sector.id}?year={when}&compare={quote(peers)}",
        }
    query = f"year={when}"
    return _page(
        "indicator.html.j2",
        indicator=indicator,
        year=when,
        rows=table.rows,
        chosen=chosen,
        colours=MARK_COLOURS,
        chart=distribution_chart(indicator, table.rows, when),
        # the map (issue 16, item 3): the first chosen outlined, ASSS's average in the tooltip
        map_view=indicator_map(
            session, indicator, when, chosen[0].code if chosen else None, session.group(DEFAULT_GROUP)
        ),
        map_url=f"/kart/indikator/{indicator.id}?year={when}"
        + (f"&kommune={chosen[0].code}" if chosen else ""),
        demodata=table.demodata,
        back=back,
        sector=sector,
        downloads={
            "csv": f"/indikator/{indicator.id}/tabell.csv?{query}",
            "xlsx": f"/indikator/{indicator.id}/tabell.xlsx?{query}",
        },
        ranked_count=sum(1 for r in table.rows if r.rank is not None),
        mark=ssb_marks(session, [indicator.id], when)[indicator.id],
        ssb_note=explanation(when),
    )


@router.get("/indikator/{indicator_id}/tabell.{fmt}")
def indicator_download(
    request: Request,
    indicator_id: IndicatorId,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    year: Year = None,
) -> Response:
    """The indicator page's table as a file: CSV for Norwegian Excel, or an Excel sheet
    (numbers as numbers)."""
    table = _indicator_table(session_of(request), indicator_id, year, None)
    indicator = table.indicator
    header = ["Plass", "Kommunenummer", "Kommune", f"{indicator.name_nb} ({indicator.unit})", "DEMODATA"]
    name = f"kostra-{indicator.id}-{table.year}.{fmt}"
    generated = {r.code: "ja" if r.code in table.generated else "nei" for r in table.rows}
    if fmt == "csv":
        lines = (
            [
                "" if r.rank is None else str(r.rank),
                r.code,
                r.name,
                excel_number(r.value, indicator.decimals),
                generated[r.code],
            ]
            for r in table.rows
        )
        return download(excel_csv(header, lines), name)
    rows = [[r.rank, r.code, r.name, r.value, generated[r.code]] for r in table.rows]
    return download(_xlsx(header, rows, str(table.year)), name)


def _indicator(session: Session, indicator_id: str) -> Indicator:
    try:
        return indicator_of(session, indicator_id)
    except ParameterError:
        raise ParameterError(
            f"kostra har ingen indikator {indicator_id!r}; tjenesteområdenes sider lenker til "
            "indikatorene, og /api/indicators lister dem"
        ) from None


@router.get("/rangering", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    year: Year = None,
    sektor: SectorChoice = None,
    kommune: OptionalName = None,
) -> HTMLResponse:
    """Kommunebarometer-style ranking of all municipalities, and one municipality's place
    figure by figure (KOSTRA.md method 6). Empty fields (the form's) mean all sectors and
    no municipality."""
    session = session_of(request)
    sector_id, when, table, demodata = _ranking_table(session, year, sektor)
    explanation = _explanation(session, kommune, sector_id, when) if kommune else None
    known = session.catalog.sectors
    ranking = session.catalog.ranking
    return _page(
        "ranking.html.j2",
        rows=list(table.itertuples()),
        year=when,
        sector_id=sector_id,
        sector_name="Totalt" if sector_id == "totalt" else known[sector_id].name_nb,
        sectors=[known[s] for s in (ranking.key_figures if ranking else {}) if s in known],
        explanation=explanation,
        # the name found, not the start typed: the form sent again asks the same
        kommune=str(explanation["municipality"]) if explanation else (kommune or ""),
        demodata=demodata,
        downloads={f: f"/rangering/tabell.{f}?sektor={sector_id}&year={when}" for f in ("csv", "xlsx")},
    )


def _ranking_table(
    session: Session, year: int | None, sektor: str | None
) -> tuple[str, int, pd.DataFrame, bool]:
    """The sector ranked by (see :func:`_ranked_sector`), the year, its ranking (best place
    first, the unranked last) and whether generated figures went into it."""
    sector_id = _ranked_sector(session, sektor)
    _, sectors = session.rank(year)
    when = (
        int(sectors["year"].iloc[0]) if len(sectors) else session.resolve_year(all_indicators(session), year)
    )
    demodata = bool(sectors.attrs.get("demodata", False))
    table = sectors[sectors["sector"] == sector_id].sort_values(["rank", "region"], na_position="last")
    return sector_id, when, table, demodata


@router.get("/rangering/tabell.{fmt}")
def ranking_download(
    request: Request,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    year: Year = None,
    sektor: SectorChoice = None,
) -> Response:
    """The ranking as a file: CSV for Norwegian Excel, or an Excel sheet (numbers as
    numbers). Points with two decimals and the share with figures in whole per cent, as
    the page shows them."""
    sector_id, when, table, demodata = _ranking_table(session_of(request), year, sektor)
    header = ["Plass", "Kommunenummer", "Kommune", "Poeng", "Nøkkeltall med tall (prosent)", "DEMODATA"]
    generated = "ja" if demodata else "nei"  # the ranking draws on every figure of the year
    rows = [
        (
            int(r.rank) if r.ranked else None,
            str(r.region_code),
            str(r.region),
            float(round_half_up(r.score, 2)) if not is_missing(r.score) else None,
            float(round_half_up(r.share_with_data * 100, 0)) if not is_missing(r.share_with_data) else None,
            generated,
        )
        for r in table.itertuples()
    ]
    name = f"kostra-rangering-{sector_id}-{when}.{fmt}"
    if fmt == "csv":
        lines = (
            ["" if p is None else str(p), c, n, excel_number(sc, 2), excel_number(sh, 0), g]
            for p, c, n, sc, sh, g in rows
        )
        return download(excel_csv(header, lines), name)
    return download(_xlsx(header, rows, str(when)), name)


def _xlsx(header: list[str], rows: list[Any], sheet: str) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=header).to_excel(buffer, index=False, sheet_name=sheet)
    return buffer.getvalue()


def _ranked_sector(session: Session, name: str | None) -> str:
    """The sector to rank by: "totalt" (also when none is chosen), or a service area with
    key figures in the ranking."""
    if not name or name == "totalt":
        return "totalt"
    sector = service_area(session, name)
    ranked = list(session.catalog.ranking.key_figures) if session.catalog.ranking else []
    if sector.id not in ranked:
        raise ParameterError(
            f"{sector.name_nb} er ikke med i rangeringen; velg totalt eller ett av: {', '.join(ranked)}"
        )
    return sector.id


def _explanation(session: Session, kommune: str, sector_id: str, year: int) -> dict[str, object]:
    region = region_named(session, kommune)
    if region.kind != "municipality":
        raise ParameterError(f"{region.name} er et fylke; rangeringen gjelder kommuner")
    explanation = session.explain_rank(region.code, sector_id, year)
    indicators = session.catalog.indicators
    figures = cast(pd.DataFrame, explanation["figures"])
    explanation["rows"] = [
        {
            "name": indicators[f.indicator_id].name_nb,
            "decimals": indicators[f.indicator_id].decimals,
            "value": f.value,
            "score": f.score,
            "weight": f.weight,
            "contribution": f.contribution,
        }
        for f in figures.itertuples()
    ]
    return explanation
