"""Where the catalog's figures come from, per service area, and how many are real.

Every catalog indicator has one origin (:attr:`kostra.catalog.Indicator.origin`): an SSB
table (``ssb``), a formula over other catalog figures (``formula``), a named provider such
as KS or a bundled file (``provider``), or none yet (``none``). :func:`origin_counts` counts
them per service area from the catalog alone; :func:`coverage` adds, for one year, how many
of each area's indicators have real (non-demodata) figures in the store.

The basis figures of resource use, need adjustment and DEA (``kind: basis``) are counted
as their own row, ``ressursgrunnlag``, and the population bands as ``befolkning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kostra.catalog import Catalog, Indicator

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = ["BASIS_AREA", "ORIGINS", "area_of", "coverage", "origin_counts"]

ORIGINS: tuple[str, ...] = ("ssb", "formula", "provider", "none")
BASIS_AREA = "ressursgrunnlag"
_BASIS_NAME = "Ressursgrunnlag (grunnlagstall)"


def area_of(indicator: Indicator) -> str:
    """The coverage row an indicator counts in: its sector, or ``ressursgrunnlag`` for a
    basis figure."""
    return BASIS_AREA if indicator.kind == "basis" else indicator.sector


def _areas(catalog: Catalog) -> dict[str, str]:
    """Row id -> name, in catalog order: the service areas, then the basis figures."""
    names = {s.id: s.name_nb for s in catalog.sectors.values() if not s.hidden}
    names |= {s.id: s.name_nb for s in catalog.sectors.values() if s.hidden}
    return names | {BASIS_AREA: _BASIS_NAME}


def origin_counts(catalog: Catalog) -> pd.DataFrame:
    """Per area: ``area``, ``area_name``, ``indicators`` and one column per origin."""
    rows = []
    for area, name in _areas(catalog).items():
        members = [i for i in catalog.indicators.values() if area_of(i) == area]
        if not members:
            continue
        row: dict[str, object] = {"area": area, "area_name": name, "indicators": len(members)}
        row |= {origin: sum(i.origin == origin for i in members) for origin in ORIGINS}
        rows.append(row)
    return pd.DataFrame(rows, columns=["area", "area_name", "indicators", *ORIGINS])


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
    counts.insert(2, "year", when)
    counts["real"] = [by_area.get(a, 0) for a in counts["area"]]
    return counts
