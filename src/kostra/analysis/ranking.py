"""Method 6 of KOSTRA.md: a Kommunebarometer-style ranking of all municipalities.

Every key figure is scored 1-6. Since 2019 (``rule="average"``) 3.5 is the
national average and each side is stretched linearly so that the 5 % / 95 %
value gets 1 or 6: ``3.5 ± 2.5 * distance from the average / distance from the
average to that percentile``, clipped to 1-6. Until 2018 (``rule="percentile"``)
the best 5 % got 6, the worst 5 % got 1, linearly between. A figure where lower
is better is turned around. A sector's score is the weighted mean of its key
figures' scores; a municipality is ranked in a sector only with data for at
least 60 % of the key figures. The total is the weighted mean of the sector
scores. Ranks share the best place on ties (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["KeyFigure", "compute_ranking", "score_key_figure"]

Rule = Literal["average", "percentile"]
MIN_SHARE = 0.6


@dataclass(frozen=True)
class KeyFigure:
    indicator: str
    direction: Literal["higher", "lower"]
    weight: float = 1.0


def score_key_figure(values: pd.Series, direction: str, rule: Rule = "average") -> pd.Series:
    """Scores 1-6 for one key figure's values (NaN stays NaN)."""
    return pd.Series(_scores(values.to_numpy(dtype=float), direction, rule), index=values.index)


def _scores(v: np.ndarray, direction: str, rule: Rule) -> np.ndarray:
    """:func:`score_key_figure` on a float array."""
    missing = np.isnan(v)
    # a fresh contiguous array, so that mean and percentiles add up in the same order
    present = v[~missing]
    if len(present) == 0:
        return np.full(len(v), np.nan)
    low, high = np.percentile(present, [5, 95])
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule == "percentile":
            if high > low:
                position = (v - low) / (high - low)
            else:  # most values tie: above the tie is the best 5 %, below it the worst, the tie between
                position = np.where(v > high, 1.0, np.where(v < low, 0.0, 0.5))
            if direction == "lower":
                position = 1.0 - position
            scores = 1.0 + 5.0 * position
        else:
            mean = float(present.mean())
            # Where the 95 % value is at or below the average (most values tie low), a value
            # above the average is beyond it: the best score; likewise below the 5 % value.
            up = (v - mean) / (high - mean) if high > mean else np.where(v > mean, 1.0, 0.0)
            down = (mean - v) / (mean - low) if mean > low else np.where(v < mean, 1.0, 0.0)
            upside = np.where(v >= mean, up, 0.0)
            downside = np.where(v < mean, down, 0.0)
            signed = upside - downside
            if direction == "lower":
                signed = -signed
            scores = 3.5 + 2.5 * signed
    # a missing value compares false everywhere above and would score 3.5: it gets none
    return np.where(missing, np.nan, np.clip(scores, 1.0, 6.0))


def _ranks(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(places, which have none): best (highest score) first; ties share the best place
    (1, 2, 2, 4): one plus the number of strictly higher scores. No score, no place."""
    present = ~np.isnan(scores)
    ordered = np.sort(scores[present])
    places = np.zeros(len(scores), dtype=np.int64)
    places[present] = 1 + len(ordered) - np.searchsorted(ordered, scores[present], side="right")
    return places, ~present


def _weighted_mean(
    scores: list[np.ndarray], weights: list[float], rows: int, side_by_side: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(sum of weight * score over the scores present / sum of their weights, number present)
    per row. The sums add up in the order of pandas' row sums over the frames they stand for,
    so that the last digit is the same: a row's terms lie in memory apart (``side_by_side``
    False: added one column after the other, as in a frame built from columns) or side by side
    (True: numpy adds them in pairs, as in a pivoted frame)."""
    if not scores:
        return np.full(rows, np.nan), np.zeros(rows, dtype=np.int64)
    table = np.array(scores)
    weight = np.array(weights, dtype=float)[:, np.newaxis]
    present = ~np.isnan(table)
    terms = np.where(present, table, 0.0) * weight
    shares = present * weight
    # pandas' sums skip NaN (here 0 * an infinite weight): these too
    terms[np.isnan(terms)] = 0.0
    shares[np.isnan(shares)] = 0.0
    if side_by_side:
        numerator = np.ascontiguousarray(terms.T).sum(axis=1)
        denominator = np.ascontiguousarray(shares.T).sum(axis=1)
    else:
        numerator, denominator = terms.sum(axis=0), shares.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerator / denominator, present.sum(axis=0)


def _kahan_sum(terms: list[np.ndarray]) -> np.ndarray:
    """Sum per row of the terms present (none: 0), compensated as pandas' grouped sums are
    (Kahan), so that the last digit is the same as theirs."""
    total = np.zeros(len(terms[0]))
    compensation = np.zeros(len(terms[0]))
    for term in terms:
        present = ~np.isnan(term)
        y = np.where(present, term - compensation, 0.0)
        t = total + y
        lost = (t - total) - y
        # an infinite term leaves NaN behind, which would make the sum NaN instead of infinite
        lost[np.isnan(lost)] = 0.0
        compensation = np.where(present, lost, compensation)
        total = np.where(present, t, total)
    return total


def _wide(values: pd.DataFrame) -> tuple[pd.Index, pd.Index, np.ndarray]:
    """(municipalities, key figures, values: one row per municipality, one column per key
    figure), both sorted, the first value given for each pair as pivot_table's "first" takes
    it: missing values do not count, and a municipality without any is left out (a key figure
    without any is a column of NaN, as good as one not in the data)."""
    value = values["value"].to_numpy(dtype=float)
    region_codes, regions = pd.factorize(values["region_code"], sort=True)
    indicator_codes, indicators = pd.factorize(values["indicator_id"], sort=True)
    # a missing code or indicator is numbered -1
    keep = ~np.isnan(value) & (region_codes >= 0) & (indicator_codes >= 0)
    width = max(len(indicators), 1)
    # np.unique sorts stably, so each pair's index is its first row
    pairs, first = np.unique(region_codes[keep] * width + indicator_codes[keep], return_index=True)
    rows, columns = np.divmod(pairs, width)
    present = np.unique(rows)
    wide = np.full((len(present), len(indicators)), np.nan)
    wide[np.searchsorted(present, rows), columns] = value[keep][first]
    regions = pd.Index(regions).take(present)
    if regions.dtype == object:  # text in an object column: a text index, as groupby gives
        regions = pd.Index(regions.to_numpy())
    return regions, pd.Index(indicators), wide


def compute_ranking(
    values: pd.DataFrame,
    key_figures: Mapping[str, list[KeyFigure]],
    sector_weights: Mapping[str, float],
    rule: Rule = "average",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranking for one year.

    values: indicator_id, region_code, value (one year, all municipalities)
    Returns (figures, sectors): figures has one row per municipality and key figure
    (value, score, weight, contribution); sectors has one row per municipality and
    sector plus "totalt" (score, rank, share of key figures with data, ranked).
    """
    regions, indicators, wide = _wide(values)
    n = len(regions)
    column_of = {indicator: i for i, indicator in enumerate(indicators)}
    missing = np.full(n, np.nan)
    figure_values, figure_scores, figure_weights, contributions = [], [], [], []
    figure_sectors, figure_ids = [], []
    sector_rows: dict[str, dict[str, np.ndarray]] = {}
    for sector, figures in key_figures.items():
        columns = [wide[:, column_of[f.indicator]] if f.indicator in column_of else missing for f in figures]
        scores = [_scores(c, f.direction, rule) for c, f in zip(columns, figures, strict=True)]
        # a key figure named twice in a sector (a slip in the configuration) is one column
        # of the sector's scores, with its last weight, as in a frame keyed by key figure
        once = {f.indicator: (s, f.weight) for f, s in zip(figures, scores, strict=True)}
        score, count = _weighted_mean([s for s, _ in once.values()], [w for _, w in once.values()], n, False)
        share = count / len(figures)
        ranked = share >= MIN_SHARE
        score = np.where(ranked, score, np.nan)
        sector_rows[sector] = {"score": score, "share_with_data": share, "ranked": ranked}
        scored_weight = _kahan_sum(
            [np.where(np.isnan(s), np.nan, f.weight) for f, s in zip(figures, scores, strict=True)]
        )
        for f, c, s in zip(figures, columns, scores, strict=True):
            figure_values.append(c)
            figure_scores.append(s)
            figure_weights.append(f.weight)
            contributions.append(s * f.weight / scored_weight)
            figure_sectors.append(sector)
            figure_ids.append(f.indicator)

    # The total: the weighted mean of the sector scores a municipality has, over the sectors
    # with a weight and a score somewhere; municipalities without any sector score are left out.
    scored = {s: rows["score"] for s, rows in sector_rows.items() if not np.isnan(rows["score"]).all()}
    any_score = np.zeros(n, dtype=bool)
    for score in scored.values():
        any_score |= ~np.isnan(score)
    weights = {sector: float(weight) for sector, weight in sector_weights.items()}
    weighted = [s for s in weights if s in scored]
    total, count = _weighted_mean(
        [scored[s][any_score] for s in weighted],
        [weights[s] for s in weighted],
        int(any_score.sum()),
        True,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        total_share = count / len(weighted)
    sector_rows["totalt"] = {"score": total, "share_with_data": total_share, "ranked": ~np.isnan(total)}

    per_figure = np.tile(np.arange(n), len(figure_ids))
    figure_names = pd.Index(figure_sectors).take(np.repeat(np.arange(len(figure_sectors)), n))
    figures_frame = pd.DataFrame(
        {
            "region_code": regions.take(per_figure),
            "sector": figure_names,
            "indicator_id": pd.Index(figure_ids).take(np.repeat(np.arange(len(figure_ids)), n)),
            "value": np.concatenate(figure_values),
            "score": np.concatenate(figure_scores),
            "weight": np.repeat(np.array(figure_weights), n),
            "contribution": np.concatenate(contributions),
        }
    )
    sizes = [len(rows["score"]) for rows in sector_rows.values()]
    places, unplaced = zip(*(_ranks(rows["score"]) for rows in sector_rows.values()), strict=True)
    sectors = pd.DataFrame(
        {
            "region_code": regions.take(
                np.concatenate([np.arange(n)] * len(key_figures) + [np.flatnonzero(any_score)])
            ),
            "sector": pd.Index(list(sector_rows)).take(np.repeat(np.arange(len(sector_rows)), sizes)),
            "score": np.concatenate([rows["score"] for rows in sector_rows.values()]),
            "share_with_data": np.concatenate([rows["share_with_data"] for rows in sector_rows.values()]),
            "ranked": np.concatenate([rows["ranked"] for rows in sector_rows.values()]),
            "rank": pd.arrays.IntegerArray(np.concatenate(places), np.concatenate(unplaced)),
        }
    )
    return figures_frame, sectors
