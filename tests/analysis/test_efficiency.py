"""Method 5 and the deflator, by hand and as properties."""

from __future__ import annotations

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
