"""The municipality overview: every service area at a glance, shown rather than told.

Per service area a small service-profile chart (each indicator's index, group = 100),
the resource use indicator, how many indicators are over and under the group average,
and the analysis's first sentence; the year and the comparison group are chosen in a
form whose choices stay in the URL. Everything comes from :meth:`Session.analyse`, the
same result the sector page shows in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kostra.api import Session
from kostra.catalog import Sector
from kostra.errors import KostraError, YearNotAvailable
from kostra.formatting import format_nb, is_missing

__all__ = [
    "ABOVE",
    "BELOW",
    "GroupOption",
    "common_domain",
    "group_options",
    "overview_context",
    "small_profile",
]

ABOVE = 100.5  # an index over this is over the group average (it shows as 101 or more)
BELOW = 99.5  # under this, under it (99 or less)
OVER_COLOUR = "#1f5f8b"
UNDER_COLOUR = "#d95f02"
AVERAGE = "#b2182b"
LOWEST, HIGHEST = 50.0, 200.0  # the overview's x scale at most (common_domain)

# The group picker's sections, in this order, by the group's kind.
SECTIONS = {
    "network": "Nettverk",
    "kostra": "KOSTRA-grupper",
    "county": "Fylker",
    "country": "Landet",
    "user": "Egne grupper",
}


@dataclass(frozen=True)
class GroupOption:
    id: str
    name: str


def group_options(session: Session, code: str, year: int) -> list[tuple[str, list[GroupOption]]]:
    """The groups to compare with, in sections (ASSS, KOSTRA groups, counties, the
    country, the user's own); the KOSTRA group and county the municipality is in are
    named as its own."""
    sections: dict[str, list[GroupOption]] = {kind: [] for kind in SECTIONS}
    for group in session.groups.values():
        if group.kind not in sections:
            continue
        name = group.name_nb
        if group.kind in ("kostra", "county"):
            try:
                own = code in session.members(group.id, year)
            except KostraError:  # a group without members that year is simply not "own"
                own = False
            if own:
                name += " (kommunens egen)"
        sections[group.kind].append(GroupOption(group.id, name))
    return [(SECTIONS[kind], options) for kind, options in sections.items() if options]


def common_domain(indices: Any) -> list[float]:
    """One x scale for every card of the page, so a long bar means the same everywhere:
    from the lowest to the highest index (100 always in), held within 50–200 (a bar
    beyond is cut at the edge; its tooltip has the number)."""
    values = [float(v) for v in indices if v == v]
    low = min([*values, 100.0])
    high = max([*values, 100.0])
    return [max(low, LOWEST), min(high, HIGHEST)]


def small_profile(profile: Any, own: str, group: str, domain: list[float] | None = None) -> dict[str, Any]:
    """A small service-profile chart: a bar per indicator from 100 to its index, blue
    over and orange under the group average, the group's 100 as a line; ``domain`` is
    the x scale's (:func:`common_domain`). The indicator's
    name and index are in the tooltip; the page's table and the sector page have them
    as text."""
    rows = []
    for row in profile.itertuples():
        index = float(row.index)
        if index != index:  # missing: no bar
            continue
        side = "over" if index > ABOVE else "under" if index < BELOW else "på"
        rows.append({"indikator": str(row.indicator), "indeks": round(index, 1), "side": side, "null": 100})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": max(len(rows), 3) * 7,  # fixed: a step height with a container width warns
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "bar", "height": {"band": 0.8}},
                "encoding": {
                    "y": {"field": "indikator", "type": "nominal", "sort": None, "axis": None},
                    "x": {
                        "field": "indeks",
                        "type": "quantitative",
                        "title": f"Indeks ({group} = 100)",
                        "scale": (
                            {"domain": domain, "clamp": True, "nice": False} if domain else {"zero": False}
                        ),
                    },
                    "x2": {"field": "null"},
                    "color": {
                        "field": "side",
                        "type": "nominal",
                        "scale": {
                            "domain": ["over", "på", "under"],
                            "range": [OVER_COLOUR, "#6b6b6b", UNDER_COLOUR],
                        },
                        "legend": None,  # the HTML legend under the charts
                    },
                    "tooltip": [
                        {"field": "indikator", "title": "Indikator"},
                        {"field": "indeks", "format": ",.0f", "title": own},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": AVERAGE, "strokeWidth": 1.5},
                "encoding": {"x": {"datum": 100}},
            },
        ],
        "config": {
            "font": "DejaVu Sans, Arial, sans-serif",
            "aria": False,  # the element is role="img" with a text alternative
            "view": {"stroke": None},
            "axis": {
                "labelFontSize": 10,
                "titleFontSize": 10,
                "labelColor": "#1d1d1b",
                "titleColor": "#1d1d1b",
            },
        },
    }


def _row(session: Session, code: str, sector: Sector, year: int, group: str) -> dict[str, Any]:
    """One service area's card; a service area without figures for the year says so
    instead of failing the whole page."""
    try:
        result = session.analyse(code, sector.id, year, group, ())
    except YearNotAvailable as exc:
        return {"sector": sector, "missing": str(exc), "demodata": False}
    profile = result.profile
    above = int((profile["index"] > ABOVE).sum())
    below = int((profile["index"] < BELOW).sum())
    shown = int(profile["index"].notna().sum())
    name = result.group.name
    return {
        "sector": sector,
        "above": above,
        "below": below,
        "shown": shown,
        "resource_use": result.resource_use_indicator,
        "summary": result.summary[:1],
        "flags": len(result.flags),
        "demodata": result.demodata,
        "profile": profile,
        "alt": (
            f"Tjenesteprofil for {sector.name_nb.lower()}: {above} av {shown} indikatorer over og "
            f"{below} under snittet for {name}"
            + (
                f"; ressursbruksindikator {format_nb(result.resource_use_indicator, 3)}"
                if not is_missing(result.resource_use_indicator)
                else ""
            )
            + ". Indeksen for hver indikator står på siden for tjenesteområdet."
        ),
    }


def overview_context(session: Session, code: str, year: int | None, group: str) -> dict[str, Any]:
    """What the overview template shows for the municipality ``code``."""
    region = session.region(code)
    chosen = session.group(group)
    sectors = [s for s in session.catalog.sectors.values() if not s.hidden]
    everything = [i for s in sectors for i in session.catalog.indicators_of(s.id)]
    when = session.resolve_year(everything, year, "tjenesteområdene")
    first, last = session.year_span(everything)
    rows = [_row(session, region.code, sector, when, chosen.id) for sector in sectors]
    drawn = [r for r in rows if "profile" in r]
    domain = common_domain(v for r in drawn for v in r["profile"]["index"])
    for row in drawn:
        row["chart"] = small_profile(row.pop("profile"), region.short_name, chosen.name, domain)
    return {
        "region": region,
        "rows": rows,
        "year": when,
        "years": list(range(last, first - 1, -1)),
        "group": chosen,
        "groups": group_options(session, region.code, when),
        "demodata": any(r["demodata"] for r in rows),
    }
