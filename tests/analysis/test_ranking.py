"""Method 6 (ranking) and similar municipalities on hand-checked examples (DEA: test_dea.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_similar_municipalities() -> None:
    criteria = pd.DataFrame(
        {"a": [1.0, 1.1, 5.0, 9.0], "b": [10.0, 11.0, 10.0, 50.0]}, index=["X", "Y", "Z", "W"]
    )
    found = compute_similar(criteria, "X", 2)
    assert list(found["region_code"]) == ["Y", "Z"]
    assert found["distance"].is_monotonic_increasing


# -- whole outputs pinned by hand ---------------------------------------------------------------

SKEWED = pd.Series([0.0, 0.0, 2.0, 4.0, 10.0, np.nan], index=list("ABCDEF"))


def _scores(values: list[float], index: list[str]) -> pd.Series:
    return pd.Series(values, index=index, dtype=float)


def test_scores_of_a_skewed_figure_under_both_rules_and_directions() -> None:
    # Values 0, 0, 2, 4, 10 and one missing (F). numpy's linear percentiles over the five
    # present: 5th at position 0.2 -> 0, 95th at position 3.8 -> 4 + 0.8 * 6 = 8.8; mean 3.2.
    # Percentile rule, higher: 1 + 5 * v / 8.8 -> 0: 1, 2: 2.136364, 4: 3.272727, 10: 6.68 -> 6.
    # Percentile rule, lower: 1 + 5 * (1 - v / 8.8) -> 0: 6, 2: 4.863636, 4: 3.727273, 10: 1.
    # Average rule, higher: below the mean 3.5 - 2.5 * (3.2 - v) / 3.2, above it
    # 3.5 + 2.5 * (v - 3.2) / 5.6 -> 0: 1, 2: 2.5625, 4: 3.857143, 10: 3.5 + 3.04 -> 6.
    # Average rule, lower: the mirror, 7 - score -> 6, 6, 4.4375, 3.142857, 1.
    # F stays missing in every case.
    index = list("ABCDEF")
    expected = {
        ("higher", "percentile"): [1.0, 1.0, 2.136364, 3.272727, 6.0, np.nan],
        ("lower", "percentile"): [6.0, 6.0, 4.863636, 3.727273, 1.0, np.nan],
        ("higher", "average"): [1.0, 1.0, 2.5625, 3.857143, 6.0, np.nan],
        ("lower", "average"): [6.0, 6.0, 4.4375, 3.142857, 1.0, np.nan],
    }
    for (direction, rule), scores in expected.items():
        pd.testing.assert_series_equal(
            score_key_figure(SKEWED, direction, rule), _scores(scores, index), obj=f"{direction}, {rule}"
        )
    # the average rule (since 2019) is the default
    pd.testing.assert_series_equal(
        score_key_figure(SKEWED, "higher"), _scores(expected[("higher", "average")], index)
    )


def test_equal_values_all_score_the_average() -> None:
    # 2, 2, 2: percentiles and mean are all 2. Percentile rule: no spread, every value is in
    # the tie, position 0.5 -> 1 + 5 * 0.5 = 3.5 (also turned around). Average rule: no
    # distance from the mean -> 3.5.
    values = pd.Series([2.0, 2.0, np.nan, 2.0], index=["K1", "K2", "K3", "K4"])
    expected = _scores([3.5, 3.5, np.nan, 3.5], ["K1", "K2", "K3", "K4"])
    for direction in ("higher", "lower"):
        for rule in ("percentile", "average"):
            pd.testing.assert_series_equal(score_key_figure(values, direction, rule), expected)


def test_percentile_rule_when_most_values_tie_on_both_sides() -> None:
    # -10, thirty 0s, 10 (32 values): the 5th percentile is at position 0.05 * 31 = 1.55 and the
    # 95th at 0.95 * 31 = 29.45, both among the 0s, so both are 0. Above the tie is the best
    # 5 % (6), below it the worst (1), the tie itself between (3.5); lower is better mirrors it.
    values = pd.Series([-10.0] + [0.0] * 30 + [10.0])
    higher = score_key_figure(values, "higher", "percentile")
    lower = score_key_figure(values, "lower", "percentile")
    pd.testing.assert_series_equal(higher, pd.Series([1.0] + [3.5] * 30 + [6.0]))
    pd.testing.assert_series_equal(lower, pd.Series([6.0] + [3.5] * 30 + [1.0]))
    # Average rule on the same values: the mean is 0, the thirty at the mean score 3.5.
    average = score_key_figure(values, "higher", "average")
    assert average.iloc[1:31].tolist() == [3.5] * 30


def test_a_single_value_scores_the_average_and_no_values_score_nothing() -> None:
    # One value present: it is its own mean and both percentiles -> 3.5 under both rules.
    one = pd.Series([np.nan, 7.0, np.nan], index=["K1", "K2", "K3"])
    for rule in ("percentile", "average"):
        pd.testing.assert_series_equal(
            score_key_figure(one, "higher", rule), _scores([np.nan, 3.5, np.nan], ["K1", "K2", "K3"])
        )
    # Nothing present: float NaN on the same index (not an object column, not a new index).
    none = pd.Series([np.nan, np.nan], index=["K1", "K2"])
    pd.testing.assert_series_equal(score_key_figure(none, "higher"), _scores([np.nan, np.nan], ["K1", "K2"]))
    empty = pd.Series([], dtype=float, index=pd.Index([], dtype=object))
    pd.testing.assert_series_equal(score_key_figure(empty, "lower", "percentile"), empty)


def test_key_figures_weigh_one_unless_told() -> None:
    assert KeyFigure("a", "higher").weight == 1.0
    assert KeyFigure("a", "lower", 2.5).weight == 2.5


def _example_ranking() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Five municipalities P, Q, R, S, V; three sectors.
    #   x (sector weight 2): a (higher, weight 2), b (lower, weight 1), c (no data at all)
    #   y (sector weight 1): d (higher); P's d is given twice, the first figure (0) counts
    #   z (no sector weight: scored, ranked within z, left out of the total): e (higher)
    # The sector weights also name w, a sector without key figures (ignored).
    rows = [("a", "P", 0.0), ("a", "Q", 5.0), ("a", "R", 10.0)]
    rows += [("b", "P", 10.0), ("b", "Q", 5.0), ("b", "S", 0.0)]
    rows += [("d", "P", 0.0), ("d", "Q", 10.0), ("d", "R", 10.0), ("d", "S", 0.0), ("d", "P", 99.0)]
    rows += [("e", "P", 0.0), ("e", "Q", 5.0), ("e", "V", 10.0)]
    figures = {
        "x": [KeyFigure("a", "higher", 2.0), KeyFigure("b", "lower", 1.0), KeyFigure("c", "higher")],
        "y": [KeyFigure("d", "higher")],
        "z": [KeyFigure("e", "higher")],
    }
    return compute_ranking(_values(rows), figures, {"x": 2.0, "y": 1.0, "w": 5.0})


def test_the_sector_and_total_table_by_hand() -> None:
    # Scores (average rule):
    #   a, b, e over 0, 5, 10: 5th percentile 0.5, 95th 9.5, mean 5 -> 0: 3.5 - 2.5 * 5 / 4.5
    #     < 1 -> 1, 5: 3.5, 10: 6; b is lower-is-better: P (10) 1, Q (5) 3.5, S (0) 6.
    #   d over 0, 0, 10, 10: 5th 0, 95th 10, mean 5 -> 0: 1, 10: 6.
    # x (3 key figures; at least 60 % = 2 of them to be ranked):
    #   P a 1, b 1 (2 of 3 = 0.667): (2 * 1 + 1 * 1) / 3 = 1.0
    #   Q a 3.5, b 3.5 (2 of 3): (2 * 3.5 + 3.5) / 3 = 3.5
    #   R a only, S b only (1 of 3 = 0.333), V none (0): not ranked, no score
    # y: P 1, Q 6, R 6, S 1 -> ranks Q 1, R 1 (tie), P 3, S 3; V has no d: not ranked.
    # z: P 1, Q 3.5, V 6 -> V 1, Q 2, P 3; R, S not ranked.
    # Total over the weighted sectors a municipality has (x 2, y 1), weights rescaled:
    #   P (2 * 1 + 1 * 1) / 3 = 1.0; Q (2 * 3.5 + 1 * 6) / 3 = 13 / 3 = 4.333333;
    #   R y alone 6.0; S y alone 1.0; V none -> no total, not ranked.
    #   share_with_data = sectors with a score of x and y: P 1, Q 1, R 0.5, S 0.5, V 0.
    #   Ranks R 1, Q 2, P 3, S 3 (tie).
    _, sectors = _example_ranking()
    nan, na = np.nan, None
    rows = [
        ("P", "x", 1.0, 2 / 3, True, 2),
        ("Q", "x", 3.5, 2 / 3, True, 1),
        ("R", "x", nan, 1 / 3, False, na),
        ("S", "x", nan, 1 / 3, False, na),
        ("V", "x", nan, 0.0, False, na),
        ("P", "y", 1.0, 1.0, True, 3),
        ("Q", "y", 6.0, 1.0, True, 1),
        ("R", "y", 6.0, 1.0, True, 1),
        ("S", "y", 1.0, 1.0, True, 3),
        ("V", "y", nan, 0.0, False, na),
        ("P", "z", 1.0, 1.0, True, 3),
        ("Q", "z", 3.5, 1.0, True, 2),
        ("R", "z", nan, 0.0, False, na),
        ("S", "z", nan, 0.0, False, na),
        ("V", "z", 6.0, 1.0, True, 1),
        ("P", "totalt", 1.0, 1.0, True, 3),
        ("Q", "totalt", 13 / 3, 1.0, True, 2),
        ("R", "totalt", 6.0, 0.5, True, 1),
        ("S", "totalt", 1.0, 0.5, True, 3),
        ("V", "totalt", nan, 0.0, False, na),
    ]
    expected = pd.DataFrame(
        rows, columns=["region_code", "sector", "score", "share_with_data", "ranked", "rank"]
    )
    expected["rank"] = expected["rank"].astype("Int64")
    pd.testing.assert_frame_equal(sectors, expected)


def test_the_key_figure_table_by_hand() -> None:
    # One row per sector, key figure and municipality (in that order), with the value, the score,
    # the key figure's weight and its contribution = score * weight / the weights of the
    # municipality's scored key figures in the sector:
    #   x, P: a 1 * 2 / 3 = 0.666667, b 1 * 1 / 3 = 0.333333
    #   x, Q: a 3.5 * 2 / 3 = 2.333333, b 3.5 * 1 / 3 = 1.166667
    #   x, R: a alone 6 * 2 / 2 = 6; x, S: b alone 6 * 1 / 1 = 6; c never has a score
    #   y and z have one key figure each: the contribution is the score.
    figures, _ = _example_ranking()
    codes = list("PQRSV")
    nan = np.nan
    expected = pd.DataFrame(
        {
            "region_code": codes * 5,
            "sector": ["x"] * 15 + ["y"] * 5 + ["z"] * 5,
            "indicator_id": [k for k in "abcde" for _ in codes],
            "value": [0.0, 5.0, 10.0, nan, nan]
            + [10.0, 5.0, nan, 0.0, nan]
            + [nan] * 5
            + [0.0, 10.0, 10.0, 0.0, nan]
            + [0.0, 5.0, nan, nan, 10.0],
            "score": [1.0, 3.5, 6.0, nan, nan]
            + [1.0, 3.5, nan, 6.0, nan]
            + [nan] * 5
            + [1.0, 6.0, 6.0, 1.0, nan]
            + [1.0, 3.5, nan, nan, 6.0],
            "weight": [2.0] * 5 + [1.0] * 20,
            "contribution": [2 / 3, 7 / 3, 6.0, nan, nan]
            + [1 / 3, 3.5 / 3, nan, 6.0, nan]
            + [nan] * 5
            + [1.0, 6.0, 6.0, 1.0, nan]
            + [1.0, 3.5, nan, nan, 6.0],
        }
    )
    pd.testing.assert_frame_equal(figures, expected)


def test_the_ranking_rule_reaches_the_scores() -> None:
    # One sector, one key figure with the skewed values above (F has none, so it is not ranked):
    # the sector score is the key figure's score under the chosen rule (average by default).
    rows = [("a", code, value) for code, value in SKEWED.dropna().items()]
    figures = {"s": [KeyFigure("a", "higher")]}
    for rule, scores in (
        ("percentile", [1.0, 1.0, 2.136364, 3.272727, 6.0]),
        ("average", [1.0, 1.0, 2.5625, 3.857143, 6.0]),
    ):
        _, sectors = compute_ranking(_values(rows), figures, {"s": 0.5}, rule=rule)
        part = sectors[sectors["sector"] == "s"]
        assert part["score"].round(6).tolist() == scores
        assert part["rank"].tolist() == [4, 4, 3, 2, 1]
        total = sectors[sectors["sector"] == "totalt"]
        assert total["score"].round(6).tolist() == scores  # one sector: 0.5 * s / 0.5
    _, default = compute_ranking(_values(rows), figures, {"s": 0.5})
    assert default["score"].round(6).tolist()[:5] == [1.0, 1.0, 2.5625, 3.857143, 6.0]


def test_three_of_five_key_figures_is_enough_and_two_is_not() -> None:
    # 3 of 5 = 0.6 is "at least 60 %": ranked; 2 of 5 = 0.4 is not (no score, no rank).
    # All values of a key figure are 1 or 2 apart from the others; K1 has all five at 1,
    # K2 the first three at 2, K3 the first two at 3.
    figures = {"s": [KeyFigure(k, "higher") for k in "abcde"]}
    rows = [(k, "K1", 1.0) for k in "abcde"] + [(k, "K2", 2.0) for k in "abc"]
    rows += [(k, "K3", 3.0) for k in "ab"]
    _, sectors = compute_ranking(_values(rows), figures, {"s": 1.0})
    s = sectors[sectors["sector"] == "s"].set_index("region_code")
    assert s["share_with_data"].tolist() == [1.0, 0.6, 0.4]
    assert s["ranked"].tolist() == [True, True, False]
    assert s["rank"].isna().tolist() == [False, False, True]


def test_without_sector_weights_there_is_no_total() -> None:
    # The sector is scored and ranked (1 and 2 over two values: 1 and 6), but no sector has a
    # weight, so the total has no score, no share of sectors, and nobody is ranked in it.
    _, sectors = compute_ranking(
        _values([("a", "P", 1.0), ("a", "Q", 2.0)]), {"s": [KeyFigure("a", "higher")]}, {}
    )
    expected = pd.DataFrame(
        {
            "region_code": ["P", "Q", "P", "Q"],
            "sector": ["s", "s", "totalt", "totalt"],
            "score": [1.0, 6.0, np.nan, np.nan],
            "share_with_data": [1.0, 1.0, np.nan, np.nan],
            "ranked": [True, True, False, False],
            "rank": pd.array([2, 1, None, None], dtype="Int64"),
        }
    )
    pd.testing.assert_frame_equal(sectors, expected)


def test_the_average_rule_when_most_values_tie_at_one_end() -> None:
    # thirty 0s and one 1000: the average is 1000/31 = 32,3, the 5 % and 95 % values are 0.
    # The 1000 is beyond the 95 % value: 6 (higher is better), 1 (lower is better). The 0s
    # are at the 5 % value below the average: 1 (higher), 6 (lower).
    values = pd.Series([0.0] * 30 + [1000.0])
    higher = score_key_figure(values, "higher", "average")
    assert higher.iloc[-1] == 6.0 and (higher.iloc[:-1] == 1.0).all()
    lower = score_key_figure(values, "lower", "average")
    assert lower.iloc[-1] == 1.0 and (lower.iloc[:-1] == 6.0).all()
    # -10, thirty 0s and 10: the average 0 is both the 5 % and the 95 % value; the ends are
    # beyond them (1 and 6), the average itself 3,5
    spread = score_key_figure(pd.Series([-10.0] + [0.0] * 30 + [10.0]), "higher", "average")
    assert spread.iloc[0] == 1.0 and spread.iloc[-1] == 6.0 and (spread.iloc[1:-1] == 3.5).all()


def test_a_missing_value_gives_way_to_the_next_and_a_municipality_without_values_is_left_out() -> None:
    # P's a is given twice, first missing: the 0 after it counts. R has only a missing value:
    # R is in no table. a over P 0, Q 10: mean 5, 5th percentile 0.5, 95th 9.5 ->
    # P 3.5 - 2.5 * 5 / 4.5 = 0.72 -> 1, Q 3.5 + 2.5 * 5 / 4.5 = 6.28 -> 6; one key figure:
    # the contribution and the sector and total scores are the score; ranks Q 1, P 2.
    rows = [("a", "P", np.nan), ("a", "P", 0.0), ("a", "Q", 10.0), ("a", "R", np.nan)]
    figures, sectors = compute_ranking(_values(rows), {"s": [KeyFigure("a", "higher")]}, {"s": 1.0})
    expected_figures = pd.DataFrame(
        {
            "region_code": ["P", "Q"],
            "sector": ["s", "s"],
            "indicator_id": ["a", "a"],
            "value": [0.0, 10.0],
            "score": [1.0, 6.0],
            "weight": [1.0, 1.0],
            "contribution": [1.0, 6.0],
        }
    )
    pd.testing.assert_frame_equal(figures, expected_figures)
    expected_sectors = pd.DataFrame(
        {
            "region_code": ["P", "Q", "P", "Q"],
            "sector": ["s", "s", "totalt", "totalt"],
            "score": [1.0, 6.0, 1.0, 6.0],
            "share_with_data": [1.0, 1.0, 1.0, 1.0],
            "ranked": [True, True, True, True],
            "rank": pd.array([2, 1, 2, 1], dtype="Int64"),
        }
    )
    pd.testing.assert_frame_equal(sectors, expected_sectors)
