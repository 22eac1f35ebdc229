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
