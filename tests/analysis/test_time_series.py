"""Method 7 (time series) and method 8 (quality flags) on small examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.quality import (
    flag_extremes,
    flag_jumps,
    flag_revisions,
    flag_thin_groups,
)
from kostra.analysis.time_series import SERIES_COLUMNS, _by_arrays, _by_frames, compute_series, is_share


def _values(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["series", "year", "value"])


def test_amounts_change_in_percent_and_shares_in_points() -> None:
    amounts = compute_series(_values([("B", 2023, 100.0), ("B", 2024, 110.0)]), "kroner")
    assert amounts.loc[1, "change"] == pytest.approx(10.0)
    assert amounts.loc[1, "change_unit"] == "prosent"
    shares = compute_series(_values([("B", 2023, 20.0), ("B", 2024, 20.5)]), "prosent")
    assert shares.loc[1, "change"] == pytest.approx(0.5)
    assert shares.loc[1, "change_unit"] == "prosentpoeng"


def test_a_gap_in_years_gives_no_change_and_missing_stays_missing() -> None:
    series = compute_series(
        _values([("B", 2020, 1.0), ("B", 2022, 2.0), ("B", 2023, float("nan"))]), "kroner"
    )
    assert series["change"].isna().all()


def test_a_percent_change_from_zero_is_missing_not_infinite() -> None:
    series = compute_series(_values([("B", 2023, 0.0), ("B", 2024, 5.0)]), "kroner")
    assert series["change"].isna().all()
    assert flag_jumps(series.assign(indicator_id="x"), "B", {}) == []


def test_fixed_prices_and_need_adjustment_mark_the_series() -> None:
    values = _values([("B", 2023, 100.0), ("B", 2024, 104.3), ("G", 2024, 100.0)])
    need = pd.DataFrame(
        {"series": ["B", "B", "G"], "year": [2023, 2024, 2024], "need_index": [1.0, 1.0, 0.5]}
    )
    fixed = compute_series(values, "kroner", {2023: 1.043, 2024: 1.0}, need)
    assert fixed.loc[fixed["series"] == "B", "change"].iloc[1] == pytest.approx(0.0)
    assert fixed.loc[fixed["series"] == "G", "value"].iloc[0] == pytest.approx(200.0)
    assert fixed["adjusted"].all()
    shares = compute_series(_values([("B", 2024, 5.0)]), "prosent", {2024: 2.0})
    assert not shares["adjusted"].any() and shares.loc[0, "value"] == 5.0  # shares are not deflated


def test_flags() -> None:
    series = compute_series(_values([("Bærum", 2023, 100.0), ("Bærum", 2024, 130.0)]), "kroner")
    series = series.assign(indicator_id="x")
    jumps = flag_jumps(series, "Bærum", {"x": "Utgifter"})
    assert len(jumps) == 1 and "Utgifter: Bærum har en økning på 30,0 prosent" in jumps[0].message_nb
    assert flag_jumps(series, "Bærum", {"x": "Utgifter"}, percent=40) == []
    shares = compute_series(_values([("Bærum", 2023, 10.0), ("Bærum", 2024, 16.0)]), "prosent")
    assert flag_jumps(shares.assign(indicator_id="y"), "Bærum", {})[0].message_nb.startswith(
        "y: Bærum har en økning på 6,0 prosentpoeng"
    )

    profile = pd.DataFrame(
        {
            "indicator_id": ["a", "b"],
            "indicator": ["A-tall", "B-tall"],
            "members": [12, 12],
            "members_with_data": [12, 4],
            "highest_region": ["3201", "0301"],
            "lowest_region": ["0301", "3201"],
        }
    )
    thin = flag_thin_groups(profile, "ASSS", 2024)
    assert [f.indicator_id for f in thin] == ["b"]
    extremes = flag_extremes(profile, "3201", "Bærum", "i ASSS-nettverket", 2024)
    assert [(f.kind, f.indicator_id) for f in extremes] == [("highest", "a"), ("lowest", "b")]

    diff = pd.DataFrame(
        {
            "indicator_id": ["a"],
            "region_code": ["3201"],
            "year": [2024],
            "old_value": [1.0],
            "new_value": [1.5],
        }
    )
    revised = flag_revisions(diff, "3201", {"a": "A-tall"}, {"a": 1})
    assert "endret fra 1,0 til 1,5" in revised[0].message_nb


def test_only_percent_units_are_shares() -> None:
    assert is_share("prosent")
    assert not is_share("kroner")


def test_fixed_prices_adjust_kroner_only_when_units_differ_by_indicator() -> None:
    values = pd.DataFrame(
        [
            ("kr", "B", 2024, 110.0),
            ("kr", "B", 2023, 100.0),
            ("andel", "B", 2024, 25.0),
            ("andel", "B", 2023, 20.0),
        ],
        columns=["indicator_id", "series", "year", "value"],
    )
    out = compute_series(values, {"kr": "kroner", "andel": "prosent"}, {2023: 1.05, 2024: 1.0})
    expected = pd.DataFrame(
        {
            "indicator_id": ["andel", "andel", "kr", "kr"],
            "series": ["B"] * 4,
            "year": [2023, 2024, 2023, 2024],
            # 100 * 1.05 = 105 in 2024 prices; shares are left as they are
            "value": [20.0, 25.0, 105.0, 110.0],
            # 25 - 20 = 5 points; (110 / 105 - 1) * 100 = 4.7619... percent
            "change": [float("nan"), 5.0, float("nan"), (110 / 105 - 1) * 100],
            "change_unit": ["prosentpoeng", "prosentpoeng", "prosent", "prosent"],
            "adjusted": [False, False, True, True],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_rows_in_any_order_get_their_own_change() -> None:
    values = _values([("G", 2024, 50.0), ("B", 2024, 110.0), ("G", 2023, 40.0), ("B", 2023, 100.0)])
    out = compute_series(values, "kroner")
    assert list(zip(out["series"], out["year"], strict=True)) == [
        ("B", 2023),
        ("B", 2024),
        ("G", 2023),
        ("G", 2024),
    ]
    # (110 / 100 - 1) * 100 = 10; (50 / 40 - 1) * 100 = 25
    assert out["change"].tolist()[1::2] == pytest.approx([10.0, 25.0])
    assert out["change"].isna().tolist() == [True, False, True, False]
    assert not out["adjusted"].any()


def test_need_adjustment_without_a_usable_need_index_leaves_no_value() -> None:
    values = _values([("B", 2022, 100.0), ("B", 2023, 120.0), ("B", 2024, 90.0)])
    # 2023's index is 0 (no index), 2024 has none at all
    need = pd.DataFrame({"series": ["B", "B"], "year": [2022, 2023], "need_index": [0.8, 0.0]})
    out = compute_series(values, "kroner", need=need)
    assert out["value"].tolist()[0] == pytest.approx(125.0)  # 100 / 0.8 = 125
    assert out["value"].isna().tolist() == [False, True, True]
    assert out["adjusted"].all()


def _made_up(seed: int) -> tuple[pd.DataFrame, dict[str, str], dict[int, float] | None, pd.DataFrame | None]:
    """Rows in random order of random series, with gaps, repeats, zeros, NaN and
    indicators without a unit; random fixed-price factors and need indices."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    ids = ["kr", "andel", "antall", "ukjent"]
    series = ["Bergen", "Asker", "Gruppe", "Æ", "a"]
    value = rng.choice([0.0, np.nan, 1.5, -2.0, 100.0, 37.25], size=n)
    value = np.where(rng.random(n) < 0.5, rng.normal(100, 40, n), value)
    values = pd.DataFrame(
        {
            "indicator_id": rng.choice(ids, size=n),
            "series": rng.choice(series, size=n),
            "year": rng.integers(2015, 2025, size=n).astype(np.int64),
            "value": value,
        }
    )
    units = {"kr": "kroner", "andel": "prosent", "antall": "antall"}
    factors = {y: float(rng.uniform(0.8, 1.2)) for y in range(2015, 2025) if rng.random() < 0.8}
    cells = [(s, y) for s in series for y in range(2015, 2025) if rng.random() < 0.7]
    need = pd.DataFrame(
        {
            "series": [s for s, _ in cells],
            "year": [y for _, y in cells],
            "need_index": rng.choice([0.0, -1.0, np.nan, 0.9, 1.1, 1.37], size=len(cells)),
        }
    )
    return values, units, (factors if seed % 2 else None), (need if seed % 3 else None)


@pytest.mark.parametrize("seed", range(300))
def test_the_array_way_gives_the_frame_the_pandas_way_gives(seed: int) -> None:
    values, units, factors, need = _made_up(seed)
    for frame, unit in ((values, units), (values.drop(columns="indicator_id"), "kroner")):
        keys = ["indicator_id", "series"] if "indicator_id" in frame else ["series"]
        fast = _by_arrays(frame, keys, unit, factors, need)
        assert fast is not None
        pd.testing.assert_frame_equal(fast, _by_frames(frame, keys, unit, factors, need), check_exact=True)


def test_unusual_input_is_left_to_pandas() -> None:
    values = _values([("B", 2023, 1.0), ("B", 2024, 2.0)])
    assert _by_arrays(values.astype({"value": "Float64"}), ["series"], "kroner", None, None) is None
    assert _by_arrays(values.astype({"year": float}), ["series"], "kroner", None, None) is None
    missing = values.assign(series=["B", None])
    assert _by_arrays(missing, ["series"], "kroner", None, None) is None


def test_unusual_input_gets_the_same_method_through_compute_series() -> None:
    # Integer kroner take the pandas way (_by_arrays declines them); the arithmetic is the same:
    # 2023: 200 x 1.05 (deflator) / 0.5 (need index) = 420; 2024: 210 x 1.0 / 0.5 = 420;
    # change 420 / 420 - 1 = 0 %. The indicator without a unit of kroner stays as it is.
    values = pd.DataFrame(
        {
            "indicator_id": ["k", "k", "p", "p"],
            "series": ["B", "B", "B", "B"],
            "year": [2024, 2023, 2023, 2024],
            "value": [210, 200, 40, 42],
        }
    )
    need = pd.DataFrame({"series": ["B", "B"], "year": [2023, 2024], "need_index": [0.5, 0.5]})
    series = compute_series(values, {"k": "kroner", "p": "prosent"}, {2023: 1.05, 2024: 1.0}, need)
    assert series.columns.tolist() == ["indicator_id", *SERIES_COLUMNS]
    assert series["indicator_id"].tolist() == ["k", "k", "p", "p"]
    assert series["year"].tolist() == [2023, 2024, 2023, 2024]
    assert series["value"].tolist() == pytest.approx([420.0, 420.0, 40.0, 42.0])
    assert series["change"].tolist()[1] == pytest.approx(0.0)
    assert series["change"].tolist()[3] == pytest.approx(2.0)  # 42 - 40 percentage points
    assert series["change_unit"].tolist() == ["prosent", "prosent", "prosentpoeng", "prosentpoeng"]
    assert series["adjusted"].tolist() == [True, True, False, False]
    # A need index given twice for one series and year is refused, not guessed between.
    repeated = pd.concat([need, need.iloc[[1]]], ignore_index=True)
    with pytest.raises(ValueError, match="more than one need index"):
        compute_series(values.astype({"value": float}), "kroner", None, repeated)
