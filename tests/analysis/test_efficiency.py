"""Method 5 and the deflator, by hand and as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.deflate import price_factors
from kostra.analysis.efficiency import compute_efficiency
from kostra.catalog import DeflatorYear, load_catalog
from kostra.errors import ParameterError


def _production(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "value"])


def test_efficiency_by_hand() -> None:
    production = _production([("p", "A", 10), ("p", "B", 30), ("q", "A", 4), ("q", "B", 4)])
    gross = pd.Series({"A": 100.0, "B": 300.0})
    need = pd.Series({"A": 1.0, "B": 1.5})
    table = compute_efficiency(production, {"p": 1.0, "q": 3.0}, gross, need, ["A", "B"]).set_index(
        "region_code"
    )
    # p relative to its mean 20: A 0.5, B 1.5; q: both 1. Production A = (0.5 + 3) / 4 = 0.875
    assert table.loc["A", "production_index"] == pytest.approx(0.875)
    assert table.loc["B", "production_index"] == pytest.approx(1.125)
    # unit cost A 100, B 200, mean 150
    assert table.loc["A", "cost_index"] == pytest.approx(100 / 150)
    assert table.loc["A", "efficiency"] == pytest.approx(0.875 / (100 / 150))


def test_missing_production_indicator_reweights() -> None:
    production = _production([("p", "A", 10), ("p", "B", 30), ("q", "B", 4)])
    table = compute_efficiency(
        production,
        {"p": 1.0, "q": 1.0},
        pd.Series({"A": 1.0, "B": 1.0}),
        pd.Series({"A": 1.0, "B": 1.0}),
        ["A", "B"],
    ).set_index("region_code")
    assert table.loc["A", "production_index"] == pytest.approx(0.5)  # only p counts for A


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 1000), st.floats(1, 1000), st.floats(0.5, 2)), min_size=2, max_size=10),
    st.randoms(use_true_random=False),
)
def test_indices_do_not_depend_on_member_order(rows, rnd) -> None:  # type: ignore[no-untyped-def]
    codes = [f"{i:04d}" for i in range(len(rows))]
    production = _production([("p", c, v) for c, (v, _, _) in zip(codes, rows, strict=True)])
    gross = pd.Series({c: g for c, (_, g, _) in zip(codes, rows, strict=True)})
    need = pd.Series({c: n for c, (_, _, n) in zip(codes, rows, strict=True)})
    first = compute_efficiency(production, {"p": 1.0}, gross, need, codes).set_index("region_code")
    order = codes[:]
    rnd.shuffle(order)
    second = compute_efficiency(
        production.sample(frac=1.0, random_state=1), {"p": 1.0}, gross.loc[order], need.loc[order], order
    ).set_index("region_code")
    pd.testing.assert_frame_equal(first.sort_index(), second.sort_index(), rtol=1e-12)
    assert first["cost_index"].mean() == pytest.approx(1.0)
    assert first["production_index"].mean() == pytest.approx(1.0)


def test_price_factors_by_hand() -> None:
    deflator = [
        DeflatorYear(year=y, growth_pct=g, status="x", vintage="x", source="x")
        for y, g in ((2022, 6.7), (2023, 4.3), (2024, 4.3))
    ]
    factors = price_factors(deflator, 2024, [2021, 2022, 2023, 2024])
    assert factors[2024] == 1.0
    assert factors[2023] == pytest.approx(1.043)
    assert factors[2021] == pytest.approx(1.067 * 1.043 * 1.043)
    assert price_factors(deflator, 2022, [2024])[2024] == pytest.approx(1 / (1.043 * 1.043))
    # Growth for 2022-2024 links 2021 to 2024; 2020 needs 2021's growth, which is missing.
    with pytest.raises(ParameterError, match=r"faste priser for 2021–2024, ikke 2020 .*mangler 2021"):
        price_factors(deflator, 2024, [2020])


def test_catalog_deflator_has_the_documented_years() -> None:
    years = {d.year: d.growth_pct for d in load_catalog().deflator}
    assert years[2022] == 6.7 and years[2024] == 4.3


# -- whole tables pinned by hand ----------------------------------------------------------------


def _table(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region_code", "production_index", "cost_index", "efficiency"])


def test_efficiency_table_by_hand() -> None:
    # Members A, B, M; weights p 1, q 3 (r has no weight and is ignored).
    # Production (one year): p A 10 (a second figure 99 for A comes later: the first counts),
    # B 30, C 20, Y 40; q A 4, B 4, C: first a missing figure, then 6 (the figure counts).
    # Gross and need: A 100 / 1.0, B 300 / 1.5, C 50 / 0.5, M 200 / 2.0, Z 80 / 0 (no need
    # index: no unit cost). Y has production but no gross; M and Z gross but no production:
    # every region of either input gets a row, sorted by code.
    # Member means: p (A, B; M has none) (10 + 30) / 2 = 20; q (4 + 4) / 2 = 4.
    #   A (0.5 * 1 + 1.0 * 3) / 4 = 0.875;  B (1.5 + 3) / 4 = 1.125;  C (1.0 + 1.5 * 3) / 4 = 1.375
    #   Y p alone: 40 / 20 = 2.0;  M, Z: no production figure, no index
    # Unit cost: A 100, B 200, C 100, M 100; member mean (100 + 200 + 100) / 3 = 133.333
    #   cost index A 0.75, B 1.5, C 0.75, M 0.75; Y (no gross), Z (need 0): none
    # Efficiency: A 0.875 / 0.75 = 1.166667; B 1.125 / 1.5 = 0.75; C 1.375 / 0.75 = 1.833333
    nan = float("nan")
    production = _production(
        [
            ("p", "A", 10),
            ("p", "B", 30),
            ("q", "A", 4),
            ("q", "B", 4),
            ("p", "C", 20),
            ("q", "C", nan),
            ("q", "C", 6),
            ("p", "A", 99),
            ("r", "A", 5),
            ("p", "Y", 40),
        ]
    )
    gross = pd.Series({"A": 100.0, "B": 300.0, "C": 50.0, "M": 200.0, "Z": 80.0})
    need = pd.Series({"A": 1.0, "B": 1.5, "C": 0.5, "M": 2.0, "Z": 0.0})
    table = compute_efficiency(production, {"p": 1.0, "q": 3.0}, gross, need, ["A", "B", "M"])
    expected = _table(
        [
            ("A", 0.875, 0.75, 0.875 / 0.75),
            ("B", 1.125, 1.5, 0.75),
            ("C", 1.375, 0.75, 1.375 / 0.75),
            ("M", nan, 0.75, nan),
            ("Y", 2.0, nan, nan),
            ("Z", nan, nan, nan),
        ]
    )
    pd.testing.assert_frame_equal(table, expected)


def test_an_indicator_with_one_member_or_none_with_data() -> None:
    # Members A, B; weights p 1, s 1, t 2.
    #   p: A 10, B 30, C 20 -> mean 20: A 0.5, B 1.5, C 1.0
    #   s: A 5 (the only member with s: mean 5), C 10 -> A 1.0, C 2.0
    #   t: only C (no member has t: no mean, so t counts for nobody)
    # Production A (0.5 + 1.0) / 2 = 0.75; B 1.5 / 1 = 1.5; C (1.0 + 2.0) / 2 = 1.5.
    # Equal gross and need: cost index 1 everywhere, efficiency = production index.
    production = _production(
        [("p", "A", 10), ("p", "B", 30), ("p", "C", 20), ("s", "A", 5), ("s", "C", 10), ("t", "C", 7)]
    )
    ones = pd.Series({"A": 1.0, "B": 1.0, "C": 1.0})
    table = compute_efficiency(production, {"p": 1.0, "s": 1.0, "t": 2.0}, ones * 100, ones, ["A", "B"])
    expected = _table([("A", 0.75, 1.0, 0.75), ("B", 1.5, 1.0, 1.5), ("C", 1.5, 1.0, 1.5)])
    pd.testing.assert_frame_equal(table, expected)


def test_no_weighted_production_gives_costs_but_no_production_or_efficiency() -> None:
    # Unit cost A 100, B 300 -> mean 200: cost index 0.5 and 1.5. Without weights, or with
    # figures only for an indicator without a weight, there is no production index.
    nan = float("nan")
    gross = pd.Series({"A": 100.0, "B": 300.0})
    need = pd.Series({"A": 1.0, "B": 1.0})
    expected = _table([("A", nan, 0.5, nan), ("B", nan, 1.5, nan)])
    production = _production([("r", "A", 1.0), ("r", "B", 2.0)])
    for weights in ({}, {"p": 1.0}):
        table = compute_efficiency(production, weights, gross, need, ["A", "B"])
        pd.testing.assert_frame_equal(table, expected, obj=str(weights))


def test_a_zero_cost_gives_no_finite_efficiency_and_no_warning() -> None:
    # Members A, B, C; p: A 0, B 30, C 30 -> mean 20: A 0, B 1.5, C 1.5; D (not a member) 10: 0.5.
    # Gross A 0, B 100, C 50, D 0, need 1 -> member mean unit cost 50: cost index A 0, B 2, C 1, D 0.
    # Efficiency B 1.5 / 2 = 0.75, C 1.5 / 1 = 1.5; A 0 / 0 and D 0.5 / 0 have no finite value.
    # (The project's tests turn warnings into errors: the division must not warn.)
    production = _production([("p", "A", 0), ("p", "B", 30), ("p", "C", 30), ("p", "D", 10)])
    gross = pd.Series({"A": 0.0, "B": 100.0, "C": 50.0, "D": 0.0})
    need = pd.Series(1.0, index=["A", "B", "C", "D"])
    table = compute_efficiency(production, {"p": 1.0}, gross, need, ["A", "B", "C"]).set_index("region_code")
    assert table["production_index"].tolist() == pytest.approx([0.0, 1.5, 1.5, 0.5])
    assert table["cost_index"].tolist() == pytest.approx([0.0, 2.0, 1.0, 0.0])
    assert table.loc[["B", "C"], "efficiency"].tolist() == pytest.approx([0.75, 1.5])
    assert not np.isfinite(table.loc[["A", "D"], "efficiency"]).any()


def test_an_indicator_all_members_have_at_zero_is_left_out_without_a_warning() -> None:
    # q is 0 for both members: no mean to measure against, so it has no relative figure
    # and production rests on p alone (A 10/20 = 0.5, B 30/20 = 1.5); pytest turns a
    # division warning into an error
    production = _production([("p", "A", 10), ("p", "B", 30), ("q", "A", 0), ("q", "B", 0)])
    ones = pd.Series({"A": 1.0, "B": 1.0})
    table = compute_efficiency(production, {"p": 1.0, "q": 1.0}, ones, ones, ["A", "B"])
    assert table.set_index("region_code")["production_index"].to_dict() == pytest.approx({"A": 0.5, "B": 1.5})
