"""The map pages: a choropleth of Norway's 357 municipalities for an indicator, a service
area's resource use or the ranking's scores, in any year, one municipality outlined.

    /kart/indikator/{indicator}?year=2024&kommune=Bærum&group=asss
    /kart/ressursbruk/{service area}?year=2024&kommune=Bærum&group=asss
    /kart/rangering?year=2024&sektor=totalt&kommune=Bærum

The URL holds the state (year, municipality, group), so a map can be bookmarked; a
blank form field means "not chosen", as on the other pages. Under the map its figures as
a table (the text alternative), and the boundaries come from one shared, cached file
(:mod:`kostra.outputs.web.geo`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from kostra.api import Session
from kostra.errors import ParameterError
from kostra.outputs.web.api import all_indicators, service_area, session_of
from kostra.outputs.web.lookup import region_named
from kostra.outputs.web.map_views import MapView, indicator_map, ranking_map, resource_use_map
from kostra.outputs.web.pages import (
    DEFAULT_GROUP,
    GroupChoice,
    IndicatorId,
    OptionalName,
    PathName,
    SectorChoice,
    Year,
    _indicator,
    _page,
    _ranked_sector,
)
from kostra.outputs.web.query import check_query

__all__ = ["router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_query)])


def _chosen_code(session: Session, kommune: str | None) -> str | None:
    if kommune is None:
        return None
    region = region_named(session, kommune)
    if region.kind != "municipality":
        raise ParameterError(f"{region.name} er et fylke; kartet kan utheve én kommune")
    return region.code


def _groups(session: Session) -> list[Any]:
    return [g for g in session.groups.values() if g.kind in ("network", "kostra", "country")]


def _map_page(view: MapView, **context: Any) -> HTMLResponse:
    return _page(
        "map.html.j2",
        view=view,
        rows=view.rows,
        demodata=view.demodata,
        **context,
    )


@router.get("/kart/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_map_page(
    request: Request,
    indicator_id: IndicatorId,
    year: Year = None,
    kommune: OptionalName = None,
    group: GroupChoice = None,
) -> HTMLResponse:
    """One indicator for all municipalities, on the map."""
    session = session_of(request)
    indicator = _indicator(session, indicator_id)
    when = session.resolve_year([indicator], year, indicator.name_nb)
    chosen = _chosen_code(session, kommune)
    chosen_group = session.group(group or DEFAULT_GROUP)
    view = indicator_map(session, indicator, when, chosen, chosen_group)
    sector = session.catalog.sectors.get(indicator.sector)
    highlight = f"&highlight={chosen}" if chosen else ""
    return _map_page(
        view,
        action=f"/kart/indikator/{indicator.id}",
        group=chosen_group,
        groups=_groups(session),
        sector=sector if sector is not None and not sector.hidden else None,
        related=[("Fordeling og rangert tabell", f"/indikator/{indicator.id}?year={when}{highlight}")],
    )


@router.get("/kart/ressursbruk/{sector}", response_class=HTMLResponse)
def resource_use_map_page(
    request: Request,
    sector: PathName,
    year: Year = None,
    kommune: OptionalName = None,
    group: GroupChoice = None,
) -> HTMLResponse:
    """A service area's resource use indicator (the group's average = 1), on the map."""
    session = session_of(request)
    area = service_area(session, sector)
    chosen = _chosen_code(session, kommune)
    chosen_group = session.group(group or DEFAULT_GROUP)
    view = resource_use_map(session, area, year, chosen, chosen_group)
    related = []
    if chosen:
        related.append(
            (f"{view.chosen_name}: {area.name_nb.lower()}", f"/kommune/{chosen}/{area.id}?year={view.year}")
        )
    return _map_page(
        view,
        action=f"/kart/ressursbruk/{area.id}",
        group=chosen_group,
        groups=_groups(session),
        sector=area,
        related=related,
    )


@router.get("/kart/rangering", response_class=HTMLResponse)
def ranking_map_page(
    request: Request,
    year: Year = None,
    sektor: SectorChoice = None,
    kommune: OptionalName = None,
) -> HTMLResponse:
    """The ranking's scores (KOSTRA.md method 6), on the map."""
    session = session_of(request)
    sector_id = _ranked_sector(session, sektor)
    indicators = all_indicators(session)
    when = session.resolve_year(indicators, year)
    chosen = _chosen_code(session, kommune)
    _, scores = session.rank(when)
    if not len(scores):
        raise ParameterError(f"kostra har ingen rangering for {when}")
    view = ranking_map(session, sector_id, scores, session.year_span(indicators), chosen)
    known = session.catalog.sectors
    ranking = session.catalog.ranking
    sectors = [known[s] for s in (ranking.key_figures if ranking else {}) if s in known]
    chosen_query = f"&kommune={chosen}" if chosen else ""
    return _map_page(
        view,
        action="/kart/rangering",
        ranking_sectors=sectors,
        sector_id=sector_id,
        related=[("Rangeringen som tabell", f"/rangering?sektor={sector_id}&year={view.year}{chosen_query}")],
    )
