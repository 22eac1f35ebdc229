"""All municipalities compared at once: the Kommunebarometer-style ranking, DEA
efficiency and the most similar municipalities.

Each function gathers its figures from a :class:`~kostra.api.Session` (which
offers them as methods) and runs the pure methods in :mod:`kostra.analysis`:
:mod:`~kostra.analysis.ranking`, :mod:`~kostra.analysis.dea` and
:mod:`~kostra.analysis.similar`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from kostra.analysis.ranking import KeyFigure, compute_ranking
from kostra.analysis.regions import require_municipality
from kostra.analysis.similar import compute_similar
from kostra.errors import ConfigError, InputError, ParameterError, YearNotAvailable

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = ["dea", "explain_rank", "explain_ranks", "rank", "ranked_sector", "similar"]


def rank(
    session: Session, year: int | None = None, rule: Literal["average", "percentile"] = "average"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kommunebarometer-style ranking of all municipalities (KOSTRA.md method 6):
    (key figures with scores and contributions, sector and total scores with ranks)."""
    figures_frame, sectors = _ranked(session, year, rule)
    return figures_frame.copy(), sectors.copy()  # the caller's to change


def _ranked(
    session: Session, year: int | None, rule: Literal["average", "percentile"] = "average"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`rank` as the session keeps it (not to be changed): named once per session and
    year, since a report asks for each sector's placement this year and last, and a batch
    of reports asks again for every municipality."""
    ranking = session.catalog.ranking
    if ranking is None:
        raise ConfigError("katalogen har ingen rangering (ranking.yaml mangler)")
    figures = {
        s: [KeyFigure(f.indicator, f.direction, f.weight) for f in fs]
        for s, fs in ranking.key_figures.items()
    }
    ids = sorted({f.indicator for fs in figures.values() for f in fs})
    when = session.resolve_year([session.catalog.indicators[i] for i in ids], year, "rangeringen")
    return cast(
        tuple[pd.DataFrame, pd.DataFrame],
        session.cached.fill(
            ("rank_named", when, rule), lambda: _named_ranking(session, ids, figures, when, rule)
        ),
    )


def _named_ranking(
    session: Session,
    ids: list[str],
    figures: dict[str, list[KeyFigure]],
    when: int,
    rule: Literal["average", "percentile"],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ranking = session.catalog.ranking
    assert ranking is not None
    key = ("rank", when, rule)

    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        obs = session.observations(ids, [when])
        obs = obs[obs["region_code"].isin(session.municipalities())]
        return compute_ranking(obs, figures, ranking.sector_weights, rule)

    result = cast(tuple[pd.DataFrame, pd.DataFrame], session.cached.fill(key, compute))
    names = session.regions.set_index("code")["name"]
    sector_names = {"totalt": "Totalt", **{s.id: s.name_nb for s in session.catalog.sectors.values()}}
    indicator_names = {i: session.catalog.indicators[i].name_nb for i in ids}
    figures_frame, sectors = result
    figures_frame = figures_frame.assign(
        region=figures_frame["region_code"].map(names),
        year=when,
        indicator=figures_frame["indicator_id"].map(indicator_names),
        sector_name=figures_frame["sector"].map(sector_names),
    )
    sectors = sectors.assign(
        region=sectors["region_code"].map(names), year=when, sector_name=sectors["sector"].map(sector_names)
    )
    demodata = session.uses_demodata(ids, [when])
    figures_frame.attrs["demodata"] = sectors.attrs["demodata"] = demodata
    return figures_frame, sectors


def ranked_sector(session: Session, sector: str | None) -> str:
    """``"totalt"`` for no sector (or "totalt"), else the id of a service area the ranking
    covers; a service area without key figures is refused, naming those that have them."""
    if sector is None or sector == "totalt":
        return "totalt"
    found = session.service_area(sector).id
    ranking = session.catalog.ranking
    covered = list(ranking.key_figures) if ranking else []
    if found not in covered:
        raise ParameterError(
            f"{found} har ingen nøkkeltall i rangeringen; velg ett av: {', '.join(covered)} (eller totalt)"
        )
    return found


def explain_rank(
    session: Session, municipality: str, sector: str = "totalt", year: int | None = None
) -> dict[str, object]:
    """One municipality's placement in a sector: each key figure's value, score and
    contribution, and the change in rank since last year."""
    return explain_ranks(session, municipality, [sector], year)[0]


def explain_ranks(
    session: Session, municipality: str, sectors: Sequence[str], year: int | None = None
) -> list[dict[str, object]]:
    """:func:`explain_rank` for each of ``sectors``, from one look at the ranking (a report
    shows every sector's placement)."""
    region = require_municipality(session.region(municipality), "rangeringen")
    sector_ids = [ranked_sector(session, s) for s in sectors]
    figures, ranked = rank(session, year)
    when = int(ranked["year"].iloc[0])
    try:
        _, before = rank(session, when - 1)
    except YearNotAvailable:  # the first year with figures has no previous rank
        before = ranked.iloc[:0]
    # The region's rows first: the same rows, in the same order, as filtering by both at once.
    own = ranked[ranked["region_code"] == region.code]
    own_before = before[before["region_code"] == region.code]
    own_figures = figures[figures["region_code"] == region.code]
    counts = _counted(ranked)
    found = []
    for sector_id in sector_ids:
        mine = own[own["sector"] == sector_id]
        earlier = own_before[own_before["sector"] == sector_id]
        detail = own_figures[(own_figures["sector"] == sector_id) | (sector_id == "totalt")]
        place = mine["rank"].iloc[0] if len(mine) else None
        previous = earlier["rank"].iloc[0] if len(earlier) else None
        found.append(
            {
                "municipality": region.short_name,
                "sector": sector_id,
                "sector_name": "Totalt"
                if sector_id == "totalt"
                else session.catalog.sectors[sector_id].name_nb,
                "demodata": bool(ranked.attrs.get("demodata", False)),
                "year": when,
                "score": float(mine["score"].iloc[0]) if len(mine) else float("nan"),
                "rank": None if place is None or pd.isna(place) else int(place),
                "previous_rank": None if previous is None or pd.isna(previous) else int(previous),
                "of": counts.get(sector_id, 0),
                "figures": detail.sort_values("contribution", ascending=False),
            }
        )
    return found


def _counted(ranked: pd.DataFrame) -> dict[str, int]:
    """The number of ranked municipalities per sector: one count over the frame, where a
    filter per sector cost a report more than the rest of its explanation."""
    if ranked["ranked"].dtype == np.dtype(bool):
        return dict(Counter(ranked.loc[ranked["ranked"].to_numpy(), "sector"].tolist()))
    return {
        str(s): int(ranked[(ranked["sector"] == s) & ranked["ranked"]].shape[0])
        for s in dict.fromkeys(ranked["sector"].tolist())
    }


def dea(session: Session, sector: str, year: int | None = None) -> pd.DataFrame:
    """DEA efficiency (input-oriented, variable returns to scale) for all municipalities:
    input = need-adjusted gross expenditure per inhabitant, outputs = the sector's
    production indicators (catalog)."""
    from kostra.analysis.dea import compute_dea  # imports scipy.optimize: half a second

    sector_def = session.service_area(sector)
    with_dea = [s for s, e in session.catalog.economics.items() if e.production]
    if sector_def.id not in with_dea:
        raise ParameterError(
            f"{sector_def.id} har ingen produksjonsindikatorer for DEA; velg ett av: {', '.join(with_dea)}"
        )
    economics = session.catalog.sector_economics(sector_def)
    outputs = [p.indicator for p in economics.production]
    ids = [economics.gross_expenditure, economics.need_index, *outputs]
    indicators = [session.catalog.indicators[i] for i in ids]
    when = session.resolve_year(indicators, year, sector_def.name_nb.lower())
    obs = session.observations(ids, [when])
    today = session.municipalities()
    wide = (
        obs[obs["region_code"].isin(today)]
        .pivot_table(index="region_code", columns="indicator_id", values="value", aggfunc="first")
        .reindex(index=today, columns=ids)
    )
    inputs = (wide[economics.gross_expenditure] / wide[economics.need_index]).rename("input").to_frame()
    result = compute_dea(inputs, wide.reindex(columns=outputs)).assign(missing="")
    # A municipality without every figure cannot be placed; say which figures it lacks.
    lacking = wide.isna()
    left_out = [
        (code, ", ".join(session.catalog.indicators[i].name_nb for i in ids if lacking.at[code, i]))
        for code in today
        if code not in set(result["region_code"])
    ]
    result = pd.concat(
        [result, pd.DataFrame(left_out, columns=["region_code", "missing"])], ignore_index=True
    )
    names = session.regions.set_index("code")["name"]
    result = (
        result.assign(region=result["region_code"].map(names), year=when)
        .sort_values("efficiency", ascending=False, kind="stable", na_position="last")
        .reset_index(drop=True)
    )
    result.attrs.update(sector=sector_def.id, demodata=session.uses_demodata(ids, [when]))
    return result


def similar(session: Session, municipality: str, count: int = 10, year: int | None = None) -> pd.DataFrame:
    """The municipalities most like this one on population, age structure, free income
    and expenditure need (z-scored, Euclidean)."""
    region = require_municipality(session.region(municipality), "likhetssøket")
    needs = [e.need_index for e in session.catalog.economics.values()]
    ids = ["pop_total", "pop_0_17", "pop_67p", "pop_80p", "okonomi_frie_inntekter_per_innb", *needs]
    when = session.resolve_year([session.catalog.indicators["pop_total"]], year, "folketall")
    wide = (
        session.observations(ids, [when])
        .pivot_table(index="region_code", columns="indicator_id", values="value", aggfunc="first")
        .reindex(index=session.municipalities(), columns=ids)
    )
    lacking = [session.catalog.indicators[i].name_nb for i in ids if pd.isna(wide.at[region.code, i])]
    if lacking:
        raise InputError(
            f"{region.short_name} mangler tall for {when} som likhet måles på: {', '.join(lacking)}"
        )
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
    found = found.assign(region=found["region_code"].map(names))
    found.attrs.update(year=when, demodata=session.uses_demodata(ids, [when]))
    return found
