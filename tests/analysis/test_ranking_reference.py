"""The ranking (method 6) on numpy arrays gives frames identical to the pandas formulation it
replaced, kept here as the reference: on made-up inputs with what real figures throw at it
(missing values, key figures without data, duplicate rows, ties, a handful of municipalities,
many sectors, uneven weights), compared in dtypes and order exactly and in value to a relative 1e-12."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.ranking import MIN_SHARE, KeyFigure, Rule, compute_ranking


def _reference_score(values: pd.Series, direction: str, rule: Rule = "average") -> pd.Series:
    present = values.dropna().to_numpy(dtype=float)
    if len(present) == 0:
        return pd.Series(np.nan, index=values.index)
    low, high = np.percentile(present, [5, 95])
    v = values.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule == "percentile":
            if high > low:
                position = (v - low) / (high - low)
            else:
                position = np.where(v > high, 1.0, np.where(v < low, 0.0, 0.5))
            if direction == "lower":
                position = 1.0 - position
            scores = 1.0 + 5.0 * position
        else:
            mean = float(present.mean())
            up = (v - mean) / (high - mean) if high > mean else np.where(v > mean, 1.0, 0.0)
            down = (mean - v) / (mean - low) if mean > low else np.where(v < mean, 1.0, 0.0)
            upside = np.where(v >= mean, up, 0.0)
            downside = np.where(v < mean, down, 0.0)
            signed = upside - downside
            if direction == "lower":
                signed = -signed
            scores = 3.5 + 2.5 * signed
    return pd.Series(np.clip(scores, 1.0, 6.0), index=values.index).where(values.notna())


def _reference_ranks(scores: pd.Series) -> pd.Series:
    return scores.rank(ascending=False, method="min").astype("Int64")


def _reference_ranking(
    values: pd.DataFrame,
    key_figures: Mapping[str, list[KeyFigure]],
    sector_weights: Mapping[str, float],
    rule: Rule = "average",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """compute_ranking as it was (pandas frames) before it moved to numpy arrays."""
    wide = values.pivot_table(index="region_code", columns="indicator_id", values="value", aggfunc="first")
    figure_rows, sector_rows = [], []
    for sector, figures in key_figures.items():
        scores = {}
        for figure in figures:
            column = (
                wide[figure.indicator] if figure.indicator in wide else pd.Series(np.nan, index=wide.index)
            )
            scores[figure.indicator] = _reference_score(column, figure.direction, rule)
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
                    "rank": _reference_ranks(score),
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
            "rank": _reference_ranks(total),
        }
    )
    sectors = pd.concat([sectors, total_frame], ignore_index=True)
    scored_weight = figures_frame["weight"].where(figures_frame["score"].notna())
    keys = [figures_frame["region_code"], figures_frame["sector"]]
    sector_sum = scored_weight.groupby(keys).transform("sum")
    figures_frame["contribution"] = figures_frame["score"] * figures_frame["weight"] / sector_sum
    return figures_frame, sectors


def _made_up(
    seed: int,
) -> tuple[pd.DataFrame, dict[str, list[KeyFigure]], dict[str, float]]:
    """One year of made-up figures: some municipalities (a handful to a few hundred), sectors
    of one to ten key figures (some without any data, some named in no sector), missing
    values, duplicate rows, ties, and weights that are not round numbers."""
    rng = np.random.default_rng(seed)
    regions = [
        f"{code:04d}"
        for code in rng.choice(5000, size=int(rng.choice([1, 2, 3, 5, 7, 40, 300])), replace=False)
    ]
    n_sectors = int(rng.integers(1, 13))
    key_figures: dict[str, list[KeyFigure]] = {}
    indicators = [f"k{i:02d}" for i in range(40)]
    for s in range(n_sectors):
        size = int(rng.choice([1, 2, 3, 5, 8, 10]))
        chosen = rng.choice(indicators, size=size, replace=bool(rng.random() < 0.1))
        key_figures[f"sektor{s:02d}"] = [
            KeyFigure(
                str(i),
                "higher" if rng.random() < 0.5 else "lower",
                1.0 if rng.random() < 0.3 else float(rng.choice([0.1, 0.2, 0.075, 0.025, rng.random() * 3])),
            )
            for i in chosen
        ]
    sector_weights = {
        s: float(rng.choice([0.2, 0.1, 0.075, 0.025, rng.random()]))
        for s in key_figures
        if rng.random() < 0.9
    }
    if rng.random() < 0.3:
        sector_weights["uten-nøkkeltall"] = 0.05
    rows = []
    named = sorted({f.indicator for fs in key_figures.values() for f in fs})
    data_for = [i for i in named if rng.random() < 0.9] + [i for i in indicators if i not in named][:3]
    nan_share = float(rng.choice([0.0, 0.05, 0.3, 0.7]))
    for indicator in data_for:
        kind = rng.random()
        if kind < 0.1:
            column = np.full(len(regions), np.nan)  # a key figure without any value this year
        elif kind < 0.3:
            column = rng.integers(0, 4, len(regions)).astype(float)  # many ties
        else:
            column = rng.lognormal(3, 1, len(regions))
        column[rng.random(len(regions)) < nan_share] = np.nan
        for code, value in zip(regions, column, strict=True):
            if rng.random() < 0.05:
                continue  # no row at all
            rows.append((indicator, code, value))
            if rng.random() < 0.03:  # the pair again: a missing first value gives way to this
                rows.append((indicator, code, float(rng.choice([np.nan, rng.random()]))))
    order = rng.permutation(len(rows))
    values = pd.DataFrame([rows[i] for i in order], columns=["indicator_id", "region_code", "value"])
    values["year"] = 2024
    return values, key_figures, sector_weights


def _assert_same(
    values: pd.DataFrame, key_figures: dict[str, list[KeyFigure]], weights: dict[str, float], rule: Rule
) -> None:
    expected_figures, expected_sectors = _reference_ranking(values, key_figures, weights, rule)
    figures, sectors = compute_ranking(values, key_figures, weights, rule)
    # Scores to a relative 1e-12: on this pandas (3.1) they agree to the last digit, but the
    # order pandas adds in is its own and may change; ranks, shares and flags exactly.
    pd.testing.assert_frame_equal(figures, expected_figures, check_exact=False, rtol=1e-12, atol=0.0)
    pd.testing.assert_frame_equal(sectors, expected_sectors, check_exact=False, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("seed", range(40))
def test_made_up_years_rank_as_the_pandas_formulation_did(seed: int) -> None:
    values, key_figures, weights = _made_up(seed)
    for rule in ("average", "percentile"):
        _assert_same(values, key_figures, weights, rule)


def test_edge_inputs_rank_as_the_pandas_formulation_did() -> None:
    one = {"s": [KeyFigure("a", "higher")]}
    frame = pd.DataFrame(
        {"indicator_id": ["a", "a", "b"], "region_code": ["P", "Q", "R"], "value": [1.0, 2.0, 3.0]}
    )
    cases = [
        (frame.iloc[:0], one, {"s": 1.0}),  # no figures at all
        (frame.assign(value=np.nan), one, {"s": 1.0}),  # only missing values
        (frame, one, {}),  # no sector weights
        (frame, one, {"t": 1.0}),  # weights only for a sector without key figures
        (frame, {"s": [KeyFigure("x", "lower")]}, {"s": 1.0}),  # a key figure nobody has
        (frame, {"s": [KeyFigure("a", "higher", 2.0), KeyFigure("a", "lower", 3.0)]}, {"s": 1.0}),
    ]
    for values, key_figures, weights in cases:
        for rule in ("average", "percentile"):
            _assert_same(values, key_figures, weights, rule)
