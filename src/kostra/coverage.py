"""Where the catalog's figures come from, per service area, and how many are real.

Every catalog indicator has one origin (:attr:`kostra.catalog.Indicator.origin`): an SSB
table (``ssb``), a formula over other catalog figures (``formula``), a named provider such
as KS or a bundled file (``provider``), or none (``none``; the catalog refuses it). A
figure *rests on SSB* (``from_ssb``) when it is an SSB table's, SSB's population, or a
formula whose inputs all rest on SSB. :func:`origin_counts` counts them per service area
(every figure of the area: profile rows, counts and the basis figures of resource use,
need adjustment and DEA) from the catalog alone, and adds the basis figures once more as a
row of their own, ``ressursgrunnlag``, that is not part of the total. :func:`coverage`
adds, for one year, how many of each area's figures have real (non-demodata) values in the
store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kostra.catalog import Catalog, Indicator

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = ["BASIS_AREA", "ORIGINS", "area_of", "coverage", "origin_counts", "rests_on_ssb"]

ORIGINS: tuple[str, ...] = ("ssb", "formula", "provider", "none")
BASIS_AREA = "ressursgrunnlag"
_BASIS_NAME = "Herav grunnlagstall (ressursbruk, behov, DEA)"
_POPULATION = "befolkning"


def area_of(indicator: Indicator) -> str:
    """The coverage row an indicator counts in: its sector (population bands: ``befolkning``)."""
    return indicator.sector


def rests_on_ssb(catalog: Catalog, indicator_id: str, _seen: frozenset[str] = frozenset()) -> bool:
    """Whether the figure is SSB's: an SSB table, SSB's population (bundled from table
    07459), or a formula over such figures only."""
    ind = catalog.indicators[indicator_id]
    if ind.kind == "population" or ind.origin == "ssb":
        return True
    if ind.formula is None or indicator_id in _seen:
        return False
    return all(rests_on_ssb(catalog, ref, _seen | {indicator_id}) for ref in ind.formula.inputs)


def _areas(catalog: Catalog) -> dict[str, str]:
    """Row id -> name, in catalog order: the service areas, then population."""
    names = {s.id: s.name_nb for s in catalog.sectors.values() if not s.hidden}
    return names | {s.id: s.name_nb for s in catalog.sectors.values() if s.hidden}


def _row(catalog: Catalog, area: str, name: str, members: list[Indicator]) -> dict[str, object]:
    row: dict[str, object] = {"area": area, "area_name": name, "indicators": len(members)}
    row |= {origin: sum(i.origin == origin for i in members) for origin in ORIGINS}
    row["from_ssb"] = sum(rests_on_ssb(catalog, i.id) for i in members)
    return row


def origin_counts(catalog: Catalog) -> pd.DataFrame:
    """Per area: ``area``, ``area_name``, ``indicators``, one column per origin and
    ``from_ssb``; the last row, ``ressursgrunnlag``, repeats the basis figures (a subset
    of the areas' rows above it, not counted in a total)."""
    rows = []
    for area, name in _areas(catalog).items():
        members = [i for i in catalog.indicators.values() if area_of(i) == area]
        if members:
            rows.append(_row(catalog, area, name, members))
    basis = [i for i in catalog.indicators.values() if i.kind == "basis"]
    if basis:
        rows.append(_row(catalog, BASIS_AREA, _BASIS_NAME, basis))
    return pd.DataFrame(rows, columns=["area", "area_name", "indicators", *ORIGINS, "from_ssb"])


def coverage(session: Session, year: int | None = None) -> pd.DataFrame:
    """:func:`origin_counts` with ``year`` and ``real``: how many of the area's indicators
    have at least one real (SSB, published or imported, not demodata) figure for ``year``
    (the latest year with figures when None; a year outside the store's is refused)."""
    catalog = session.catalog
    indicators = list(catalog.indicators.values())
    when = session.resolve_year(indicators, year, "katalogdekning")
    figures = session.observations([i.id for i in indicators], [when])
    real: set[str] = set()
    if len(figures):
        kept = figures[(figures["release_kind"] != "demodata") & figures["value"].notna()]
        real = set(kept["indicator_id"])
    counts = origin_counts(catalog)
    by_area: dict[str, int] = {}
    for ind in indicators:
        if ind.id in real:
            by_area[area_of(ind)] = by_area.get(area_of(ind), 0) + 1
            if ind.kind == "basis":
                by_area[BASIS_AREA] = by_area.get(BASIS_AREA, 0) + 1
    counts.insert(2, "year", when)
    counts["real"] = [by_area.get(a, 0) for a in counts["area"]]
    return counts
