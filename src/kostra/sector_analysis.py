"""One service area for one municipality, analysed the way the annual report needs it.

:func:`analyse_sector` gathers the figures from a :class:`~kostra.api.Session`
and runs the pure methods of :mod:`kostra.analysis`: the profile tables with
ranks, time series against peers and groups, resource use, need-adjusted
spending and mer-/mindreutgift, production/cost/efficiency over the years, the
data-quality flags, and the commentary. Nothing here formats output.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from kostra.analysis.commentary import (
    GroupWords,
    efficiency_sentence,
    group_words,
    indicator_sentences,
    need_adjusted_sentence,
    resource_use_sentence,
)
from kostra.analysis.deflate import deflated_span, price_factors
from kostra.analysis.efficiency import compute_efficiency
from kostra.analysis.group_average import compute_ranks, member_values
from kostra.analysis.mergers import (
    BACK_COLUMNS,
    GAP_COLUMNS,
    BackSeries,
    Merger,
    back_series,
    combinations,
    figures_needed,
    mergers_of,
)
from kostra.analysis.quality import (
    Flag,
    flag_extremes,
    flag_jumps,
    flag_mergers,
    flag_revisions,
    flag_thin_groups,
    flag_unweighted_members,
)
from kostra.analysis.regions import Region, require_municipality
from kostra.analysis.resource_use import compute_need_adjusted, compute_resource_use
from kostra.analysis.service_profile import PROFILE_YEARS, compute_profile, value_column
from kostra.analysis.time_series import compute_series
from kostra.catalog import Indicator, Sector, SectorEconomics
from kostra.errors import ParameterError, YearNotAvailable

if TYPE_CHECKING:
    from kostra.api import GroupChoice, Session

__all__ = ["SectorAnalysis", "analyse_sector"]

SERIES_YEARS = 5


@dataclass
class SectorAnalysis:
    municipality: Region
    sector: Sector
    year: int
    group: GroupChoice
    peers: list[Region]
    profile: pd.DataFrame
    series: pd.DataFrame
    comments: dict[str, list[str]]
    summary: list[str]
    flags: list[Flag]
    resource_use: pd.DataFrame | None = None
    need_adjusted: dict[str, float] = field(default_factory=dict)
    efficiency: pd.DataFrame | None = None
    fixed_prices: bool = False
    need_adjusted_series: bool = False
    peer_index: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicator_id, peer, value, index
    resource_use_indicator: float = float("nan")  # KS' published figure where the catalog has it
    years: list[int] = field(default_factory=list)  # the span of the series
    base_year: int | None = None  # prices of this year when fixed_prices

    @property
    def demodata(self) -> bool:
        return bool(self.profile["demodata"].any())

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
            if frame is None:
                return []
            clean = frame.astype(object).where(frame.notna(), None)
            return [{k: _plain(v) for k, v in row.items()} for row in clean.to_dict("records")]

        return {
            "municipality": {"code": self.municipality.code, "name": self.municipality.name},
            "sector": self.sector.id,
            "year": self.year,
            "group": {"id": self.group.id, "name": self.group.name},
            "peers": [{"code": p.code, "name": p.name} for p in self.peers],
            "demodata": self.demodata,
            "summary": self.summary,
            "comments": self.comments,
            "flags": [f.__dict__ for f in self.flags],
            "profile": records(self.profile),
            "series": records(self.series),
            "resource_use": records(self.resource_use),
            "need_adjusted": {k: _plain(v) for k, v in self.need_adjusted.items()},
            "efficiency": records(self.efficiency),
        }


try:  # pandas' own boxing of a cell, as to_dict("records") boxes it (not public API: guarded)
    from pandas.core.dtypes.cast import maybe_box_native as _box
except ImportError:  # pragma: no cover - a pandas without it: records() is to_dict("records")
    _box = None


def records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """``frame.to_dict("records")``, the same values of the same types, several times faster:
    pandas 3 builds each row there through ``iloc``. Plain numpy columns become lists at
    once (``tolist`` gives the Python values iterating gives); object and extension columns
    are iterated and boxed as pandas boxes them. tests/test_sector_analysis.py compares both
    on every frame of many analyses."""
    if not frame.columns.is_unique or _box is None:
        return cast(list[dict[Any, Any]], frame.to_dict("records"))
    if not len(frame.columns):
        return [{} for _ in range(len(frame))]
    names = frame.columns.tolist()
    columns = []
    for _, column in frame.items():
        if isinstance(column.dtype, np.dtype) and column.dtype != np.dtype(object):
            columns.append(column.tolist())
        else:
            columns.append([_box(v) for v in column])
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def analyse_sector(
    session: Session,
    municipality: str,
    sector: str,
    year: int | None = None,
    group: str = "asss",
    peers: Sequence[str] = ("Asker",),
    *,
    fixed_prices: bool = False,
    need_adjusted: bool = False,
    first_year: int | None = None,
    base_year: int | None = None,
) -> SectorAnalysis:
    """``first_year`` starts the time series (default: five years); ``base_year`` sets the
    prices of fixed-price kroner (default: ``year``)."""
    subject = require_municipality(session.region(municipality), "analysen")
    sector_def = session.service_area(sector)
    chosen = session.group(group)
    peer_regions = list(
        {
            r.code: r
            for r in (require_municipality(session.region(p), "sammenligningen") for p in peers)
            if r.code != subject.code
        }.values()
    )
    indicators = session.catalog.indicators_of(sector_def.id)
    year = session.resolve_year(indicators, year, sector_def.name_nb.lower())
    words = group_words(chosen.id, chosen.name)
    years = list(range(_first_year(session, indicators, year, first_year), year + 1))
    if fixed_prices and first_year is None:  # the default span stops where the deflator does
        years = [y for y in years if y >= deflated_span(session.catalog.deflator)[0]] or [year]
    base = base_year if base_year is not None else year
    factors = price_factors(session.catalog.deflator, base, years) if fixed_prices else None

    profile = _profile(session, subject, sector_def, years, chosen, indicators)
    back = _back_series(session, [subject, *peer_regions], indicators, years)
    series = _series(
        session, subject, peer_regions, chosen, indicators, years, sector_def, factors, need_adjusted, back
    )
    flags = _flags(session, subject, peer_regions, chosen, words, profile, series, indicators, years, back)
    peer_values = session.observations_for([i.id for i in indicators], [year], [p.code for p in peer_regions])
    peer_lookup = _lookup(peer_values)
    comments = {}
    for row in records(profile):
        indicator_id = str(row["indicator_id"])
        own_peers = [
            (p.short_name, peer_lookup.get((indicator_id, p.code), float("nan"))) for p in peer_regions
        ]
        notes = [
            f.message_nb
            for f in flags
            if f.indicator_id == indicator_id and f.kind not in ("highest", "lowest")
        ]
        comments[indicator_id] = indicator_sentences(row, subject.short_name, year, words, own_peers, notes)

    analysis = SectorAnalysis(
        subject,
        sector_def,
        year,
        chosen,
        peer_regions,
        profile,
        series,
        comments,
        [],
        flags,
        fixed_prices=fixed_prices,
        need_adjusted_series=need_adjusted,
        years=years,
        base_year=base if fixed_prices else None,
        peer_index=_peer_index(profile, peer_values, peer_regions),
    )
    if sector_def.id in session.catalog.economics:
        _economics(session, analysis, session.catalog.sector_economics(sector_def), words, factors)
    if analysis.demodata:
        analysis.summary.append("NB: Tallene bygger helt eller delvis på genererte demodata, ikke SSBs tall.")
    return analysis


def _first_year(session: Session, indicators: list[Indicator], year: int, first_year: int | None) -> int:
    """The first year of the time series: ``first_year``, or five years back from ``year``
    but not before the first year with figures."""
    first, last = session.year_span(indicators)
    if first_year is None:
        return max(first, year - SERIES_YEARS + 1)
    if first_year > year:
        raise ParameterError(
            f"første år i tidsseriene ({first_year}) er etter analyseåret ({year}); "
            f"kostra har tall for {first}–{last}"
        )
    if first_year < first:
        raise YearNotAvailable(
            f"første år i tidsseriene ({first_year}) er før det første året med tall; "
            f"kostra har tall for {first}–{last}"
        )
    return first_year


def _peer_index(profile: pd.DataFrame, values: pd.DataFrame, peers: list[Region]) -> pd.DataFrame:
    """Each peer's value and index (group average = 100) per indicator."""
    rows = []
    averages = dict(zip(profile["indicator_id"], profile["group_average"], strict=False))
    lookup = _lookup(values[values["region_code"].isin([p.code for p in peers])])
    for peer in peers:
        for indicator_id, average in averages.items():
            value = lookup.get((indicator_id, peer.code), float("nan"))
            index = 100.0 * value / average if average and not math.isnan(average) else float("nan")
            rows.append((indicator_id, peer.short_name, value, index))
    return pd.DataFrame(rows, columns=["indicator_id", "peer", "value", "index"])


def _lookup(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(indicator, region) -> value, for many look-ups in one frame."""
    return dict(
        zip(zip(frame["indicator_id"], frame["region_code"], strict=True), frame["value"], strict=True)
    )


def _value(frame: pd.DataFrame, indicator_id: str, code: str) -> float:
    """The value of one indicator and region in ``frame`` (NaN if absent)."""
    return float(_lookup(frame).get((indicator_id, code), float("nan")))


def _profile(
    session: Session,
    subject: Region,
    sector: Sector,
    years: list[int],
    chosen: GroupChoice,
    indicators: list[Indicator],
) -> pd.DataFrame:
    """All of the sector's profiles for the subject, with ranks; the group statistics are
    the same ones the time series use (one computation per sector and group)."""
    year = years[-1]
    group = chosen.definition
    stat_years = years if year - 1 in years else [year - 1, *years]  # last year's index too
    stats = session.group_stats(indicators, stat_years, group, [subject.code])
    ids = tuple(i.id for i in indicators)
    values = session.observations(list(ids), range(year - PROFILE_YEARS + 1, year + 1))
    table = None
    if not group.exclude_self:
        # The group's statistics are the same for every municipality: once a session asks
        # for a second one (a batch), the rows of all are made at once and then taken.
        key = ("profile_rows", sector.id, ids, tuple(stat_years), group.id)
        asked = cast(set[str], session.cached.fill(("profile_subjects", *key), set))
        asked.add(subject.code)
        if len(asked) > 1:
            every = cast(
                _EveryProfile,
                session.cached.fill(
                    key, lambda: _every_profile(session, sector, year, indicators, stats, values)
                ),
            )
            table = every.rows_of(subject.code)
    if table is None:
        table = _profile_rows(
            session, sector, year, indicators, stats, values, [subject.code], group.exclude_self
        )
    members = session.members(chosen.id, year, subject.code)
    latest = values[values["year"] == year]
    memo = ("member_values", ids, year, tuple(sorted(members)))
    known = cast(dict[str, np.ndarray], session.cached.fill(memo, lambda: member_values(latest, members)))
    ranks = compute_ranks(latest, members, subject.code, known)
    return _with_ranks(table, ranks)


def _profile_rows(
    session: Session,
    sector: Sector,
    year: int,
    indicators: list[Indicator],
    stats: pd.DataFrame,
    values: pd.DataFrame,
    codes: list[str],
    exclude_self: bool,
) -> pd.DataFrame:
    """The profile rows of ``codes`` (each one's indicators sorted by profile), without ranks."""
    keys = pd.DataFrame(
        {"region_code": codes, "group_key": codes if exclude_self else ["group"] * len(codes)}
    )
    table = compute_profile(indicators, values, stats, keys, [year]).drop(columns="year")
    table = table.rename(columns={value_column(k): str(year - k) for k in range(PROFILE_YEARS)})
    # Made once per session (every chapter of every report asks); only read.
    names = cast(
        pd.Series,
        session.cached.fill(("region_name_by_code",), lambda: session.regions.set_index("code")["name"]),
    )
    table["highest_region_name"] = table["highest_region"].map(names)
    table["lowest_region_name"] = table["lowest_region"].map(names)
    placement = {i.id: i.profiles[0] for i in indicators if i.profiles}
    table["profile"] = table["indicator_id"].map(placement)
    order = {p.id: n for n, p in enumerate(sector.profiles)}
    rank = table["profile"].map(order)
    if len(codes) == 1:
        return table.sort_values("profile", key=lambda s: rank, kind="stable").reset_index(drop=True)
    # one subject after the other, as the rows came; within each, by profile (stable)
    subject = pd.Series(np.repeat(np.arange(len(codes)), len(indicators)), index=table.index)
    by = pd.DataFrame({"subject": subject, "rank": rank})
    return table.loc[by.sort_values(["subject", "rank"], kind="stable").index].reset_index(drop=True)


@dataclass(frozen=True)
class _EveryProfile:
    """The profile rows of every municipality for one sector, year and group (kept for a
    session, only read); ``rows_of`` takes one municipality's, as :func:`_profile_rows`
    would make them for it alone (tests/analysis/test_fast_rows.py compares both)."""

    table: pd.DataFrame
    start: dict[str, int]
    size: int

    def rows_of(self, code: str) -> pd.DataFrame | None:
        if code not in self.start:
            return None
        first = self.start[code]
        return self.table.iloc[first : first + self.size].reset_index(drop=True)


def _every_profile(
    session: Session,
    sector: Sector,
    year: int,
    indicators: list[Indicator],
    stats: pd.DataFrame,
    values: pd.DataFrame,
) -> _EveryProfile:
    codes = [str(c) for c in dict.fromkeys(values["region_code"].tolist())]
    table = _profile_rows(session, sector, year, indicators, stats, values, codes, False)
    return _EveryProfile(table, {c: n * len(indicators) for n, c in enumerate(codes)}, len(indicators))


def _with_ranks(table: pd.DataFrame, ranks: pd.DataFrame) -> pd.DataFrame:
    """``table.merge(ranks, on="indicator_id", how="left")``: in the usual case, where every
    indicator has its rank, as columns looked up, which is several times faster (the same
    frame: tests/analysis/test_fast_rows.py compares both)."""
    ids = ranks["indicator_id"]
    added = [c for c in ranks.columns if c != "indicator_id"]
    if len(table) and ids.is_unique and not set(added) & set(table.columns):
        at = pd.Index(ids).get_indexer(table["indicator_id"])
        if bool((at >= 0).all()):  # every indicator has its rank
            if all(isinstance(ranks[c].dtype, np.dtype) for c in added):
                # numpy columns: taken at once (as map takes them)
                taken = {c: ranks[c].to_numpy()[at] for c in added}
            else:
                by_id = ranks.set_index("indicator_id")
                taken = {c: table["indicator_id"].map(by_id[c]).to_numpy() for c in added}
            return table.reset_index(drop=True).assign(**taken)
    return table.merge(ranks, on="indicator_id", how="left")


def _group_average_series(
    session: Session, chosen: GroupChoice, subject: Region, indicators: list[Indicator], years: list[int]
) -> pd.DataFrame:
    stats = session.group_stats(indicators, years, chosen.definition, [subject.code])
    # The same for every municipality of a group that does not leave it out; only read.
    per_subject = subject.code if chosen.definition.exclude_self else None
    key = ("group_average_series", tuple(i.id for i in indicators), tuple(years), chosen.id, per_subject)
    return cast(
        pd.DataFrame,
        session.cached.fill(
            key,
            lambda: (
                stats.loc[:, ["indicator_id", "year", "average"]]
                .rename(columns={"average": "value"})
                .assign(series=chosen.name)
            ),
        ),
    )


def _back_series(
    session: Session, regions: list[Region], indicators: list[Indicator], years: list[int]
) -> BackSeries:
    """The years before a merger of the subject and the peers, computed from the parts
    (:mod:`kostra.analysis.mergers`); figures are read only when there is a merger to fill."""
    codes = [r.code for r in regions]
    # One region at a time, each kept for the session: every chapter of a report, and every
    # report of a batch, asks again for the same peers (the same answer as asking for all).
    mergers = [
        merger
        for code in dict.fromkeys(codes)
        for merger in cast(
            list[Merger],
            session.cached.fill(
                ("mergers_of", code, years[0]),
                functools.partial(mergers_of, session.succession, [code], years[0], session.regions),
            ),
        )
    ]
    if all(m.split for m in mergers):
        return BackSeries(*_no_back_series(), tuple(mergers))
    rules = combinations(session.catalog.indicators.values())
    ids = [i.id for i in indicators]
    obs = session.observations(figures_needed(rules, ids), years)
    return back_series(obs, session.succession, rules, codes, years, ids, session.regions)


@functools.cache
def _no_back_series() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Empty ``values`` and ``gaps`` of a :class:`BackSeries`, made once: most analyses have
    no merger to fill, and these are only read (filtered), never changed."""
    empty = {c: pd.Series(dtype=object) for c in BACK_COLUMNS}
    gaps = {c: pd.Series(dtype=object) for c in GAP_COLUMNS}
    return pd.DataFrame(empty), pd.DataFrame(gaps)


def _series(
    session: Session,
    subject: Region,
    peers: list[Region],
    chosen: GroupChoice,
    indicators: list[Indicator],
    years: list[int],
    sector: Sector,
    factors: dict[int, float] | None,
    need_adjusted: bool,
    back: BackSeries,
) -> pd.DataFrame:
    """The subject's, the peers' and the group's series; ``back_series`` marks the years
    before a merger computed from the parts (they replace what the store had there)."""
    names = {subject.code: subject.short_name, **{p.code: p.short_name for p in peers}}
    keys = ["indicator_id", "region_code", "year"]
    own = session.observations_for([i.id for i in indicators], years, names).loc[:, [*keys, "value"]]
    computed = back.values
    if len(computed):  # most analyses have no merger to fill (and the filter costs)
        computed = computed[computed["region_code"].isin(names)].loc[:, [*keys, "value"]]
    if len(computed):
        replaced = pd.MultiIndex.from_frame(own[keys]).isin(pd.MultiIndex.from_frame(computed[keys]))
        own = pd.concat([own[~replaced], computed.astype({"year": int, "value": float})], ignore_index=True)
    own = own.assign(series=own["region_code"].map(names))
    group = _group_average_series(session, chosen, subject, indicators, years)
    values = pd.concat([own.loc[:, ["indicator_id", "series", "year", "value"]], group], ignore_index=True)
    need = _need_series(session, sector, subject, peers, chosen, years) if need_adjusted else None
    series = compute_series(values, {i.id: i.unit for i in indicators}, factors, need)
    return _mark_back_series(series, computed, names)


def _mark_back_series(series: pd.DataFrame, computed: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``series`` with ``back_series``: whether its row was computed from a merger's parts."""
    if not len(computed):
        # Most analyses have none: the merge below would mark nothing, at a tenth of the
        # analysis' time (tests/analysis/test_fast_rows.py compares both ways).
        return series.assign(back_series=False)
    marked = computed.assign(series=computed["region_code"].map(names), back_series=True)
    series = series.merge(
        marked.loc[:, ["indicator_id", "series", "year", "back_series"]],
        how="left",
        on=["indicator_id", "series", "year"],
    )
    return series.assign(back_series=series["back_series"].eq(True))


def _need_series(
    session: Session,
    sector: Sector,
    subject: Region,
    peers: list[Region],
    chosen: GroupChoice,
    years: list[int],
) -> pd.DataFrame:
    economics = session.catalog.sector_economics(sector)
    obs = session.observations([economics.need_index, "pop_total"], years)
    need = obs[obs["indicator_id"] == economics.need_index]
    rows = [
        (r.short_name, y, _value(need[need["year"] == y], economics.need_index, r.code))
        for r in (subject, *peers)
        for y in years
    ]
    pop = obs[obs["indicator_id"] == "pop_total"]
    for y in years:
        members = session.members(chosen.id, y, subject.code)
        joined = need[(need["year"] == y) & need["region_code"].isin(members)].merge(
            pop[pop["year"] == y], on=["region_code", "year"], suffixes=("", "_pop")
        )
        weighted = (joined["value"] * joined["value_pop"]).sum() / joined["value_pop"].sum()
        rows.append((chosen.name, y, float(weighted) if len(joined) else float("nan")))
    return pd.DataFrame(rows, columns=["series", "year", "need_index"])


def _flags(
    session: Session,
    subject: Region,
    peers: list[Region],
    chosen: GroupChoice,
    words: GroupWords,
    profile: pd.DataFrame,
    series: pd.DataFrame,
    indicators: list[Indicator],
    years: list[int],
    back: BackSeries,
) -> list[Flag]:
    year = years[-1]
    labels = {i.id: i.name_nb for i in indicators}
    flags: list[Flag] = []
    flags += flag_jumps(series, subject.short_name, labels)
    names = {r.code: r.short_name for r in (subject, *peers)}
    part_names = cast(dict[str, str], session.cached.fill(("part_names",), lambda: _part_names(session)))
    flags += flag_mergers(back.mergers, names, part_names, back.values, back.gaps)
    diff = session.diff(year)
    diff = diff[diff["indicator_id"].isin(labels)]
    flags += flag_revisions(diff, subject.code, labels, {i.id: i.decimals for i in indicators})
    flags += flag_thin_groups(profile, chosen.name, year)
    flags += flag_unweighted_members(profile, chosen.name, year)
    flags += flag_extremes(profile, subject.code, subject.short_name, words.within, year)
    return flags


def _part_names(session: Session) -> dict[str, str]:
    """Every region's name without its Sami or Kven form ("Hamarøy - Hábmer" -> "Hamarøy")."""
    regions = session.regions
    return {str(c): str(n).split(" - ")[0] for c, n in zip(regions["code"], regions["name"], strict=True)}


def _economics(
    session: Session,
    analysis: SectorAnalysis,
    economics: SectorEconomics,
    words: GroupWords,
    factors: dict[int, float] | None,
) -> None:
    subject, year, chosen = analysis.municipality, analysis.year, analysis.group
    years = analysis.years
    ids = [
        economics.net_expenditure,
        economics.gross_expenditure,
        economics.need_index,
        "pop_total",
        *([economics.depreciation] if economics.depreciation else []),
        *(p.indicator for p in economics.production),
    ]
    obs = session.observations(ids, years)
    memo = ("by_region", tuple(ids), tuple(years))

    def split() -> dict[tuple[str, int], pd.Series]:
        regions, value = obs["region_code"].to_numpy(), obs["value"].to_numpy()
        return {
            key: pd.Series(value[rows], index=pd.Index(regions[rows], name="region_code"), name="value")
            for key, rows in obs.groupby(["indicator_id", "year"], sort=False).indices.items()
        }

    values = cast(dict[tuple[str, int], pd.Series], session.cached.fill(memo, split))

    def by_region(indicator: str, when: int) -> pd.Series:
        return values.get((indicator, when), pd.Series(dtype=float))

    members = session.members(chosen.id, year, subject.code)
    net = by_region(economics.net_expenditure, year)
    depreciation = by_region(economics.depreciation, year) if economics.depreciation else None
    need = by_region(economics.need_index, year)
    # The same for every municipality of a group that does not leave it out (a batch asks
    # once per sector); each analysis gets its own copy to keep.
    use = cast(
        pd.DataFrame,
        session.cached.fill(
            ("resource_use", analysis.sector.id, tuple(ids), year, members),
            lambda: compute_resource_use(net, need, members, depreciation),
        ),
    )
    analysis.resource_use = use.copy()
    own = analysis.resource_use[analysis.resource_use["region_code"] == subject.code]
    # The indicator is kostra's own, computed from the same basis as the need-adjusted
    # spending below, so the two sentences cannot disagree; the bundled basis is solved so
    # that it reproduces KS' published indicator where one is known.
    indicator = float(own["indicator"].iloc[0]) if len(own) else float("nan")
    analysis.resource_use_indicator = indicator
    sentence = resource_use_sentence(subject.short_name, analysis.sector.name_nb.lower(), indicator, words)
    analysis.summary += [sentence] if sentence else []
    # the indicator's own spending (net of depreciation), in the prices asked for
    spending = analysis.resource_use.set_index("region_code")["spending"]
    spending = spending * (factors[year] if factors else 1.0)
    analysis.need_adjusted = compute_need_adjusted(
        spending, need, by_region("pop_total", year), subject.code, members
    )
    prices = f"faste {analysis.base_year}-kroner" if factors else "løpende kroner"
    sentence = need_adjusted_sentence(subject.short_name, year, analysis.need_adjusted, words, prices)
    analysis.summary += [sentence] if sentence else []
    weights = {p.indicator: p.weight for p in economics.production}
    rows = []
    for when in years:
        group_members = session.members(chosen.id, when, subject.code)
        key = ("efficiency", analysis.sector.id, when, chosen.id, tuple(sorted(group_members)))

        def efficiency(when: int = when, group_members: frozenset[str] = group_members) -> pd.DataFrame:
            production = obs[(obs["year"] == when) & obs["indicator_id"].isin(weights)]
            gross = by_region(economics.gross_expenditure, when)
            result = compute_efficiency(
                production, weights, gross, by_region(economics.need_index, when), group_members
            ).set_index("region_code")
            result["gross_relative"] = gross / gross[gross.index.isin(group_members)].mean()
            return result

        result = cast(pd.DataFrame, session.cached.fill(key, efficiency))
        mine = result.loc[subject.code] if subject.code in result.index else None
        rows.append(
            {
                "year": when,
                **{
                    k: float(mine[k]) if mine is not None else float("nan")
                    for k in ("gross_relative", "production_index", "cost_index", "efficiency")
                },
            }
        )
    analysis.efficiency = pd.DataFrame(rows)
    latest = rows[-1]
    sentence = efficiency_sentence(latest, year, chosen.name)
    analysis.summary += [sentence] if sentence else []
