"""All municipalities compared at once: the Kommunebarometer-style ranking, DEA
efficiency and the most similar municipalities.

Each function gathers its figures from a :class:`~kostra.api.Session` (which
offers them as methods) and runs the pure methods in :mod:`kostra.analysis`:
:mod:`~kostra.analysis.ranking`, :mod:`~kostra.analysis.dea` and
:mod:`~kostra.analysis.similar`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from kostra.analysis.ranking import KeyFigure, compute_ranking
from kostra.analysis.similar import compute_similar
from kostra.errors import ConfigError

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = ["dea", "explain_rank", "rank", "similar"]


def _today(session: Session) -> frozenset[str]:
    """Today's municipalities: the ones compared (figures on old borders are filed under them)."""
    return frozenset(session.municipalities())


def rank(
    session: Session, year: int | None = None, rule: Literal["average", "percentile"] = "average"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kommunebarometer-style ranking of all municipalities (KOSTRA.md method 6):
    (key figures with scores and contributions, sector and total scores with ranks)."""
    ranking = session.catalog.ranking
    if ranking is None:
        raise ConfigError("the catalog has no ranking.yaml")
    figures = {
        s: [KeyFigure(f.indicator, f.direction, f.weight) for f in fs]
        for s, fs in ranking.key_figures.items()
    }
    ids = sorted({f.indicator for fs in figures.values() for f in fs})
    when = year if year is not None else session.latest_year([session.catalog.indicators[i] for i in ids])
    key = ("rank", when, rule)
    if key not in session.cached:
        obs = session.observations(ids, [when])
        obs = obs[obs["region_code"].isin(_today(session))]
        session.cached[key] = compute_ranking(obs, figures, ranking.sector_weights, rule)
    result = cast(tuple[pd.DataFrame, pd.DataFrame], session.cached[key])
    names = session.regions.set_index("code")["name"]
    figures_frame, sectors = result
    return (
        figures_frame.assign(region=figures_frame["region_code"].map(names), year=when),
        sectors.assign(region=sectors["region_code"].map(names), year=when),
    )


def explain_rank(
    session: Session, municipality: str, sector: str = "totalt", year: int | None = None
) -> dict[str, object]:
    """One municipality's placement in a sector: each key figure's value, score and
    contribution, and the change in rank since last year."""
    region = session.region(municipality)
    sector_id = sector if sector == "totalt" else session.catalog.sector(sector).id
    figures, sectors = rank(session, year)
    when = int(sectors["year"].iloc[0])
    mine = sectors[(sectors["region_code"] == region.code) & (sectors["sector"] == sector_id)]
    _, before = rank(session, when - 1)
    earlier = before[(before["region_code"] == region.code) & (before["sector"] == sector_id)]
    detail = figures[
        (figures["region_code"] == region.code) & ((figures["sector"] == sector_id) | (sector_id == "totalt"))
    ]
    place = mine["rank"].iloc[0] if len(mine) else None
    previous = earlier["rank"].iloc[0] if len(earlier) else None
    return {
        "municipality": region.short_name,
        "sector": sector_id,
        "year": when,
        "score": float(mine["score"].iloc[0]) if len(mine) else float("nan"),
        "rank": None if place is None or pd.isna(place) else int(place),
        "previous_rank": None if previous is None or pd.isna(previous) else int(previous),
        "of": int(sectors[(sectors["sector"] == sector_id) & sectors["ranked"]].shape[0]),
        "figures": detail.sort_values("contribution", ascending=False),
    }


def dea(session: Session, sector: str, year: int | None = None) -> pd.DataFrame:
    """DEA efficiency (input-oriented, variable returns to scale) for all municipalities:
    input = need-adjusted gross expenditure per inhabitant, outputs = the sector's
    production indicators (catalog)."""
    from kostra.analysis.dea import compute_dea  # imports scipy.optimize: half a second

    sector_def = session.catalog.sector(sector)
    economics = session.catalog.sector_economics(sector_def)
    outputs = [p.indicator for p in economics.production]
    if not outputs:
        raise ConfigError(f"sector {sector_def.id} has no production indicators for DEA")
    ids = [economics.gross_expenditure, economics.need_index, *outputs]
    when = year if year is not None else session.latest_year([session.catalog.indicators[i] for i in ids])
    obs = session.observations(ids, [when])
    wide = obs[obs["region_code"].isin(_today(session))].pivot_table(
        index="region_code", columns="indicator_id", values="value", aggfunc="first"
    )
    inputs = (wide[economics.gross_expenditure] / wide[economics.need_index]).rename("input").to_frame()
    result = compute_dea(inputs, wide.reindex(columns=outputs))
    names = session.regions.set_index("code")["name"]
    return (
        result.assign(region=result["region_code"].map(names), year=when)
        .sort_values("efficiency", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def similar(session: Session, municipality: str, count: int = 10, year: int | None = None) -> pd.DataFrame:
    """The municipalities most like this one on population, age structure, free income
    and expenditure need (z-scored, Euclidean)."""
    region = session.region(municipality)
    needs = [e.need_index for e in session.catalog.economics.values()]
    ids = ["pop_total", "pop_0_17", "pop_67p", "pop_80p", "okonomi_frie_inntekter_per_innb", *needs]
    when = year if year is not None else session.latest_year([session.catalog.indicators["pop_total"]])
    wide = session.observations(ids, [when]).pivot_table(
        index="region_code", columns="indicator_id", values="value", aggfunc="first"
    )
    wide = wide[wide.index.isin(_today(session))]
    criteria = pd.DataFrame(
        {
            "population": np.log(wide["pop_total"]),
            "share_0_17": wide["pop_0_17"] / wide["pop_total"],
            "share_67p": wide["pop_67p"] / wide["pop_total"],
            "share_80p": wide["pop_80p"] / wide["pop_total"],
            "free_income": wide["okonomi_frie_inntekter_per_innb"],
            "need": wide.reindex(columns=needs).mean(axis=1),
        }
    )
    found = compute_similar(criteria, region.code, count)
    names = session.regions.set_index("code")["name"]
    return found.assign(region=found["region_code"].map(names))
