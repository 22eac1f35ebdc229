"""Method 1: weighted and unweighted group averages on a hand-made example."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.group_average import compute_group_stats

RULES = pd.DataFrame(
    {
        "indicator_id": ["cost_per_user", "ratio"],
        "average": ["weighted", "unweighted"],
        "weight": ["users", None],
    }
)


def _frame(rows: list[tuple[str, str, int, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"]).assign(
        release_kind="file"
    )


def _members(codes: list[str], year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame({"group_key": "g", "year": year, "region_code": codes})


def test_weighted_and_unweighted_by_hand() -> None:
    # A: 100 kr per user, 10 users; B: 200 kr per user, 30 users; C: no figure.
    values = _frame(
        [
            ("cost_per_user", "A", 2024, 100.0),
            ("cost_per_user", "B", 2024, 200.0),
            ("cost_per_user", "C", 2024, None),
            ("ratio", "A", 2024, 1.0),
            ("ratio", "B", 2024, 2.0),
            ("ratio", "C", 2024, 6.0),
        ]
    )
    weights = _frame([("users", "A", 2024, 10.0), ("users", "B", 2024, 30.0), ("users", "C", 2024, 5.0)])
    stats = compute_group_stats(values, weights, _members(["A", "B", "C"]), RULES).set_index("indicator_id")

    # weighted: (100*10 + 200*30) / (10 + 30) = 175, not the plain mean 150
    assert stats.loc["cost_per_user", "average"] == pytest.approx(175.0)
    assert stats.loc["cost_per_user", "members_with_data"] == 2  # C's missing value is not a zero
    assert stats.loc["cost_per_user", "highest"] == 200.0
    assert stats.loc["cost_per_user", "lowest"] == 100.0
    assert stats.loc["cost_per_user", "lowest_region"] == "A"
    # unweighted (*): plain mean of the members with data
    assert stats.loc["ratio", "average"] == pytest.approx(3.0)
    assert stats.loc["ratio", "highest_region"] == "C"
    assert stats.loc["ratio", "members"] == 3


def test_member_without_weight_is_left_out_of_a_weighted_average() -> None:
    values = _frame([("cost_per_user", "A", 2024, 100.0), ("cost_per_user", "B", 2024, 300.0)])
    weights = _frame([("users", "A", 2024, 10.0)])
    stats = compute_group_stats(values, weights, _members(["A", "B"]), RULES)
    assert stats.loc[0, "average"] == pytest.approx(100.0)
    assert stats.loc[0, "highest"] == 300.0  # but it still has the highest value


def test_non_members_and_other_years_do_not_count() -> None:
    values = _frame(
        [
            ("ratio", "A", 2024, 1.0),
            ("ratio", "X", 2024, 100.0),
            ("ratio", "A", 2023, 50.0),
        ]
    )
    stats = compute_group_stats(values, values.iloc[:0], _members(["A"]), RULES)
    assert len(stats) == 1
    assert stats.loc[0, "average"] == 1.0


def test_demodata_inputs_are_flagged() -> None:
    values = _frame([("ratio", "A", 2024, 1.0), ("ratio", "B", 2024, 2.0)])
    values.loc[1, "release_kind"] = "demodata"
    stats = compute_group_stats(values, values.iloc[:0], _members(["A", "B"]), RULES)
    assert bool(stats.loc[0, "demodata"])


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.1, 1e6, allow_nan=False), st.floats(0.5, 1e5, allow_nan=False)),
        min_size=1,
        max_size=15,
    ),
    st.randoms(use_true_random=False),
)
def test_average_lies_between_lowest_and_highest_in_any_order(pairs, rnd) -> None:
    codes = [f"{i:04d}" for i in range(len(pairs))]
    values = _frame([("cost_per_user", c, 2024, v) for c, (v, _) in zip(codes, pairs, strict=True)])
    weights = _frame([("users", c, 2024, w) for c, (_, w) in zip(codes, pairs, strict=True)])
    first = compute_group_stats(values, weights, _members(codes), RULES).iloc[0]
    shuffled = values.sample(frac=1.0, random_state=rnd.randint(0, 1000))
    second = compute_group_stats(shuffled, weights, _members(codes), RULES).iloc[0]
    tolerance = 1e-9 * max(abs(first["highest"]), 1.0)
    assert first["lowest"] - tolerance <= first["average"] <= first["highest"] + tolerance
    assert math.isclose(first["average"], second["average"], rel_tol=1e-12)
