"""The web app's maps: what a map page (and the indicator page's map) shows for an
indicator, a service area's resource use or the ranking's scores in a year.

Each is a :class:`MapView`: the Vega-Lite spec of :func:`kostra.outputs.maps.choropleth_spec`
with the boundaries by URL (:mod:`kostra.outputs.web.geo`, one shared file) and a click
opening the municipality's page in the same year; the rows of the same figures as a table
(the map's text alternative); the years to pick from; and whether figures are DEMODATA.
Older years are drawn on the 2024 borders through the succession (the map says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kostra.analysis.land import Land
from kostra.analysis.resource_use import compute_resource_use
from kostra.api import GroupChoice, Session
from kostra.catalog import Indicator, Sector
from kostra.errors import ParameterError
from kostra.formatting import format_nb, is_missing
from kostra.outputs.maps import choropleth_spec, on_2024_borders
from kostra.outputs.web import geo

__all__ = ["LINK", "MapView", "indicator_map", "ranking_map", "resource_use_map", "today_code"]

LINK = "/kommune/"  # + number + ?year=: the municipality's overview in the map's year
WIDTH, HEIGHT = 480, 590
NOT_RANKED = "Ikke rangert: tall for under 60 prosent av nøkkeltallene."


@dataclass(frozen=True)
class MapView:
    title: str  # what the map shows, without the year
    year: int
    years: list[int]  # the years a reader can pick, newest first
    spec: dict[str, Any]
    caption: str
    value_title: str  # the table's value column
    chosen: str | None  # the outlined municipality (2024 number), if any
    chosen_name: str | None
    demodata: bool

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The map's figures as table rows: the highest first, those without a figure
        last by name (each row: kode, kommune, tekst, plass, merknad)."""
        values: list[dict[str, Any]] = self.spec["data"]["values"]
        present = sorted(
            (r for r in values if r["verdi"] is not None), key=lambda r: (-r["verdi"], r["kommune"])
        )
        absent = sorted((r for r in values if r["verdi"] is None), key=lambda r: r["kommune"])
        return present + absent


def today_code(session: Session, code: str) -> str:
    """The 2024 number of a municipality's land (the map's shapes): old numbers through the
    succession; a number the map has no shape for comes back as it is."""
    return Land(session.succession, session.regions).mapping.get(code, code)


def _years(first: int, last: int) -> list[int]:
    return list(range(last, first - 1, -1))


def _is_municipality(session: Session, frame: pd.DataFrame) -> pd.Series:
    kinds = session.regions.drop_duplicates("code").set_index("code")["kind"]
    return frame["region_code"].map(kinds) == "municipality"


def _chosen(session: Session, code: str | None) -> tuple[str | None, str | None]:
    if code is None:
        return None, None
    today = today_code(session, code)
    return today, session.region(code).short_name


def _spec(
    session: Session,
    rows: pd.DataFrame,
    year: int,
    chosen: str | None,
    **options: Any,
) -> dict[str, Any]:
    return choropleth_spec(
        rows,
        year=year,
        chosen=chosen,
        geo_url=geo.url(),
        link=LINK,
        link_end=f"?year={year}",
        # larger than the report's (a page has the room); app.css scales it down on a phone
        width=WIDTH,
        height=HEIGHT,
        **options,
    )


def _outlined(name: str | None) -> str:
    return f" {name} er tegnet med svart kant." if name else ""


def _older(year: int) -> str:
    return " Tegnet på 2024-grensene: tallene er lagt på dagens kommuner." if year < 2024 else ""


def indicator_map(
    session: Session, indicator: Indicator, year: int, chosen: str | None, group: GroupChoice
) -> MapView:
    """Every municipality's value of ``indicator`` in ``year`` (resolved already); the
    tooltip gives ``group``'s average (the chosen municipality left out where the group
    leaves out the municipality analysed)."""
    frame = session.observations([indicator.id], [year])
    frame = frame[_is_municipality(session, frame)]
    rows = on_2024_borders(frame[["region_code", "value"]], year, session.succession, session.regions)
    stats = session.group_stats([indicator], [year], group.definition, (chosen,) if chosen else ())
    averages = stats.loc[(stats["indicator_id"] == indicator.id) & (stats["year"] == year), "average"]
    average = float(averages.iloc[0]) if len(averages) else math.nan
    today, name = _chosen(session, chosen)
    unit = indicator.unit[:1].upper() + indicator.unit[1:]
    spec = _spec(
        session,
        rows,
        year,
        today,
        value_title=unit,
        decimals=indicator.decimals,
        group_name=group.name,
        group_average=None if is_missing(average) else average,
    )
    first, last = session.year_span([indicator])
    caption = (
        f"{indicator.name_nb} i alle kommuner, {year} ({indicator.unit}). Mørkere farge: høyere verdi; "
        f"grått: mangler tall.{_outlined(name)}{_older(year)}"
    )
    return MapView(
        title=indicator.name_nb,
        year=year,
        years=_years(first, last),
        spec=spec,
        caption=caption,
        value_title=unit,
        chosen=today,
        chosen_name=name,
        demodata=bool((frame["release_kind"] == "demodata").any()),
    )


def resource_use_map(
    session: Session, sector: Sector, year: int | None, chosen: str | None, group: GroupChoice
) -> MapView:
    """The resource use indicator of ``sector`` for every municipality (KOSTRA.md method 3:
    ``r`` over the unweighted mean of ``group``'s members = 1), computed as the sector
    analysis computes it (:func:`kostra.analysis.resource_use.compute_resource_use` over
    the same figures and members)."""
    economics = session.catalog.economics.get(sector.id)
    if economics is None:
        having = [s for s in session.catalog.economics if s in session.catalog.sectors]
        raise ParameterError(
            f"{sector.name_nb} har ingen ressursbruksindikator; velg ett av: {', '.join(having)}"
        )
    ids = [economics.net_expenditure, economics.need_index]
    ids += [economics.depreciation] if economics.depreciation else []
    indicators = [session.catalog.indicators[i] for i in ids]
    when = session.resolve_year(indicators, year, f"ressursbruk i {sector.name_nb.lower()}")
    obs = session.observations(ids, [when])

    def by_region(indicator_id: str) -> pd.Series:
        part = obs[obs["indicator_id"] == indicator_id]
        return pd.Series(
            part["value"].to_numpy(), index=pd.Index(part["region_code"], name="region_code"), name="value"
        )

    members = session.members(group.id, when, chosen)
    table = compute_resource_use(
        by_region(economics.net_expenditure),
        by_region(economics.need_index),
        members,
        by_region(economics.depreciation) if economics.depreciation else None,
    )
    table = table[_is_municipality(session, table)]
    values = table[["region_code", "indicator"]].rename(columns={"indicator": "value"})
    rows = on_2024_borders(values, when, session.succession, session.regions)
    today, name = _chosen(session, chosen)
    spec = _spec(
        session,
        rows,
        when,
        today,
        value_title="Ressursbruk",
        decimals=3,
        group_name=group.name,
        group_average=1.0,
        scheme="blueorange",
        mid=1.0,
    )
    first, last = session.year_span(indicators)
    caption = (
        f"Ressursbruk i {sector.name_nb.lower()} i alle kommuner, {when} ({group.name} = 1; oransje: "
        f"mer ressurser enn snittet, blå: mindre; grått: mangler tall).{_outlined(name)} Kostras "
        f"beregning etter KS' metode.{_older(when)}"
    )
    return MapView(
        title=f"Ressursbruk i {sector.name_nb.lower()}",
        year=when,
        years=_years(first, last),
        spec=spec,
        caption=caption,
        value_title="Ressursbruk",
        chosen=today,
        chosen_name=name,
        demodata=bool((obs["release_kind"] == "demodata").any()),
    )


def ranking_map(
    session: Session, sector_id: str, scores: pd.DataFrame, years: tuple[int, int], chosen: str | None
) -> MapView:
    """The ranking's scores (1–6, KOSTRA.md method 6) of ``sector_id`` ("totalt" or a
    ranked service area) from ``scores`` (:meth:`Session.rank`'s second table); the
    unranked (too few key figures) without a figure, saying why."""
    part = scores[scores["sector"] == sector_id]
    year = int(part["year"].iloc[0]) if len(part) else int(scores["year"].iloc[0])
    ranked = part["ranked"].astype(bool)
    values = pd.DataFrame({"region_code": part["region_code"], "value": part["score"].where(ranked)})
    rows = on_2024_borders(values, year, session.succession, session.regions)
    land = Land(session.succession, session.regions)
    unranked = {land.mapping.get(c, c) for c in part.loc[~ranked, "region_code"]}
    rows.loc[rows["region_code"].isin(unranked) & (rows["note"] == ""), "note"] = NOT_RANKED
    mean = float(part.loc[ranked, "score"].mean()) if ranked.any() else math.nan
    today, name = _chosen(session, chosen)
    sector_name = (
        "Totalt" if sector_id == "totalt" else str(part["sector_name"].iloc[0]) if len(part) else sector_id
    )
    spec = _spec(
        session,
        rows,
        year,
        today,
        value_title="Poeng",
        decimals=2,
        group_name="landet",
        group_average=None if is_missing(mean) else mean,
        scheme="purplegreen",
        mid=3.5,
    )
    caption = (
        f"Poeng i rangeringen, {sector_name.lower()}, {year}: 1–6, 3,5 ved landssnittet "
        f"(grønn: bedre, lilla: svakere; snittet av de rangerte kommunenes poeng er "
        f"{format_nb(mean, 2)}). Grått: mangler tall eller ikke rangert.{_outlined(name)}{_older(year)}"
    )
    return MapView(
        title=f"Rangering: {sector_name}",
        year=year,
        years=_years(*years),
        spec=spec,
        caption=caption,
        value_title="Poeng",
        chosen=today,
        chosen_name=name,
        demodata=bool(scores.attrs.get("demodata", False)),
    )
