"""Invariants KOSTRA.md implies, as properties over random inputs (issue 15, item 2).

- a weighted average lies within [lowest, highest] of the members with data, in any order;
- the index of the group average is 100 (and the highest and lowest indices straddle it);
- ranks are competition ranks: 1 + the number of strictly better scores, so a permutation
  of 1..n when no scores tie (ranking.py: "Ranks share the best place on ties (1, 2, 2, 4)");
- missing never becomes zero: NaN in gives NaN out, and a missing member changes nothing
  for the others (group averages, indices, ranking scores, time-series changes, resource use).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.efficiency import compute_efficiency
from kostra.analysis.group_average import compute_group_stats, compute_ranks
from kostra.analysis.ranking import KeyFigure, compute_ranking, score_key_figure
from kostra.analysis.resource_use import compute_need_adjusted, compute_resource_use
from kostra.analysis.service_profile import compute_profile
from kostra.analysis.time_series import compute_series
from kostra.catalog import Indicator

YEAR = 2024
RULES = pd.DataFrame(
    {"indicator_id": ["w_avg", "u_avg"], "average": ["weighted", "unweighted"], "weight": ["pop", None]}
)
INDICATORS = [
    Indicator(id=i, name_nb=i, sector="s", unit="kroner", decimals=1, average=a, weight=w)
    for i, a, w in (("w_avg", "weighted", "pop"), ("u_avg", "unweighted", None))
]

VALUE = st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False)
WEIGHT = st.floats(0.5, 1e5, allow_nan=False, allow_infinity=False)
# A member: its value (None = missing) and its weight.
MEMBER = st.tuples(st.one_of(st.none(), VALUE), WEIGHT)


def _codes(n: int) -> list[str]:
    return [f"{i:04d}" for i in range(n)]


def _stats(members: list[tuple[float | None, float]], order: list[int] | None = None) -> pd.DataFrame:
    """Group statistics of both indicators over members (value, weight), rows in ``order``."""
    codes = _codes(len(members))
    rows = [
        (indicator, code, YEAR, np.nan if value is None else value)
        for indicator in ("w_avg", "u_avg")
        for code, (value, _) in zip(codes, members, strict=True)
    ]
    values = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    if order is not None:
        values = values.iloc[order + [len(members) + i for i in order]]
    weights = pd.DataFrame(
        {"indicator_id": "pop", "region_code": codes, "year": YEAR, "value": [w for _, w in members]}
    )
    membership = pd.DataFrame({"group_key": "g", "year": YEAR, "region_code": codes})
    return compute_group_stats(values, weights, membership, RULES).set_index("indicator_id")


# -- a weighted average lies within its members ------------------------------------------------


@settings(deadline=None)
@given(st.lists(MEMBER, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_an_average_lies_within_the_members_with_data_in_any_order(members, rnd) -> None:  # type: ignore[no-untyped-def]
    present = [v for v, _ in members if v is not None]
    order = list(range(len(members)))
    rnd.shuffle(order)
    stats, shuffled = _stats(members), _stats(members, order)
    if not present:
        assert stats.empty  # no member with data: no average at all, never a zero
        return
    low, high = min(present), max(present)
    slack = 1e-9 * high
    for indicator in ("w_avg", "u_avg"):
        average = stats.loc[indicator, "average"]
        assert low - slack <= average <= high + slack
        assert stats.loc[indicator, "lowest"] == low and stats.loc[indicator, "highest"] == high
        assert stats.loc[indicator, "members_with_data"] == len(present)
        assert math.isclose(shuffled.loc[indicator, "average"], average, rel_tol=1e-12)


# -- the index of the group average is 100 -----------------------------------------------------


def _profile(stats: pd.DataFrame, subject_values: dict[str, float]) -> pd.DataFrame:
    """The profile of subject "S" (not a member) with the given values, against ``stats``."""
    values = pd.DataFrame(
        {
            "indicator_id": list(subject_values),
            "region_code": "S",
            "year": YEAR,
            "value": list(subject_values.values()),
            "release_kind": "file",
        }
    )
    subjects = pd.DataFrame({"region_code": ["S"], "group_key": ["g"]})
    return compute_profile(INDICATORS, values, stats.reset_index(), subjects, [YEAR]).set_index(
        "indicator_id"
    )


@settings(deadline=None)
@given(st.lists(st.tuples(VALUE, WEIGHT), min_size=1, max_size=10))
def test_the_index_of_the_group_average_is_100(members: list[tuple[float, float]]) -> None:
    stats = _stats(list(members))
    profile = _profile(stats, {i: float(stats.loc[i, "average"]) for i in ("w_avg", "u_avg")})
    for indicator in ("w_avg", "u_avg"):
        row = profile.loc[indicator]
        assert row["index"] == pytest.approx(100.0, rel=1e-12)
        # highest and lowest as indices (100 * highest / average ...) straddle the average's 100
        assert row["index_lowest"] <= 100.0 * (1 + 1e-9) and row["index_highest"] >= 100.0 * (1 - 1e-9)
        assert row["index_highest"] == pytest.approx(100.0 * row["group_highest"] / row["group_average"])


@settings(deadline=None)
@given(VALUE, WEIGHT)
def test_a_single_member_is_its_own_average_highest_and_lowest(value: float, weight: float) -> None:
    profile = _profile(_stats([(value, weight)]), {"w_avg": value, "u_avg": value})
    for indicator in ("w_avg", "u_avg"):
        row = profile.loc[indicator]
        for column in ("index", "index_highest", "index_lowest"):
            assert row[column] == pytest.approx(100.0, rel=1e-12)


# -- ranks are competition ranks (a permutation of 1..n without ties) --------------------------


def _ranking(values: list[float | None]) -> pd.DataFrame:
    rows = [("a", code, v) for code, v in zip(_codes(len(values)), values, strict=True) if v is not None]
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "value"])
    _, sectors = compute_ranking(frame, {"s": [KeyFigure("a", "higher")]}, {"s": 1.0})
    return sectors[sectors["sector"] == "s"].set_index("region_code")


@settings(deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=25))
def test_ranks_are_one_plus_the_number_of_better_scores(values: list[float]) -> None:
    part = _ranking(list(values))
    scores, ranks = part["score"].to_numpy(), part["rank"].to_numpy(dtype=int)
    for score, rank in zip(scores, ranks, strict=True):
        assert rank == 1 + int((scores > score).sum())
    if len(set(scores.tolist())) == len(scores):
        assert sorted(ranks.tolist()) == list(range(1, len(scores) + 1))


@settings(deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=25, unique=True))
def test_members_ranks_among_themselves_are_a_permutation(values: list[float]) -> None:
    # group_average.compute_ranks: 1 = the highest value; distinct values -> 1..n, each once.
    codes = _codes(len(values))
    frame = pd.DataFrame({"indicator_id": "a", "region_code": codes, "value": values})
    ranks = [int(compute_ranks(frame, codes, code)["rank"].iloc[0]) for code in codes]
    assert sorted(ranks) == list(range(1, len(values) + 1))
    assert ranks[int(np.argmax(values))] == 1
    assert {int(compute_ranks(frame, codes, c)["ranked"].iloc[0]) for c in codes} == {len(values)}


# -- missing never becomes zero ---------------------------------------------------------------


@settings(deadline=None)
@given(st.lists(MEMBER, min_size=1, max_size=12))
def test_a_missing_member_counts_as_absent_not_as_zero(members: list[tuple[float | None, float]]) -> None:
    with_gaps = _stats(list(members))
    present = [m for m in members if m[0] is not None]
    if not present:
        assert with_gaps.empty  # nobody with data: no statistics, not an average of zero
        return
    without = _stats(present)
    for indicator in ("w_avg", "u_avg"):
        for column in ("average", "highest", "lowest", "members_with_data"):
            assert with_gaps.loc[indicator, column] == pytest.approx(
                without.loc[indicator, column], rel=1e-12
            )


@settings(deadline=None)
@given(st.lists(st.tuples(VALUE, WEIGHT), min_size=1, max_size=8))
def test_a_missing_value_has_no_index(members: list[tuple[float, float]]) -> None:
    profile = _profile(_stats(list(members)), {"w_avg": math.nan, "u_avg": math.nan})
    assert profile["index"].isna().all() and profile["index_previous"].isna().all()
    # and a subject with a value but a group without any data has no index either
    empty = _stats([(None, 1.0)])
    assert _profile(empty, {"w_avg": 5.0, "u_avg": 5.0})["index"].isna().all()


@settings(deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=20),
    st.lists(st.booleans(), min_size=20, max_size=20),
    st.sampled_from(["average", "percentile"]),
    st.sampled_from(["higher", "lower"]),
)
def test_a_missing_key_figure_has_no_score_and_moves_nobody_else(values, gaps, rule, direction) -> None:  # type: ignore[no-untyped-def]
    series = pd.Series([math.nan if gap else v for v, gap in zip(values, gaps, strict=False)])
    scores = score_key_figure(series, direction, rule)
    assert scores[series.isna()].isna().all()
    present = series.dropna()
    pd.testing.assert_series_equal(scores[present.index], score_key_figure(present, direction, rule))


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(VALUE, VALUE, st.one_of(st.none(), VALUE)),
        min_size=2,
        max_size=15,
    )
)
def test_a_sector_score_is_the_mean_over_the_key_figures_with_data(rows) -> None:  # type: ignore[no-untyped-def]
    # Key figures a (weight 2), b (1), c (1); c may be missing (2 of 3 = 67 %: still ranked).
    # The sector score is the weighted mean of the scores present, a missing c is left out
    # (scoring it as a zero value, or as the lowest score 1, would change it).
    codes = _codes(len(rows))
    frame = pd.DataFrame(
        [
            (indicator, code, value)
            for code, row in zip(codes, rows, strict=True)
            for indicator, value in zip("abc", row, strict=True)
            if value is not None
        ],
        columns=["indicator_id", "region_code", "value"],
    )
    figures = {
        "s": [KeyFigure("a", "higher", 2.0), KeyFigure("b", "lower", 1.0), KeyFigure("c", "higher", 1.0)]
    }
    scored, sectors = compute_ranking(frame, figures, {"s": 1.0})
    part = sectors[sectors["sector"] == "s"].set_index("region_code")
    score = scored.pivot_table(index="region_code", columns="indicator_id", values="score")
    for code, (_, _, c) in zip(codes, rows, strict=True):
        a, b = score.loc[code, "a"], score.loc[code, "b"]
        if c is None:
            assert "c" not in score or math.isnan(score.loc[code, "c"])
            expected = (2 * a + b) / 3
        else:
            expected = (2 * a + b + score.loc[code, "c"]) / 4
        assert part.loc[code, "score"] == pytest.approx(expected, rel=1e-12)
        assert bool(part.loc[code, "ranked"])


@settings(deadline=None)
@given(
    st.lists(st.one_of(st.none(), VALUE), min_size=2, max_size=10),
    st.sampled_from(["kroner", "prosent"]),
)
def test_a_missing_year_has_no_change_on_either_side(values: list[float | None], unit: str) -> None:
    years = list(range(2015, 2015 + len(values)))
    frame = pd.DataFrame(
        {"series": "B", "year": years, "value": [math.nan if v is None else v for v in values]}
    )
    series = compute_series(frame, unit)
    for i, value in enumerate(values):
        if value is None:
            assert math.isnan(series.loc[i, "value"]) and math.isnan(series.loc[i, "change"])
            if i + 1 < len(values):
                assert math.isnan(series.loc[i + 1, "change"])
        elif i and values[i - 1] is not None:
            previous = values[i - 1]
            assert previous is not None
            expected = value - previous if unit == "prosent" else (value / previous - 1) * 100
            assert series.loc[i, "change"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), VALUE), st.one_of(st.none(), st.floats(0.5, 2.0))),
        min_size=1,
        max_size=12,
    )
)
def test_resource_use_without_spending_or_need_is_missing(rows) -> None:  # type: ignore[no-untyped-def]
    codes = _codes(len(rows))
    net = pd.Series([math.nan if s is None else s for s, _ in rows], index=codes)
    need = pd.Series([math.nan if n is None else n for _, n in rows], index=codes)
    table = compute_resource_use(net, need, codes).set_index("region_code")
    gap = net.isna() | need.isna()
    assert table.loc[gap, "r"].isna().all() and table.loc[gap, "indicator"].isna().all()
    whole = ~gap
    if whole.any():
        # the mean the indicator divides by is over the members with both figures
        mean = float((net[whole] / need[whole]).mean())
        assert table.loc[whole, "indicator"].to_numpy() == pytest.approx(
            (net[whole] / need[whole] / mean).to_numpy()
        )
        result = compute_need_adjusted(net, need, pd.Series(1.0, index=codes), codes[0], codes)
        assert result["comparison_adjusted"] == pytest.approx(mean)
        assert math.isnan(result["mer_mindreutgift"]) == bool(gap.iloc[0])
    else:
        assert table["indicator"].isna().all()


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), VALUE), st.one_of(st.none(), VALUE), st.floats(0.5, 2.0)),
        min_size=2,
        max_size=10,
    )
)
def test_efficiency_without_a_figure_is_missing(rows) -> None:  # type: ignore[no-untyped-def]
    codes = _codes(len(rows))
    production = pd.DataFrame(
        {
            "indicator_id": "p",
            "region_code": codes,
            "value": [math.nan if p is None else p for p, _, _ in rows],
        }
    )
    gross = pd.Series([math.nan if g is None else g for _, g, _ in rows], index=codes)
    need = pd.Series([n for _, _, n in rows], index=codes)
    table = compute_efficiency(production, {"p": 1.0}, gross, need, codes).set_index("region_code")
    assert table.loc[production["value"].isna().to_numpy(), "production_index"].isna().all()
    assert table.loc[gross.isna(), "cost_index"].isna().all()
    assert table.loc[gross.isna() | production["value"].isna().to_numpy(), "efficiency"].isna().all()
