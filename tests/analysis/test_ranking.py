"""Method 6 (ranking), DEA and similar municipalities on hand-checked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.dea import compute_dea
from kostra.analysis.ranking import KeyFigure, compute_ranking, score_key_figure
from kostra.analysis.similar import compute_similar


def test_scores_since_2019_put_the_average_at_3_5() -> None:
    values = pd.Series(np.arange(0.0, 101.0))  # mean 50, 5th percentile 5, 95th 95
    scores = score_key_figure(values, "higher")
    assert scores[50] == pytest.approx(3.5)
    assert scores[95] == pytest.approx(6.0) and scores[100] == 6.0  # clipped
    assert scores[5] == pytest.approx(1.0) and scores[0] == 1.0
    assert scores[72] == pytest.approx(3.5 + 2.5 * 22 / 45)
    lower = score_key_figure(values, "lower")
    assert lower[95] == pytest.approx(1.0) and lower[5] == pytest.approx(6.0)


def test_scores_until_2018_are_linear_between_the_percentiles() -> None:
    values = pd.Series(np.arange(0.0, 101.0))
    scores = score_key_figure(values, "higher", rule="percentile")
    assert scores[5] == pytest.approx(1.0) and scores[95] == pytest.approx(6.0)
    assert scores[50] == pytest.approx(3.5)
    assert np.isnan(score_key_figure(pd.Series([1.0, np.nan, 3.0]), "higher")[1])


def _values(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "value"])


def test_sixty_percent_rule_and_ties() -> None:
    figures = {"s": [KeyFigure("a", "higher"), KeyFigure("b", "higher"), KeyFigure("c", "higher")]}
    rows = []
    for code, a, b, c in (
        ("K1", 1, 1, 1),
        ("K2", 2, 2, 2),
        ("K3", 2, 2, 2),
        ("K4", 3, 3, None),
        ("K5", 3, None, None),
    ):
        rows += [("a", code, a), ("b", code, b)] + ([("c", code, c)] if c is not None else [])
        if b is None:
            rows = [r for r in rows if not (r[1] == code and r[0] == "b")]
    _, sectors = compute_ranking(_values(rows), figures, {"s": 1.0})
    s = sectors[sectors["sector"] == "s"].set_index("region_code")
    # K4 has 2 of 3 key figures (67 % >= 60 %): ranked; K5 has 1 of 3 (33 %): not ranked
    assert bool(s.loc["K4", "ranked"]) and not bool(s.loc["K5", "ranked"])
    assert pd.isna(s.loc["K5", "rank"])
    # K2 and K3 tie and share the better place; the next one is two places down
    assert s.loc["K2", "rank"] == s.loc["K3", "rank"]
    assert s.loc["K1", "rank"] == s.loc["K2", "rank"] + 2
    total = sectors[sectors["sector"] == "totalt"].set_index("region_code")
    assert total.loc["K4", "rank"] == 1


def test_total_is_the_weighted_mean_of_sector_scores() -> None:
    figures = {"x": [KeyFigure("a", "higher")], "y": [KeyFigure("b", "lower")]}
    rows = [("a", c, v) for c, v in zip("PQR", (1.0, 2.0, 3.0), strict=True)]
    rows += [("b", c, v) for c, v in zip("PQR", (1.0, 2.0, 3.0), strict=True)]
    figures_frame, sectors = compute_ranking(_values(rows), figures, {"x": 0.75, "y": 0.25})
    scores = sectors.pivot_table(index="region_code", columns="sector", values="score")
    assert scores.loc["P", "totalt"] == pytest.approx(
        0.75 * scores.loc["P", "x"] + 0.25 * scores.loc["P", "y"]
    )
    assert set(figures_frame.columns) >= {"value", "score", "weight", "contribution"}


def test_contributions_add_up_to_the_sector_score_over_figures_with_data() -> None:
    figures = {"s": [KeyFigure("a", "higher", 2.0), KeyFigure("b", "higher", 1.0)]}
    rows = [("a", c, v) for c, v in zip("PQR", (1.0, 2.0, 3.0), strict=True)]
    rows += [("b", c, v) for c, v in zip("PQ", (1.0, 3.0), strict=True)]
    figures_frame, sectors = compute_ranking(_values(rows), figures, {"s": 1.0})
    by_region = figures_frame.groupby("region_code")["contribution"].sum(min_count=1)
    score = sectors[sectors["sector"] == "s"].set_index("region_code")["score"]
    assert by_region["P"] == pytest.approx(score["P"]) and by_region["Q"] == pytest.approx(score["Q"])
    # R lacks b, so a alone carries R's score: its weight 2 counts as the whole
    r = figures_frame[(figures_frame["region_code"] == "R") & (figures_frame["indicator_id"] == "a")]
    assert r["contribution"].iloc[0] == pytest.approx(r["score"].iloc[0])


@settings(deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=30))
def test_ranks_follow_the_scores(values: list[float]) -> None:
    rows = [("a", f"{i:04d}", v) for i, v in enumerate(values)]
    _, sectors = compute_ranking(_values(rows), {"s": [KeyFigure("a", "higher")]}, {"s": 1.0})
    part = sectors[sectors["sector"] == "s"]
    scores, ranks = part["score"].to_numpy(), part["rank"].to_numpy(dtype=int)
    assert ((scores >= 1) & (scores <= 6)).all()
    assert ranks.min() == 1
    for i in range(len(scores)):
        for j in range(len(scores)):
            if scores[i] > scores[j]:
                assert ranks[i] < ranks[j]
            elif scores[i] == scores[j]:
                assert ranks[i] == ranks[j]


def test_dea_textbook_example() -> None:
    # One input, one output. A (2, 1), B (3, 3) and C (6, 4) span the VRS frontier;
    # D (9, 4) needs only C's input 6: 6/9; E (4, 2) sits between A and B: 2.5/4.
    inputs = pd.DataFrame({"x": [2.0, 3.0, 6.0, 9.0, 4.0]}, index=list("ABCDE"))
    outputs = pd.DataFrame({"y": [1.0, 3.0, 4.0, 4.0, 2.0]}, index=list("ABCDE"))
    result = compute_dea(inputs, outputs).set_index("region_code")
    assert result.loc[["A", "B", "C"], "efficiency"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert result.loc["D", "efficiency"] == pytest.approx(6 / 9)
    assert result.loc["E", "efficiency"] == pytest.approx(2.5 / 4)
    assert result.loc["D", "peers"] == "C"
    assert set(result.loc["E", "peers"].split(",")) == {"A", "B"}
    constant = compute_dea(inputs, outputs, returns="constant").set_index("region_code")
    assert constant.loc["B", "efficiency"] == pytest.approx(1.0)  # best output per input
    assert constant.loc["A", "efficiency"] == pytest.approx((1 / 2) / (3 / 3))


def test_similar_municipalities() -> None:
    criteria = pd.DataFrame(
        {"a": [1.0, 1.1, 5.0, 9.0], "b": [10.0, 11.0, 10.0, 50.0]}, index=["X", "Y", "Z", "W"]
    )
    found = compute_similar(criteria, "X", 2)
    assert list(found["region_code"]) == ["Y", "Z"]
    assert found["distance"].is_monotonic_increasing
