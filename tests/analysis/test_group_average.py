"""Method 1: weighted and unweighted group averages on a hand-made example."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.group_average import compute_group_stats, compute_ranks, member_values, positions_of

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


# -- whole frames by hand ----------------------------------------------------------------------

# The columns of compute_group_stats, in order, written out here (not read from STAT_COLUMNS).
COLUMNS = [
    "group_key",
    "indicator_id",
    "year",
    "average",
    "highest",
    "lowest",
    "highest_region",
    "lowest_region",
    "members",
    "members_with_data",
    "members_without_weight",
    "demodata",
]
NAN = math.nan
# Three rules: a weighted figure with a weight, a ready-made ratio (*), and a count: "weighted"
# but without a weight, which SSB averages arithmetically.
RULES3 = pd.DataFrame(
    {
        "indicator_id": ["cost", "ratio", "count"],
        "average": ["weighted", "unweighted", "weighted"],
        "weight": ["users", None, None],
    }
)


def _expected(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype(
        {
            "year": "int64",
            "average": "float64",
            "highest": "float64",
            "lowest": "float64",
            "members": "int64",
            "members_with_data": "int64",
            "members_without_weight": "int64",
            "demodata": "bool",
        }
    )


def _stats_of(values: pd.DataFrame, weights: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    return compute_group_stats(values, weights, members, RULES3)


def test_one_group_whole_frame_by_hand() -> None:
    # Group g in 2024: A, B, C, D. E is no member; A's 2023 figure is another year.
    values = _frame(
        [
            ("ratio", "C", 2024, 4.0),
            ("cost", "B", 2024, 200.0),
            ("cost", "A", 2024, 100.0),
            ("cost", "C", 2024, 400.0),
            ("cost", "D", 2024, 300.0),
            ("ratio", "A", 2024, 1.0),
            ("ratio", "D", 2024, None),
            ("count", "A", 2024, 5.0),
            ("count", "B", 2024, 7.0),
            ("cost", "E", 2024, 999.0),
            ("cost", "A", 2023, 50.0),
        ]
    )
    # users: A 3 (a second row for A, 999, comes later and is not used: the first one wins),
    # B exactly 1, C 4, D exactly 0 (no weight: a zero weight cannot carry an average), E no member.
    weights = _frame(
        [
            ("users", "A", 2024, 3.0),
            ("users", "B", 2024, 1.0),
            ("users", "C", 2024, 4.0),
            ("users", "D", 2024, 0.0),
            ("users", "A", 2024, 999.0),
            ("users", "E", 2024, 5.0),
        ]
    )
    stats = _stats_of(values, weights, _members(["A", "B", "C", "D"]))
    expected = _expected(
        [
            # ratio (*): A 1, C 4, D missing: (1 + 4) / 2 = 2.5; highest C 4, lowest A 1
            ("g", "ratio", 2024, 2.5, 4.0, 1.0, "C", "A", 4, 2, 0, False),
            # cost: (100*3 + 200*1 + 400*4) / (3 + 1 + 4) = 2100 / 8 = 262.5 (D has no weight,
            # is counted as such, and still has a value: highest C 400, lowest A 100, 4 with data)
            ("g", "cost", 2024, 262.5, 400.0, 100.0, "C", "A", 4, 4, 1, False),
            # count (weighted, no weight): (5 + 7) / 2 = 6
            ("g", "count", 2024, 6.0, 7.0, 5.0, "B", "A", 4, 2, 0, False),
        ]
    )
    # Rows come in the order the figures first appear in the values (ratio, cost, count).
    pd.testing.assert_frame_equal(stats, expected)


def test_two_groups_whole_frame_by_hand() -> None:
    # g1: A, B in 2024 and A alone in 2023; g2: B, C, D in 2024 (D has no figures at all).
    # B is in both groups.
    membership = pd.DataFrame(
        {
            "group_key": ["g1", "g1", "g2", "g2", "g2", "g1"],
            "year": [2024, 2024, 2024, 2024, 2024, 2023],
            "region_code": ["A", "B", "B", "C", "D", "A"],
        }
    )
    values = _frame(
        [
            ("cost", "C", 2024, 500.0),
            ("cost", "B", 2024, 300.0),
            ("cost", "A", 2024, 100.0),
            ("ratio", "A", 2024, 1.0),
            ("ratio", "B", 2024, 3.0),
            ("ratio", "C", 2024, 8.0),
            ("ratio", "A", 2023, 2.0),
            ("ratio", "B", 2023, 100.0),  # B is no member in 2023
        ]
    )
    weights = _frame([("users", "A", 2024, 1.0), ("users", "B", 2024, 3.0), ("users", "C", 2024, 1.0)])
    stats = _stats_of(values, weights, membership)
    expected = _expected(
        [
            # Rows in the order each (group, indicator, year) first appears in the values, C's
            # cost first (each value row tagged with its groups in the membership's order).
            # g2 2024 cost: (300*3 + 500*1) / (3 + 1) = 1400 / 4 = 350
            # (3 members, 2 with data)
            ("g2", "cost", 2024, 350.0, 500.0, 300.0, "C", "B", 3, 2, 0, False),
            # g1 2024 cost: (100*1 + 300*3) / (1 + 3) = 1000 / 4 = 250
            ("g1", "cost", 2024, 250.0, 300.0, 100.0, "B", "A", 2, 2, 0, False),
            # g1 2024 ratio: (1 + 3) / 2 = 2
            ("g1", "ratio", 2024, 2.0, 3.0, 1.0, "B", "A", 2, 2, 0, False),
            # g2 2024 ratio: (3 + 8) / 2 = 5.5
            ("g2", "ratio", 2024, 5.5, 8.0, 3.0, "C", "B", 3, 2, 0, False),
            # g1 2023 ratio: A alone, 2
            ("g1", "ratio", 2023, 2.0, 2.0, 2.0, "A", "A", 1, 1, 0, False),
        ]
    )
    pd.testing.assert_frame_equal(stats, expected)


def test_ties_go_to_the_first_in_the_values() -> None:
    # Highest 5 is shared by C and A, lowest 2 by B and D: the one listed first wins.
    values = _frame(
        [
            ("ratio", "C", 2024, 5.0),
            ("ratio", "B", 2024, 2.0),
            ("ratio", "A", 2024, 5.0),
            ("ratio", "D", 2024, 2.0),
        ]
    )
    stats = _stats_of(values, values.iloc[:0], _members(["A", "B", "C", "D"]))
    # (5 + 2 + 5 + 2) / 4 = 3.5
    expected = _expected([("g", "ratio", 2024, 3.5, 5.0, 2.0, "C", "B", 4, 4, 0, False)])
    pd.testing.assert_frame_equal(stats, expected)


def test_a_single_member_is_its_own_average() -> None:
    # One member, one value: average = highest = lowest = 0.25 (its weight 1 for a ratio).
    values = _frame([("ratio", "A", 2024, 0.25), ("cost", "A", 2024, 40.0)])
    weights = _frame([("users", "A", 2024, 0.5)])
    stats = _stats_of(values, weights, _members(["A"]))
    expected = _expected(
        [
            ("g", "ratio", 2024, 0.25, 0.25, 0.25, "A", "A", 1, 1, 0, False),
            # cost: 40 * 0.5 / 0.5 = 40 (a weight below 1 is a weight)
            ("g", "cost", 2024, 40.0, 40.0, 40.0, "A", "A", 1, 1, 0, False),
        ]
    )
    pd.testing.assert_frame_equal(stats, expected)


def test_members_without_any_weight_give_no_weighted_average() -> None:
    # Nobody has a weight for cost: no average (NaN, not 0), but the values are still there.
    values = _frame([("cost", "A", 2024, 100.0), ("cost", "B", 2024, 300.0), ("ratio", "A", 2024, 2.0)])
    weights = _frame([("users", "A", 2024, 0.0), ("users", "X", 2024, 7.0)])
    stats = _stats_of(values, weights, _members(["A", "B"]))
    expected = _expected(
        [
            ("g", "cost", 2024, NAN, 300.0, 100.0, "B", "A", 2, 2, 2, False),
            ("g", "ratio", 2024, 2.0, 2.0, 2.0, "A", "A", 2, 1, 0, False),
        ]
    )
    pd.testing.assert_frame_equal(stats, expected)


def test_no_weights_at_all_give_no_weighted_average() -> None:
    values = _frame([("cost", "A", 2024, 100.0), ("count", "A", 2024, 3.0), ("count", "B", 2024, 4.0)])
    stats = _stats_of(values, values.iloc[:0], _members(["A", "B"]))
    expected = _expected(
        [
            ("g", "cost", 2024, NAN, 100.0, 100.0, "A", "A", 2, 1, 1, False),
            # a count needs no weight: (3 + 4) / 2 = 3.5
            ("g", "count", 2024, 3.5, 4.0, 3.0, "B", "A", 2, 2, 0, False),
        ]
    )
    pd.testing.assert_frame_equal(stats, expected)


def test_demodata_from_values_and_from_weights() -> None:
    # g1 = A, B; g2 = C, D (two groups). Demodata: C's ratio value; B's weight (users).
    membership = pd.DataFrame(
        {"group_key": ["g1", "g1", "g2", "g2"], "year": 2024, "region_code": ["A", "B", "C", "D"]}
    )
    values = _frame(
        [
            ("cost", "A", 2024, 10.0),
            ("cost", "B", 2024, 20.0),
            ("ratio", "A", 2024, 1.0),
            ("ratio", "B", 2024, 2.0),
            ("cost", "C", 2024, 30.0),
            ("cost", "D", 2024, 40.0),
            ("ratio", "C", 2024, 3.0),
            ("ratio", "D", 2024, 4.0),
        ]
    )
    values.loc[6, "release_kind"] = "demodata"
    # D has no weight row: its weight is missing, which is no demodata.
    weights = _frame([("users", "A", 2024, 1.0), ("users", "B", 2024, 1.0), ("users", "C", 2024, 1.0)])
    weights.loc[1, "release_kind"] = "demodata"
    stats = _stats_of(values, weights, membership)
    expected = _expected(
        [
            # g1 cost: B's weight is demodata -> flagged; (10 + 20) / 2 = 15
            ("g1", "cost", 2024, 15.0, 20.0, 10.0, "B", "A", 2, 2, 0, True),
            # g1 ratio uses no weight: B's demodata weight does not touch it
            ("g1", "ratio", 2024, 1.5, 2.0, 1.0, "B", "A", 2, 2, 0, False),
            # g2 cost: C's weight 1, D none: 30 * 1 / 1 = 30
            ("g2", "cost", 2024, 30.0, 40.0, 30.0, "D", "C", 2, 2, 1, False),
            # g2 ratio: one demodata value (C's) is enough
            ("g2", "ratio", 2024, 3.5, 4.0, 3.0, "D", "C", 2, 2, 0, True),
        ]
    )
    pd.testing.assert_frame_equal(stats, expected)


def test_frames_without_release_kind() -> None:
    # Neither values nor weights need a release_kind column: then nothing is demodata.
    values = _frame([("cost", "A", 2024, 10.0), ("cost", "B", 2024, 40.0)]).drop(columns="release_kind")
    weights = _frame([("users", "A", 2024, 3.0), ("users", "B", 2024, 1.0)]).drop(columns="release_kind")
    stats = _stats_of(values, weights, _members(["A", "B"]))
    # (10*3 + 40*1) / (3 + 1) = 70 / 4 = 17.5
    expected = _expected([("g", "cost", 2024, 17.5, 40.0, 10.0, "B", "A", 2, 2, 0, False)])
    pd.testing.assert_frame_equal(stats, expected)


def test_no_member_with_data_gives_no_rows() -> None:
    values = _frame([("cost", "A", 2024, None), ("cost", "X", 2024, 5.0)])
    stats = _stats_of(values, values.iloc[:0], _members(["A"]))
    assert list(stats.columns) == COLUMNS
    assert stats.empty


# -- ranks -------------------------------------------------------------------------------------


def _ranked(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "rank", "ranked"])


RANK_VALUES = pd.DataFrame(
    [
        ("x", "A", 5.0),
        ("x", "B", 3.0),
        ("x", "C", 3.0),
        ("x", "D", 1.0),
        ("x", "E", None),  # a member without data is not ranked
        ("x", "S", 3.0),
        ("x", "Z", 9.0),  # no member: does not count
        ("y", "S", 2.0),  # nobody else has y
        ("z", "S", None),  # S has no z: no row
        ("w", "B", 4.0),
        ("w", "S", 4.0),
    ],
    columns=["indicator_id", "region_code", "value"],
)
RANK_MEMBERS = ["A", "B", "C", "D", "E"]


def test_member_values_are_sorted_per_indicator() -> None:
    table = member_values(RANK_VALUES, RANK_MEMBERS)
    assert table.keys() == {"x", "w"}  # (looked up by key: their order means nothing)
    assert table["x"].tolist() == [1.0, 3.0, 3.0, 5.0]
    assert table["w"].tolist() == [4.0]


def test_ranks_of_a_member_with_a_tie() -> None:
    # x among A 5, B 3, C 3, D 1 (E has none): B shares 2nd place with C, of 4 ranked.
    # w: B alone -> 1 of 1.
    ranks = compute_ranks(RANK_VALUES, RANK_MEMBERS, "B")
    pd.testing.assert_frame_equal(ranks, _ranked([("x", 2, 4), ("w", 1, 1)]))
    # D is lowest: 3 higher than it -> 4 of 4
    pd.testing.assert_frame_equal(compute_ranks(RANK_VALUES, RANK_MEMBERS, "D"), _ranked([("x", 4, 4)]))


def test_ranks_of_a_subject_outside_the_group() -> None:
    # S (no member) is placed among the 4 members with x: only A's 5 is higher -> 2 of 5
    # (the tie with B and C shares the better place). y: no member has it -> 1 of 1.
    # z is missing for S: no row. w: ties B's 4 -> 1 of 2.
    expected = _ranked([("x", 2, 5), ("y", 1, 1), ("w", 1, 2)])
    pd.testing.assert_frame_equal(compute_ranks(RANK_VALUES, RANK_MEMBERS, "S"), expected)
    # the same from a table made beforehand
    table = member_values(RANK_VALUES, RANK_MEMBERS)
    pd.testing.assert_frame_equal(compute_ranks(RANK_VALUES, RANK_MEMBERS, "S", table), expected)


def test_ranks_use_the_members_table_given() -> None:
    # A table given is used as it is (it is the members' side cached for many subjects):
    # x against [6, 7, 8] -> 3 higher than S's 3 -> 4 of 4.
    table = {"x": np.array([6.0, 7.0, 8.0])}
    ranks = compute_ranks(RANK_VALUES, RANK_MEMBERS, "S", table)
    pd.testing.assert_frame_equal(ranks, _ranked([("x", 4, 4), ("y", 1, 1), ("w", 1, 1)]))


def test_no_value_no_ranks() -> None:
    ranks = compute_ranks(RANK_VALUES, RANK_MEMBERS, "Q")
    assert list(ranks.columns) == ["indicator_id", "rank", "ranked"]
    assert ranks.empty


def test_several_groups_break_ties_by_the_values_order_whatever_the_membership_order() -> None:
    # Highest 5 is shared by C and A, lowest 2 by B and D, in two groups that hold all four.
    # The membership comes from a frozenset, whose order changes with the hash seed between
    # processes; the values' order (C before A, B before D) must decide, as with one group.
    values = _frame(
        [
            ("ratio", "C", 2024, 5.0),
            ("ratio", "B", 2024, 2.0),
            ("ratio", "A", 2024, 5.0),
            ("ratio", "D", 2024, 2.0),
        ]
    )
    found = set()
    for order in (["A", "B", "C", "D"], ["D", "C", "B", "A"], ["B", "D", "A", "C"]):
        membership = pd.DataFrame(
            {"group_key": ["g1"] * 4 + ["g2"] * 4, "year": [2024] * 8, "region_code": order * 2}
        )
        stats = _stats_of(values, _frame([]), membership)
        found.add(tuple(stats[["group_key", "highest_region", "lowest_region"]].itertuples(index=False)))
    assert found == {(("g1", "C", "B"), ("g2", "C", "B"))}


@pytest.mark.parametrize("dtype", ["category", None])
def test_positions_of_values_as_text_or_categories(dtype: str | None) -> None:
    index = pd.Index(["a", "b", "c"])
    column = pd.Series(["c", None, "z", "a", "c"], dtype=dtype)
    # c is at 2, a at 0; a missing value and z (not in the index) have no place: -1
    assert positions_of(index, column).tolist() == [2, -1, -1, 0, 2]
