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
    present = values.dropna().to_numpy(dtype=float)
    if len(present) == 0:
        return pd.Series(np.nan, index=values.index)
    low, high = np.percentile(present, [5, 95])
    v = values.to_numpy(dtype=float)
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
    return pd.Series(np.clip(scores, 1.0, 6.0), index=values.index).where(values.notna())


def _ranks(scores: pd.Series) -> pd.Series:
    return scores.rank(ascending=False, method="min").astype("Int64")


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
    wide = values.pivot_table(index="region_code", columns="indicator_id", values="value", aggfunc="first")
    figure_rows, sector_rows = [], []
    for sector, figures in key_figures.items():
        scores = {}
        for figure in figures:
            column = (
                wide[figure.indicator] if figure.indicator in wide else pd.Series(np.nan, index=wide.index)
            )
            scores[figure.indicator] = score_key_figure(column, figure.direction, rule)
            figure_rows.append(
                pd.DataFrame(
                    {
                        "region_code": wide.index,
                        "sector": sector,
                        "indicator_id": figure.indicator,
                        "value": column.to_numpy(),
                        "score": scores[figure.indicator].to_numpy(),
                        "weight": figure.weight,
                    }
                )
            )
        table = pd.DataFrame(scores)
        weights = pd.Series({f.indicator: f.weight for f in figures})
        present = table.notna()
        share = present.sum(axis=1) / len(figures)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = (table.fillna(0.0) * weights).sum(axis=1) / (present * weights).sum(axis=1)
        ranked = share >= MIN_SHARE
        score = score.where(ranked)
        sector_rows.append(
            pd.DataFrame(
                {
                    "region_code": wide.index,
                    "sector": sector,
                    "score": score,
                    "share_with_data": share,
                    "ranked": ranked,
                    "rank": _ranks(score),
                }
            )
        )
    figures_frame = pd.concat(figure_rows, ignore_index=True)
    sectors = pd.concat(sector_rows, ignore_index=True)
    weights = pd.Series(dict(sector_weights), dtype=float)
    pivot = sectors.pivot_table(index="region_code", columns="sector", values="score", aggfunc="first")
    pivot = pivot.reindex(columns=[s for s in weights.index if s in pivot.columns])
    w = weights.reindex(pivot.columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (pivot.fillna(0.0) * w).sum(axis=1) / (pivot.notna() * w).sum(axis=1)
    total_frame = pd.DataFrame(
        {
            "region_code": pivot.index,
            "sector": "totalt",
            "score": total,
            "share_with_data": pivot.notna().mean(axis=1),
            "ranked": total.notna(),
            "rank": _ranks(total),
        }
    )
    sectors = pd.concat([sectors, total_frame], ignore_index=True)
    scored_weight = figures_frame["weight"].where(figures_frame["score"].notna())
    keys = [figures_frame["region_code"], figures_frame["sector"]]
    sector_sum = scored_weight.groupby(keys).transform("sum")
    figures_frame["contribution"] = figures_frame["score"] * figures_frame["weight"] / sector_sum
    return figures_frame, sectors
