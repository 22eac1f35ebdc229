"""Methods 3 and 4 on a hand-computed example."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.resource_use import compute_need_adjusted, compute_resource_use


def _s(**values: float) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_resource_use_by_hand() -> None:
    # r = (net - depreciation) / need: A (100 - 0) / 1.0 = 100, B (200 - 20) / 1.2 = 150,
    # C (150 - 0) / 0.5 = 300; the group is A and B (mean 125).
    table = compute_resource_use(
        _s(A=100, B=200, C=150), _s(A=1.0, B=1.2, C=0.5), ["A", "B"], depreciation=_s(A=0, B=20, C=0)
    ).set_index("region_code")
    assert table.loc["A", "r"] == pytest.approx(100)
    assert table.loc["B", "r"] == pytest.approx(150)
    assert table.loc["A", "indicator"] == pytest.approx(0.8)
    assert table.loc["B", "indicator"] == pytest.approx(1.2)
    # C is not a member (like a municipality outside ASSS): it is measured against the members
    assert table.loc["C", "indicator"] == pytest.approx(2.4)
    assert not table.loc["C", "member"]


def test_resource_use_leaves_out_members_without_data() -> None:
    table = compute_resource_use(_s(A=100, B=200, D=50), _s(A=1.0, B=1.0), ["A", "B", "D"])
    table = table.set_index("region_code")
    assert table.loc["A", "indicator"] == pytest.approx(100 / 150)
    assert table.loc["D", "indicator"] != table.loc["D", "indicator"]  # NaN, not 0


def test_need_adjusted_and_mer_mindreutgift_by_hand() -> None:
    spending = _s(A=100, B=240, C=150)
    need = _s(A=1.0, B=1.2, C=0.5)
    population = _s(A=10, B=30, C=5)
    result = compute_need_adjusted(spending, need, population, "C", ["A", "B"])
    # comparison: the unweighted mean of A 100 / 1.0 = 100 and B 240 / 1.2 = 200, 150 (the
    # mean the resource use indicator divides by); C: 150 / 0.5 = 300, indicator 2.0
    assert result["comparison_adjusted"] == pytest.approx(150)
    assert result["adjusted"] == pytest.approx(300)
    assert result["indicator"] == pytest.approx(2.0)
    assert result["difference_per_inhabitant"] == pytest.approx(150)
    assert result["mer_mindreutgift"] == pytest.approx(750)


def test_missing_subject_gives_missing_figures() -> None:
    result = compute_need_adjusted(_s(A=1), _s(A=1), _s(A=1), "X", ["A"])
    assert result["mer_mindreutgift"] != result["mer_mindreutgift"]


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e5), st.floats(1, 1e5)), min_size=2, max_size=12))
def test_need_indices_of_one_change_nothing(rows: list[tuple[float, float]]) -> None:
    codes = [f"{i:04d}" for i in range(len(rows))]
    spending = pd.Series([s for s, _ in rows], index=codes)
    population = pd.Series([p for _, p in rows], index=codes)
    ones = pd.Series(1.0, index=codes)
    result = compute_need_adjusted(spending, ones, population, codes[0], codes)
    assert result["adjusted"] == pytest.approx(spending.iloc[0])
    assert result["comparison_adjusted"] == pytest.approx(spending.mean())
    use = compute_resource_use(spending, ones, codes).set_index("region_code")
    assert use["r"].to_numpy() == pytest.approx(spending.to_numpy())
    # one basis: the kroner difference is the indicator's distance from 1, in kroner
    own = use.loc[codes[0], "indicator"]
    assert result["difference_per_inhabitant"] == pytest.approx((own - 1) * result["comparison_adjusted"])


# -- whole tables pinned by hand ----------------------------------------------------------------

NAN = float("nan")


def test_resource_use_table_by_hand() -> None:
    # Regions in net's order B, A, C, D, E, F; depreciation and need also name X (no net: no row).
    # spending = net - depreciation: B 200 - 20 = 180, A 100, C 150, D 80 - 10 = 70, E 50,
    #   F 60 - (none) = none
    # r = spending / need: B 180 / 1.2 = 150, A 100 / 1.0 = 100, C 150 / 0.5 = 300,
    #   D need 0 (no index): none, E no need: none, F no spending: none
    # Members A, B, D and Q (Q has no figures at all): with data A 100, B 150 -> mean 125.
    # Indicator r / 125: B 1.2, A 0.8, C 2.4 (measured against the members too).
    net = pd.Series({"B": 200.0, "A": 100.0, "C": 150.0, "D": 80.0, "E": 50.0, "F": 60.0})
    depreciation = pd.Series({"X": 5.0, "A": 0.0, "B": 20.0, "C": 0.0, "D": 10.0, "E": 0.0, "F": NAN})
    need = pd.Series({"X": 1.0, "A": 1.0, "B": 1.2, "C": 0.5, "D": 0.0, "F": 1.0})
    table = compute_resource_use(net, need, ["A", "B", "D", "Q"], depreciation=depreciation)
    expected = pd.DataFrame(
        {
            "region_code": ["B", "A", "C", "D", "E", "F"],
            "spending": [180.0, 100.0, 150.0, 70.0, 50.0, NAN],
            "need_index": [1.2, 1.0, 0.5, 0.0, NAN, 1.0],
            "r": [150.0, 100.0, 300.0, NAN, NAN, NAN],
            "indicator": [1.2, 0.8, 2.4, NAN, NAN, NAN],
            "member": [True, True, False, True, False, False],
        }
    )
    pd.testing.assert_frame_equal(table, expected)


def test_resource_use_without_members_with_data_has_no_indicator() -> None:
    # Without depreciation the spending is net. r A 100, B 200; the only member (Q) has no
    # figures, so there is no mean to divide by and no indicator.
    table = compute_resource_use(_s(A=100, B=200), _s(A=1.0, B=1.0), ["Q"])
    expected = pd.DataFrame(
        {
            "region_code": ["A", "B"],
            "spending": [100.0, 200.0],
            "need_index": [1.0, 1.0],
            "r": [100.0, 200.0],
            "indicator": [NAN, NAN],
            "member": [False, False],
        }
    )
    pd.testing.assert_frame_equal(table, expected)


def _need_adjusted(**values: float) -> dict[str, float]:
    keys = (
        "spending",
        "need_index",
        "adjusted",
        "comparison_adjusted",
        "indicator",
        "inhabitants",
        "difference_per_inhabitant",
        "mer_mindreutgift",
    )
    assert set(values) == set(keys)
    return {key: values[key] for key in keys}


def test_need_adjusted_dict_by_hand() -> None:
    # Members A, B, D: adjusted A 100 / 1.0 = 100, B 240 / 1.2 = 200, D need 0 (left out)
    # -> comparison (100 + 200) / 2 = 150. Subject C: 150 / 0.5 = 300, indicator 300 / 150 = 2,
    # 150 kroner more per inhabitant, * 5 inhabitants = 750.
    spending = _s(A=100, B=240, C=150, D=70)
    need = _s(A=1.0, B=1.2, C=0.5, D=0.0)
    population = _s(A=10, B=30, C=5, D=7)
    result = compute_need_adjusted(spending, need, population, "C", ["A", "B", "D"])
    assert result == pytest.approx(
        _need_adjusted(
            spending=150.0,
            need_index=0.5,
            adjusted=300.0,
            comparison_adjusted=150.0,
            indicator=2.0,
            inhabitants=5.0,
            difference_per_inhabitant=150.0,
            mer_mindreutgift=750.0,
        )
    )
    assert list(result) == list(_need_adjusted(**dict.fromkeys(result, 0.0)))
    # A member as the subject, spending less: A 100 vs 150 -> indicator 0.666667,
    # -50 per inhabitant * 10 = -500 (kroner less).
    assert compute_need_adjusted(spending, need, population, "A", ["A", "B", "D"]) == pytest.approx(
        _need_adjusted(
            spending=100.0,
            need_index=1.0,
            adjusted=100.0,
            comparison_adjusted=150.0,
            indicator=100 / 150,
            inhabitants=10.0,
            difference_per_inhabitant=-50.0,
            mer_mindreutgift=-500.0,
        )
    )


def test_need_adjusted_without_a_positive_comparison_or_subject() -> None:
    # Members spending 0: the comparison is 0, there is no indicator (not a division by zero),
    # but the kroner difference is still the subject's own: 50 * 4 = 200.
    zero = compute_need_adjusted(_s(A=0, B=0, C=50), _s(A=1, B=1, C=1), _s(A=1, B=1, C=4), "C", ["A", "B"])
    assert zero == pytest.approx(
        _need_adjusted(
            spending=50.0,
            need_index=1.0,
            adjusted=50.0,
            comparison_adjusted=0.0,
            indicator=NAN,
            inhabitants=4.0,
            difference_per_inhabitant=50.0,
            mer_mindreutgift=200.0,
        ),
        nan_ok=True,
    )
    # A comparison below 1 (thousand kroner) is still a comparison: A 0.5 / 1 vs the mean of
    # 0.5 and 0.7 (0.6): indicator 0.833333, -0.1 per inhabitant * 2 = -0.2.
    small = compute_need_adjusted(_s(A=0.5, B=0.7), _s(A=1, B=1), _s(A=2, B=3), "A", ["A", "B"])
    assert small["indicator"] == pytest.approx(0.5 / 0.6)
    assert small["mer_mindreutgift"] == pytest.approx(-0.2)
    # No subject in the figures: only the comparison is known.
    missing = compute_need_adjusted(_s(A=100), _s(A=1.0), _s(A=10), "X", ["A"])
    assert missing == pytest.approx(
        _need_adjusted(
            spending=NAN,
            need_index=NAN,
            adjusted=NAN,
            comparison_adjusted=100.0,
            indicator=NAN,
            inhabitants=NAN,
            difference_per_inhabitant=NAN,
            mer_mindreutgift=NAN,
        ),
        nan_ok=True,
    )
    # No member with figures: no comparison, nothing relative to it.
    alone = compute_need_adjusted(_s(A=100), _s(A=1.0), _s(A=10), "A", ["Q"])
    assert alone == pytest.approx(
        _need_adjusted(
            spending=100.0,
            need_index=1.0,
            adjusted=100.0,
            comparison_adjusted=NAN,
            indicator=NAN,
            inhabitants=10.0,
            difference_per_inhabitant=NAN,
            mer_mindreutgift=NAN,
        ),
        nan_ok=True,
    )
