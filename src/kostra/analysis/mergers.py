"""Method 7 of KOSTRA.md, merged municipalities: the years before a merger, computed
from the parts.

SSB publishes each year on that year's borders and makes no back-series of accounts
for mergers, so today's Asker (3203) has no figures of its own before 2020; its land
was then 0220 Asker, 0627 Røyken and 0628 Hurum. KOSTRA.md: "sum counts and kroner
of the parts, then recompute ratios; splits are breaks". How each figure combines is
read from the catalog (:func:`combination`):

* a total (a count, a population, kroner in 1 000) is the sum of the parts;
* a ratio with a weight (its denominator: a population band, pupils, square metres)
  is Σ r·w / Σ w = Σ numerator / Σ denominator, the same Σ/Σ as a weighted group
  average, where every w is the part's own figure for that year;
* a formula is evaluated on its inputs' back values (summed kroner over summed
  inhabitants); if an input cannot be made, a weighted formula falls back to Σ/Σ;
* a figure with no denominator known (an unweighted share, an index, a score) and a
  figure relative to a group's mean cannot be recomputed: no back value.

A year where any part lacks its value (or its weight) has no back value: never a
partial sum, never zero. A municipality whose earlier land went partly elsewhere (a
split, such as 1507 Ålesund into 1508 Ålesund and 1580 Haram) has no back-series;
the break is reported instead.

A figure the municipality has on today's borders is never replaced: an SSB figure
under its number in a year before it existed (SSB's own back-calculation) is kept. A
figure under its number in a year when that number was itself one of the parts (5001
Trondheim 2018-2019, before Klæbu joined) is that part's figure and goes into the sum.
Demodata are generated on today's borders and are never a part's figure; a back value
computed from real figures takes their place, as real figures do elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from kostra.analysis.formulas import ratio
from kostra.analysis.land import Land
from kostra.analysis.regions import canonicalize
from kostra.catalog import Formula, Indicator

__all__ = [
    "BACK_COLUMNS",
    "GAP_COLUMNS",
    "BackSeries",
    "Combination",
    "Merger",
    "back_series",
    "combination",
    "combinations",
    "figures_needed",
    "mergers_of",
]

BACK_COLUMNS: Final = ("indicator_id", "region_code", "year", "value", "how", "parts", "back_series")
GAP_COLUMNS: Final = ("indicator_id", "region_code", "year", "reason")

How = Literal["sum", "weighted", "formula", "none"]
Reason = Literal["split", "missing", "not_combinable"]

# Units that are never totals: summing shares, indices or scores of two municipalities
# means nothing, so without a weight such a figure has no back value.
_NOT_ADDITIVE: Final = frozenset({"prosent", "indeks", "skår", "poeng", "karakterpoeng", "måneder"})
_ADDITIVE_KINDS: Final = frozenset({"count", "population", "basis"})


@dataclass(frozen=True)
class Combination:
    """How the parts' figures of one indicator make the merged municipality's."""

    how: How
    weight: str | None = None  # "weighted", and a formula's fallback
    formula: Formula | None = None  # "formula"
    summable: bool = False  # a total: "sum", and a formula's fallback


def combination(indicator: Indicator) -> Combination:
    """The catalog's answer for one indicator (see the module docstring for the rules)."""
    formula = indicator.formula
    if formula is not None and formula.relative_to is not None:
        return Combination("none")  # relative to a group: needs the group, not the parts
    # The weight is the ratio's denominator whether or not the published group average
    # uses it: Σ numerator / Σ denominator is the merged municipality's own figure.
    weight = indicator.weight
    summable = weight is None and indicator.kind in _ADDITIVE_KINDS and indicator.unit not in _NOT_ADDITIVE
    if formula is not None:
        return Combination("formula", weight=weight, formula=formula, summable=summable)
    if weight is not None:
        return Combination("weighted", weight=weight)
    return Combination("sum", summable=True) if summable else Combination("none")


def combinations(indicators: Iterable[Indicator]) -> dict[str, Combination]:
    return {i.id: combination(i) for i in indicators}


def figures_needed(rules: Mapping[str, Combination], indicator_ids: Iterable[str]) -> list[str]:
    """``indicator_ids`` and every figure their back values read (weights, formula inputs,
    recursively), for reading the observations once."""
    out: dict[str, None] = {}
    todo = list(indicator_ids)
    while todo:
        current = todo.pop()
        if current in out:
            continue
        out[current] = None
        rule = rules.get(current)
        if rule is None:
            continue
        if rule.weight:
            todo.append(rule.weight)
        if rule.formula is not None:
            todo.extend(rule.formula.inputs)
    return list(out)


@dataclass(frozen=True)
class Merger:
    """A change of ``region_code``'s land that took effect on 1 January ``year``: before it,
    the land was ``parts`` (today's numbers where a part was only renumbered since).
    ``split``: some part's land also went to another municipality, so the parts' figures
    cannot be added up."""

    region_code: str
    year: int
    parts: tuple[str, ...]
    split: bool


@dataclass(frozen=True)
class BackSeries:
    """``values``: BACK_COLUMNS, figures for years before a merger computed from the parts
    (they replace whatever the series had for that figure, region and year). ``gaps``:
    GAP_COLUMNS, figures that could not be computed where the municipality has none on
    today's borders. ``mergers``: the changes within the years asked for."""

    values: pd.DataFrame
    gaps: pd.DataFrame
    mergers: tuple[Merger, ...]


def mergers_of(
    succession: pd.DataFrame, codes: Iterable[str], first_year: int, regions: pd.DataFrame | None = None
) -> list[Merger]:
    """Every change of land of today's ``codes`` that took effect after ``first_year`` (a
    change after a series' last year still makes its every year a back-series): a year
    whose parts differ from the year before's. Renumberings are not changes."""
    land = Land(succession, regions)
    last_year = max([first_year, *(int(y) for y in succession["year"])])
    found = []
    for code in dict.fromkeys(codes):
        for year in range(first_year + 1, last_year + 1):
            before, split = land.parts(code, year - 1)
            if before != land.parts(code, year)[0]:
                found.append(Merger(code, year, before, split))
    return found


def back_series(
    observations: pd.DataFrame,
    succession: pd.DataFrame,
    rules: Mapping[str, Combination],
    wanted: Iterable[str],
    years: Iterable[int],
    indicator_ids: Iterable[str] | None = None,
    regions: pd.DataFrame | None = None,
) -> BackSeries:
    """Back-series of today's municipalities ``wanted`` in ``years``.

    observations: indicator_id, region_code, year, value (and release_kind, release_id if
    known; "demodata" figures are on today's borders), under the numbers they were stored
    with or today's; they must hold the parts' figures, weights and formula inputs
    (:func:`figures_needed`). rules: indicator id -> :class:`Combination`. indicator_ids:
    the figures wanted (default: all in ``rules``). regions: code, valid_from, valid_to,
    to tell a number that continued through a merger (optional).
    """
    land = Land(succession, regions)
    span = sorted({int(y) for y in years})
    ids = list(dict.fromkeys(indicator_ids if indicator_ids is not None else rules))
    codes = list(dict.fromkeys(str(c) for c in wanted))
    mergers = mergers_of(succession, codes, span[0], regions) if span else []
    plan = {(c, y): land.parts(c, y) for c in codes for y in span}
    plan = {key: found for key, found in plan.items() if found[0] != (key[0],)}
    if not plan:
        return BackSeries(_empty(BACK_COLUMNS), _empty(GAP_COLUMNS), tuple(mergers))
    figures = _figures(
        observations, land.mapping, {p for parts, _ in plan.values() for p in parts} | set(codes)
    )
    rows: list[tuple[object, ...]] = []
    gaps: list[tuple[object, ...]] = []
    for (code, year), (parts, split) in plan.items():
        combine = _Combine(figures, rules, parts, year)
        for indicator_id in ids:
            own = figures.get((indicator_id, code, year))
            if own is not None and not own[1] and code not in parts:
                continue  # the municipality's own figure on today's borders: never replaced
            value, how, reason = (np.nan, "none", "split") if split else combine.value(indicator_id)
            if not np.isnan(value):
                rows.append((indicator_id, code, year, value, how, ",".join(parts), True))
            elif own is None or not own[1]:  # a demodata figure stays where none could be made
                gaps.append((indicator_id, code, year, reason))
    return BackSeries(
        pd.DataFrame(rows, columns=list(BACK_COLUMNS)) if rows else _empty(BACK_COLUMNS),
        pd.DataFrame(gaps, columns=list(GAP_COLUMNS)) if gaps else _empty(GAP_COLUMNS),
        tuple(mergers),
    )


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _figures(
    observations: pd.DataFrame, mapping: Mapping[str, str], codes: set[str]
) -> dict[tuple[str, str, int], tuple[float, bool]]:
    """(indicator, today's number, year) -> (value, is demodata), for figures with a value."""
    if observations.empty:
        return {}
    stored = observations["region_code"].astype(str)
    relevant = observations[[mapping.get(c, c) in codes for c in stored]]
    relevant = relevant.assign(region_code=relevant["region_code"].astype(str))
    if mapping:  # (canonicalize warns on an empty mapping; there is nothing to follow then)
        relevant = canonicalize(relevant, mapping)
    relevant = relevant[relevant["value"].notna()]
    demo = (
        (relevant["release_kind"] == "demodata").to_numpy()
        if "release_kind" in relevant
        else np.zeros(len(relevant), dtype=bool)
    )
    return {
        (str(i), str(c), int(y)): (float(v), bool(d))
        for i, c, y, v, d in zip(
            relevant["indicator_id"],
            relevant["region_code"],
            relevant["year"],
            relevant["value"],
            demo,
            strict=True,
        )
    }


class _Combine:
    """The back values of one municipality in one year, figure by figure (memoised, since
    formulas read the same inputs)."""

    def __init__(
        self,
        figures: Mapping[tuple[str, str, int], tuple[float, bool]],
        rules: Mapping[str, Combination],
        parts: tuple[str, ...],
        year: int,
    ) -> None:
        self.figures, self.rules, self.parts, self.year = figures, rules, parts, year
        self.done: dict[str, tuple[float, How, Reason]] = {}

    def part_values(self, indicator_id: str) -> np.ndarray | None:
        """Every part's own real figure, or None if a part lacks one."""
        out = []
        for part in self.parts:
            found = self.figures.get((indicator_id, part, self.year))
            if found is None or found[1]:  # demodata are on today's borders, not a part's
                return None
            out.append(found[0])
        return np.asarray(out, dtype=float)

    def value(self, indicator_id: str) -> tuple[float, How, Reason]:
        """(value, how, reason it is missing); NaN when it cannot be made."""
        if indicator_id not in self.done:
            self.done[indicator_id] = (np.nan, "none", "missing")  # a formula cycle gives nothing
            self.done[indicator_id] = self._compute(indicator_id)
        return self.done[indicator_id]

    def _compute(self, indicator_id: str) -> tuple[float, How, Reason]:
        rule = self.rules.get(indicator_id, Combination("none"))
        reason: Reason = "missing"
        if rule.formula is not None:
            found = {i: self.value(i) for i in rule.formula.inputs}
            if all(not np.isnan(v) for v, _, _ in found.values()):
                result = float(ratio(rule.formula, {i: np.array([v]) for i, (v, _, _) in found.items()})[0])
                if not np.isnan(result):
                    return result, "formula", "missing"
            elif any(why == "not_combinable" for _, _, why in found.values()):
                reason = "not_combinable"
        if rule.weight is not None:
            values, weights = self.part_values(indicator_id), self.part_values(rule.weight)
            if values is None or weights is None or weights.sum() <= 0:
                return np.nan, "none", reason
            return float((values * weights).sum() / weights.sum()), "weighted", "missing"
        if rule.summable:
            values = self.part_values(indicator_id)
            return (np.nan, "none", reason) if values is None else (float(values.sum()), "sum", "missing")
        return np.nan, "none", reason if rule.how == "formula" else "not_combinable"
