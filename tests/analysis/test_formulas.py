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
