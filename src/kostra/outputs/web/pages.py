"""Server-rendered pages: start, municipality overview, sector, indicator, ranking.

The URL holds the state (municipality, sector, year, group, comparisons), so a
view can be bookmarked and shared. Templates only show what handlers computed.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, cast

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BeforeValidator, Field

from kostra.api import Session
from kostra.catalog import Indicator
from kostra.errors import ParameterError, YearNotAvailable
from kostra.formatting import format_nb
from kostra.outputs.report.charts import NB_LOCALE, SCHEMA, profile_chart, series_chart
from kostra.outputs.report.ssb_marks import explanation, ssb_marks
from kostra.outputs.web import assets
from kostra.outputs.web.api import (
    Group,
    Name,
    all_indicators,
    download,
    indicator_of,
    service_area,
    session_of,
)
from kostra.outputs.web.query import check_query, highlighted, peers_of
from kostra.outputs.web.security import client_of

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_query)])

NAME_PATTERN = r"^[\w æøåÆØÅ\-().'/]+$"
PathName = Annotated[str, Path(min_length=1, max_length=80, pattern=NAME_PATTERN)]


def _blank_is_none(value: object) -> object:
    """A form sends an empty field as ``name=``: that field is not chosen."""
    return None if value == "" else value


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
    session = session_of(request)
    municipalities = session.regions[
        (session.regions["kind"] == "municipality") & session.regions["valid_to"].isna()
    ].sort_values("name")
    sectors = [s for s in session.catalog.sectors.values() if not s.hidden]
    return _page("start.html.j2", municipalities=list(municipalities.itertuples()), sectors=sectors)


@router.get("/velg")
def choose(request: Request, kommune: Name, sektor: SectorChoice = None) -> Response:
    """The start page's form: find the municipality by name or number and go to its page
    (an empty service area: the overview)."""
    session = session_of(request)
    region = session.region(kommune)
    target = f"/kommune/{region.code}" + (f"/{service_area(session, sektor).id}" if sektor else "")
    return RedirectResponse(target, status_code=303)


@router.get("/kommune/{code}", response_class=HTMLResponse)
def overview(request: Request, code: PathName, year: Year = None, group: Group = "asss") -> HTMLResponse:
    session = session_of(request)
    region = session.region(code)
    chosen = session.group(group)
    sectors = [s for s in session.catalog.sectors.values() if not s.hidden]
    everything = [i for s in sectors for i in session.catalog.indicators_of(s.id)]
    when = session.resolve_year(everything, year, "tjenesteområdene")
    rows = [_overview_row(session, region.code, sector.id, when, chosen.id) for sector in sectors]
    return _page(
        "overview.html.j2",
        region=region,
        rows=rows,
        year=when,
        group=chosen,
        demodata=any(r["demodata"] for r in rows),
    )


def _overview_row(session: Session, code: str, sector_id: str, year: int, group: str) -> dict[str, Any]:
    """One service area's line in the overview; a service area without figures for the
    year says so instead of failing the whole page."""
    sector = session.catalog.sectors[sector_id]
    try:
        result = session.analyse(code, sector_id, year, group, ())
    except YearNotAvailable as exc:
        return {"sector": sector, "missing": str(exc), "demodata": False}
    profile = result.profile
    return {
        "sector": sector,
        "above": int((profile["index"] > 100.5).sum()),
        "below": int((profile["index"] < 99.5).sum()),
        "resource_use": result.resource_use_indicator,
        "summary": result.summary[:1],
        "flags": len(result.flags),
        "demodata": result.demodata,
    }


@router.get("/kommune/{code}/rapport.{fmt}")
def full_report(
    request: Request,
    code: PathName,
    fmt: Annotated[str, Path(pattern="^(html|pdf|docx|xlsx)$")],
    year: Year = None,
    group: Group = "asss",
) -> Response:
    """The whole KOSTRA report for the municipality, as a download (the HTML one too: it
    is a self-contained file whose inline scripts the site's policy would block, and it
    works offline once saved). A few are built at once (429 beyond: see create_app)."""
    from kostra.names import slug
    from kostra.outputs.report import build_report, render

    with request.app.state.reports.enter(client_of(request.scope)):
        report = build_report(session_of(request), code, year, group, formats=[fmt])
        content = render(report, fmt)
    name = f"kostra-{report.region_code}-{slug(report.municipality)}-{report.year}.{fmt}"
    return download(content, name)


@router.get("/kommune/{code}/{sector}", response_class=HTMLResponse)
def sector_page(
    request: Request,
    code: PathName,
    sector: PathName,
    year: Year = None,
    group: Group = "asss",
    compare: Names = None,
) -> HTMLResponse:
    session = session_of(request)
    peers = peers_of(compare)
    session.region(code)  # an unknown municipality is named before the sector
    result = session.analyse(code, service_area(session, sector).id, year, group, peers)
    charts = []
    for profile in result.sector.profiles:
        part = result.profile[result.profile["profile"] == profile.id]
        if len(part):
            charts.append(
                (
                    profile.name_nb,
                    profile_chart(part, result.municipality.short_name, result.group.name, result.peer_index),
                )
            )
    charts.append(("Utvikling", series_chart(result.series, result.profile)))
    return _page(
        "sector.html.j2",
        result=result,
        charts=charts,
        peers=peers,
        marks=ssb_marks(session, list(result.profile["indicator_id"]), result.year),
        ssb_note=explanation(result.year),
        groups=[g for g in session.groups.values() if g.kind in ("network", "kostra", "country")],
        demodata=result.demodata,
    )


@router.get("/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    indicator_id: IndicatorId,
    year: Year = None,
    highlight: Names = None,
) -> HTMLResponse:
    session = session_of(request)
    indicator = _indicator(session, indicator_id)
    year = session.resolve_year([indicator], year, indicator.name_nb)
    frame = session.observations([indicator.id], [year])
    names = session.regions.set_index("code")["name"]
    kinds = session.regions.set_index("code")["kind"]
    frame = frame[frame["region_code"].map(kinds) == "municipality"]
    marked = {session.region(h).code for h in highlighted(highlight)}
    rows = sorted(
        (
            {
                "code": r.region_code,
                "name": names.get(r.region_code, r.region_code),
                "value": r.value,
                "marked": r.region_code in marked,
            }
            for r in frame.itertuples()
        ),
        key=lambda r: (r["value"] != r["value"], -(r["value"] or 0)),
    )
    values = [
        {"verdi": float(r["value"]), "kommune": r["name"], "valgt": r["marked"]}
        for r in rows
        if r["value"] == r["value"]
    ]
    chart = {
        "$schema": SCHEMA,
        "width": 560,
        "height": 220,
        "data": {"values": values},
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "x": {"field": "verdi", "bin": {"maxbins": 30}, "title": indicator.unit},
                    "y": {"aggregate": "count", "title": "Antall kommuner"},
                },
            },
            {
                "transform": [{"filter": "datum.valgt"}],
                "mark": {"type": "rule", "color": "#d95f02"},
                "encoding": {"x": {"field": "verdi"}, "tooltip": [{"field": "kommune"}]},
            },
        ],
    }
    demodata = bool((frame["release_kind"] == "demodata").any())
    return _page(
        "indicator.html.j2",
        indicator=indicator,
        year=year,
        rows=rows,
        chart=chart,
        demodata=demodata,
        mark=ssb_marks(session, [indicator.id], year)[indicator.id],
        ssb_note=explanation(year),
    )


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
    sector_id = _ranked_sector(session, sektor)
    _, sectors = session.rank(year)
    when = (
        int(sectors["year"].iloc[0]) if len(sectors) else session.resolve_year(all_indicators(session), year)
    )
    demodata = bool(sectors.attrs.get("demodata", False))
    table = sectors[sectors["sector"] == sector_id].sort_values(["rank", "region"], na_position="last")
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
        kommune=kommune or "",
        demodata=demodata,
    )


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
    region = session.region(kommune)
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
