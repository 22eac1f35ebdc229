"""The catalog's formulas, evaluated: numbers worked out by hand, not by the code."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostra.analysis.formulas import evaluate, evaluate_frame, ratio
from kostra.analysis.group_average import compute_group_stats
from kostra.catalog import Formula, load_catalog

SOSIAL = Formula(
    numerator=("f242", "f243", "f273", "f276", "f281"),
    denominator="pop_18_66",
    factor=1000,
    note="KS: netto driftsutgifter f242+f243+f273+f276+f281 per innbygger 18-66 år",
)
RESOURCE_USE = Formula(
    numerator=("net",), minus=("depreciation",), denominator="need", relative_to="asss", note="metode 3"
)


def _arrays(**columns: list[float]) -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=float)[:, None] for k, v in columns.items()}


def test_net_spending_per_inhabitant_18_66_in_kroner() -> None:
    # 1 000 kr amounts: 10 000 + 5 000 + 1 000 + 2 000 + 32 000 = 50 000 (1 000 kr) = 50 mill. kr,
    # over 6 250 inhabitants 18-66: 8 000 kr each.
    values = _arrays(f242=[10000], f243=[5000], f273=[1000], f276=[2000], f281=[32000], pop_18_66=[6250])
    assert ratio(SOSIAL, values)[0, 0] == 8000.0


def test_a_missing_part_or_an_empty_denominator_gives_no_figure() -> None:
    values = _arrays(
        f242=[10000, 10000, 10000],
        f243=[5000, math.nan, 5000],
        f273=[1000, 1000, 1000],
        f276=[2000, 2000, 2000],
        f281=[32000, 32000, 32000],
        pop_18_66=[6250, 6250, 0],
    )
    out = ratio(SOSIAL, values)[:, 0]
    assert out[0] == 8000.0 and math.isnan(out[1]) and math.isnan(out[2])


def test_resource_use_is_relative_to_the_unweighted_mean_of_the_members() -> None:
    # r = (net - depreciation) / need: A (30 000 - 2 000) / 1.0 = 28 000, B (33 000 - 3 000) / 1.2
    # = 25 000, C (40 000 - 4 000) / 1.125 = 32 000; outsider D is no member. Mean of A-C =
    # 28 333.33..., so A = 0.98824, B = 0.88235, C = 1.12941.
    values = _arrays(
        net=[30000, 33000, 40000, 10000],
        depreciation=[2000, 3000, 4000, 0],
        need=[1.0, 1.2, 1.125, 1.0],
    )
    members = np.array([True, True, True, False])[:, None]
    out = evaluate(RESOURCE_USE, values, members)[:, 0]
    assert [round(v, 5) for v in out] == [0.98824, 0.88235, 1.12941, 0.35294]
    assert out[:3].mean() == pytest.approx(1.0)


def test_a_relative_formula_needs_the_members() -> None:
    with pytest.raises(ValueError, match="asss"):
        evaluate(RESOURCE_USE, _arrays(net=[1.0], depreciation=[0.0], need=[1.0]))


def test_long_figures_are_evaluated_year_by_year_with_that_years_members() -> None:
    rows = []
    spending = {2022: {"A": 100.0, "B": 300.0, "C": 50.0}, 2023: {"A": 100.0, "B": 100.0, "C": 400.0}}
    for year, r in spending.items():
        for code, value in r.items():
            rows += [
                ("net", code, year, value),
                ("depreciation", code, year, 0.0),
                ("need", code, year, 1.0),
            ]
    figures = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    # C joins in 2023: 2022 mean over A, B = 200; 2023 mean over A, B, C = 200.
    out = evaluate_frame(RESOURCE_USE, figures, {2022: {"A", "B"}, 2023: {"A", "B", "C"}})
    got = {(r.region_code, r.year): r.value for r in out.itertuples()}
    assert got == {
        ("A", 2022): 0.5,
        ("B", 2022): 1.5,
        ("C", 2022): 0.25,
        ("A", 2023): 0.5,
        ("B", 2023): 0.5,
        ("C", 2023): 2.0,
    }


def test_a_difference_of_two_ssb_counts() -> None:
    catalog = load_catalog()
    formula = catalog.indicators["plo_hjemmetj_mottakere_67p"].formula
    assert formula is not None
    values = {
        "plo_hjemmetj_mottakere_alle": np.array([[5210.0]]),
        "plo_hjemmetj_mottakere_0_66": np.array([[1480.0]]),
    }
    assert ratio(formula, values)[0, 0] == 3730.0


def test_without_any_input_nothing_is_computed() -> None:
    empty = pd.DataFrame(columns=["indicator_id", "region_code", "year", "value"])
    assert evaluate_frame(SOSIAL, empty).empty


_COUNTS = st.lists(st.tuples(st.integers(0, 200_000), st.integers(1, 1_000_000)), min_size=1, max_size=20)


@settings(deadline=None)
@given(_COUNTS)
def test_a_formulas_group_average_weighted_by_its_denominator_is_sum_over_sum(
    rows: list[tuple[int, int]],
) -> None:
    # Why a formula's weight must be its denominator: the members' ratios averaged with the
    # denominators as weights are the group's numerators over its denominators.
    formula = Formula(numerator=("count",), denominator="pop", factor=100, note="share")
    codes = [f"{i:04d}" for i in range(len(rows))]
    figures = pd.DataFrame(
        [("count", c, 2024, float(n)) for c, (n, _) in zip(codes, rows, strict=True)]
        + [("pop", c, 2024, float(p)) for c, (_, p) in zip(codes, rows, strict=True)],
        columns=["indicator_id", "region_code", "year", "value"],
    )
    shares = evaluate_frame(formula, figures).assign(indicator_id="share", release_kind="file")
    weights = figures[figures["indicator_id"] == "pop"].assign(release_kind="file")
    rules = pd.DataFrame({"indicator_id": ["share"], "average": ["weighted"], "weight": ["pop"]})
    members = pd.DataFrame({"group_key": "g", "year": 2024, "region_code": codes})
    average = compute_group_stats(shares, weights, members, rules)["average"].iloc[0]
    total = 100 * sum(n for n, _ in rows) / sum(p for _, p in rows)
    assert average == pytest.approx(total, rel=1e-9, abs=1e-12)


@settings(deadline=None)
@given(
    st.lists(st.floats(1.0, 1e6, allow_nan=False), min_size=2, max_size=15),
    st.lists(st.booleans(), min_size=15, max_size=15),
)
def test_relative_to_the_members_their_mean_is_one_and_missing_stays_missing(
    values: list[float], gaps: list[bool]
) -> None:
    spending = np.array([v if not gap else math.nan for v, gap in zip(values, gaps, strict=False)])
    arrays = {
        "net": spending[:, None],
        "depreciation": np.zeros((len(values), 1)),
        "need": np.ones((len(values), 1)),
    }
    members = np.ones((len(values), 1), dtype=bool)
    out = evaluate(RESOURCE_USE, arrays, members)[:, 0]
    present = ~np.isnan(spending)
    assert np.array_equal(np.isnan(out), ~present)  # a missing input is never a zero
    if present.any():
        assert out[present].mean() == pytest.approx(1.0)


def test_without_a_denominator_the_sum_times_the_factor() -> None:
    formula = Formula(numerator=("a", "b"), minus=("c",), factor=1000, note="tusen kroner til kroner")
    # 1000 * (2 + 3 - 4) = 1000; 1000 * (0.5 + 0 - 0) = 500
    out = ratio(formula, _arrays(a=[2.0, 0.5], b=[3.0, 0.0], c=[4.0, 0.0]))
    assert out.tolist() == [[1000.0], [500.0]]
    assert out.dtype == np.float64


def test_a_denominator_of_one_counts_and_zero_or_less_gives_nothing() -> None:
    formula = Formula(numerator=("a",), denominator="d", factor=100, note="prosent")
    # 100 * 3 / 1 = 300; 100 * 3 / 0.5 = 600; 0 and -2: no value
    out = ratio(formula, _arrays(a=[3.0, 3.0, 3.0, 3.0], d=[1.0, 0.5, 0.0, -2.0]))[:, 0]
    assert out[:2].tolist() == [300.0, 600.0]
    assert np.isnan(out[2:]).all()


def test_relative_to_a_mean_of_exactly_one_and_to_no_mean() -> None:
    # members A (0.5) and B (1.5): mean 1, so the values stay; outsider C (4) is divided by 1 too
    values = _arrays(net=[0.5, 1.5, 4.0], depreciation=[0.0, 0.0, 0.0], need=[1.0, 1.0, 1.0])
    members = np.array([True, True, False])[:, None]
    assert evaluate(RESOURCE_USE, values, members)[:, 0].tolist() == [0.5, 1.5, 4.0]
    # every member at 0: a mean of 0 gives no value for anyone (not 0/0, not 4/0 = inf)
    zero = _arrays(net=[0.0, 0.0, 4.0], depreciation=[0.0, 0.0, 0.0], need=[1.0, 1.0, 1.0])
    assert np.isnan(evaluate(RESOURCE_USE, zero, members)).all()
    # no member has a value: no mean, no value
    none = _arrays(net=[math.nan, math.nan, 4.0], depreciation=[0.0, 0.0, 0.0], need=[1.0, 1.0, 1.0])
    assert np.isnan(evaluate(RESOURCE_USE, none, members)).all()


def test_the_error_for_a_relative_formula_without_members() -> None:
    with pytest.raises(ValueError, match=r"^formula relative to asss needs the group's members$"):
        evaluate(RESOURCE_USE, _arrays(net=[1.0], depreciation=[0.0], need=[1.0]))


def _long(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])


def test_evaluate_frame_gives_one_row_per_region_and_year_with_every_input() -> None:
    formula = Formula(numerator=("a",), minus=("b",), denominator="d", factor=10, note="per d")
    figures = _long(
        [
            ("a", "0301", 2023, 50.0),
            ("b", "0301", 2023, 10.0),
            ("d", "0301", 2023, 4.0),  # 10 * (50 - 10) / 4 = 100
            ("a", "0301", 2022, 30.0),
            ("b", "0301", 2022, 0.0),
            ("d", "0301", 2022, 2.0),  # 10 * 30 / 2 = 150
            ("a", "0219", 2023, 8.0),
            ("b", "0219", 2023, 2.0),
            ("d", "0219", 2023, 3.0),  # 10 * 6 / 3 = 20
            ("a", "1103", 2023, 8.0),  # no b: no value
            ("d", "1103", 2023, 3.0),
            ("a", "4601", 2023, 8.0),
            ("b", "4601", 2023, math.nan),  # SSB's ".." : no value, never zero
            ("d", "4601", 2023, 3.0),
            ("x", "0301", 2023, 1.0),  # not an input
        ]
    )
    expected = pd.DataFrame(
        {"region_code": ["0219", "0301", "0301"], "year": [2023, 2022, 2023], "value": [20.0, 150.0, 100.0]}
    )
    pd.testing.assert_frame_equal(evaluate_frame(formula, figures), expected)


def test_an_input_with_no_figures_at_all_gives_no_rows() -> None:
    figures = _long([("a", "0301", 2023, 50.0), ("x", "0301", 2023, 1.0)])
    formula = Formula(numerator=("a",), denominator="d", note="a per d")
    out = evaluate_frame(formula, figures)
    assert out.empty and list(out.columns) == ["region_code", "year", "value"]
    # ... whether it is the denominator or one of the numerators
    both = Formula(numerator=("a", "b"), denominator="d", note="a and b per d")
    with_d = _long([("a", "0301", 2023, 50.0), ("d", "0301", 2023, 5.0)])
    assert evaluate_frame(both, with_d).empty
    nothing = evaluate_frame(formula, _long([("x", "0301", 2023, 1.0)]))
    assert nothing.empty and list(nothing.columns) == ["region_code", "year", "value"]


def test_evaluate_frame_relative_to_the_members_of_each_year() -> None:
    spending = [
        ("A", 2022, 2.0),
        ("B", 2022, 6.0),
        ("C", 2022, 8.0),
        ("A", 2023, 3.0),
        ("B", 2023, 1.0),
        ("A", 2024, 5.0),
        ("C", 2024, 15.0),
    ]
    figures = _long(
        [
            row
            for c, y, v in spending
            for row in [("net", c, y, v), ("depreciation", c, y, 0.0), ("need", c, y, 1.0)]
        ]
    )
    # 2022: members A, B: mean (2 + 6) / 2 = 4, so A 0.5, B 1.5, C 2.0;
    # 2023: member A only: mean 3, so A 1.0, B 1/3; 2024: members A, C: mean (5 + 15) / 2 = 10,
    # so A 0.5, C 1.5; no members given for a year: no value
    out = evaluate_frame(RESOURCE_USE, figures, {2022: {"A", "B"}, 2023: {"A"}, 2024: {"A", "C"}})
    expected = pd.DataFrame(
        {
            "region_code": ["A", "A", "A", "B", "B", "C", "C"],
            "year": [2022, 2023, 2024, 2022, 2023, 2022, 2024],
            "value": [0.5, 1.0, 0.5, 1.5, 1 / 3, 2.0, 1.5],
        }
    )
    pd.testing.assert_frame_equal(out, expected)
    assert evaluate_frame(RESOURCE_USE, figures, {2021: {"A"}}).empty
    assert evaluate_frame(RESOURCE_USE, figures).empty
