"""Server-rendered pages: start, municipality overview, sector, indicator, ranking.

The URL holds the state (municipality, sector, year, group, comparisons), so a
view can be bookmarked and shared. Templates only show what handlers computed.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, cast

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from kostra.formatting import format_nb
from kostra.outputs.report.charts import NB_LOCALE, profile_chart, series_chart
from kostra.outputs.web.api import Group, Name, Year, download, session_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PathName = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[\w æøåÆØÅ\-().'/]+$")]


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("kostra.outputs.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nb"] = format_nb
    return env


def _page(name: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env().get_template(name).render(locale=NB_LOCALE, **context))


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    session = session_of(request)
    municipalities = session.regions[
        (session.regions["kind"] == "municipality") & session.regions["valid_to"].isna()
    ].sort_values("name")
    sectors = [s for s in session.catalog.sectors.values() if not s.hidden]
    return _page("start.html.j2", municipalities=list(municipalities.itertuples()), sectors=sectors)


@router.get("/velg")
def choose(request: Request, kommune: Name, sektor: Name | None = None) -> Response:
    """The start page's form: find the municipality by name or number and go to its page."""
    region = session_of(request).region(kommune)
    target = f"/kommune/{region.code}" + (
        f"/{session_of(request).catalog.sector(sektor).id}" if sektor else ""
    )
    return RedirectResponse(target, status_code=303)


@router.get("/kommune/{code}", response_class=HTMLResponse)
def overview(request: Request, code: PathName, year: Year = None, group: Group = "asss") -> HTMLResponse:
    session = session_of(request)
    region = session.region(code)
    rows = []
    for sector in session.catalog.sectors.values():
        if sector.hidden:
            continue
        result = session.analyse(region.code, sector.id, year, group, ())
        profile = result.profile
        rows.append(
            {
                "sector": sector,
                "above": int((profile["index"] > 100.5).sum()),
                "below": int((profile["index"] < 99.5).sum()),
                "resource_use": result.resource_use_indicator,
                "summary": result.summary[:1],
                "flags": len(result.flags),
            }
        )
        year = result.year
    return _page("overview.html.j2", region=region, rows=rows, year=year, group=session.group(group))


@router.get("/kommune/{code}/rapport.{fmt}")
def full_report(
    request: Request,
    code: PathName,
    fmt: Annotated[str, Path(pattern="^(html|pdf|docx|xlsx)$")],
    year: Year = None,
    group: Group = "asss",
) -> Response:
    """The whole KOSTRA report for the municipality, as a download."""
    from kostra.names import slug
    from kostra.outputs.report import build_report, render

    report = build_report(session_of(request), code, year, group, formats=[fmt])
    name = f"kostra-{report.region_code}-{slug(report.municipality)}-{report.year}.{fmt}"
    return download(render(report, fmt), name, inline=fmt == "html")


@router.get("/kommune/{code}/{sector}", response_class=HTMLResponse)
def sector_page(
    request: Request,
    code: PathName,
    sector: PathName,
    year: Year = None,
    group: Group = "asss",
    compare: Annotated[list[str] | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    session = session_of(request)
    peers = tuple(p.strip() for c in compare or ["Asker"] for p in c.split(",") if p.strip())
    result = session.analyse(code, sector, year, group, peers)
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
        groups=[g for g in session.groups.values() if g.kind in ("network", "kostra", "country")],
    )


@router.get("/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    indicator_id: str,
    year: Year = None,
    highlight: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    session = session_of(request)
    indicator = session.catalog.indicator(indicator_id)
    year = year or session.latest_year([indicator])
    frame = session.observations([indicator.id], [year])
    names = session.regions.set_index("code")["name"]
    kinds = session.regions.set_index("code")["kind"]
    frame = frame[frame["region_code"].map(kinds) == "municipality"]
    marked = {session.region(h).code for h in highlight or []}
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
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
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
    return _page("indicator.html.j2", indicator=indicator, year=year, rows=rows, chart=chart)


@router.get("/rangering", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    year: Year = None,
    sektor: Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[\w\-]+$")] = "totalt",
    kommune: Name | None = None,
) -> HTMLResponse:
    """Kommunebarometer-style ranking of all municipalities, and one municipality's place
    figure by figure (KOSTRA.md method 6)."""
    session = session_of(request)
    sector_id = sektor if sektor == "totalt" else session.catalog.sector(sektor).id
    _, sectors = session.rank(year)
    table = sectors[sectors["sector"] == sector_id].sort_values(["rank", "region"], na_position="last")
    explanation = None
    if kommune:
        explanation = session.explain_rank(kommune, sector_id, year)
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
    ranking = session.catalog.ranking
    known = session.catalog.sectors
    sectors_available = [known[s] for s in (ranking.key_figures if ranking else {}) if s in known]
    return _page(
        "ranking.html.j2",
        rows=list(table.itertuples()),
        year=int(sectors["year"].iloc[0]),
        sector_id=sector_id,
        sector_name="Totalt" if sector_id == "totalt" else session.catalog.sectors[sector_id].name_nb,
        sectors=sectors_available,
        explanation=explanation,
        kommune=kommune or "",
    )
