"""Demodata follows the catalog (issue 14, item 5): a formula figure in the bundle is its
formula over the bundled inputs, for every municipality and year, and where it is
published (Bærum, the ASSS rows) the inputs were solved so that the formula gives the
published figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.formulas import evaluate_frame
from kostra.catalog import load_catalog
from kostra.deriving import formula_order
from kostra.sources.bundled import read_bundled_observations

CATALOG = load_catalog()
FORMULAS = [i.id for i in formula_order(CATALOG)]


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return read_bundled_observations()


def _members_by_year(group: str, years: list[int]) -> dict[int, set[str]]:
    members = CATALOG.groups[group].members
    return {y: {m.code for m in members if m.in_year(y)} for y in years}


@pytest.mark.parametrize("indicator_id", FORMULAS)
def test_a_formula_figure_is_its_formula_over_the_bundled_inputs(
    bundled: pd.DataFrame, indicator_id: str
) -> None:
    formula = CATALOG.indicators[indicator_id].formula
    assert formula is not None
    inputs = bundled[bundled["indicator_id"].isin(formula.inputs)]
    years = sorted(int(y) for y in bundled["year"].unique())
    members = _members_by_year(formula.relative_to, years) if formula.relative_to else None
    computed = evaluate_frame(formula, inputs, members).set_index(["region_code", "year"])["value"]
    stored = bundled[bundled["indicator_id"] == indicator_id].set_index(["region_code", "year"])["value"]
    both = stored.dropna().index.intersection(computed.index)
    assert len(both) > 1000, "the bundle has the figure for the municipalities"
    assert np.allclose(stored[both], computed[both], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("indicator_id", "year", "published"),
    [
        ("plo_ressursbruk", 2024, 1.076),
        ("plo_ressursbruk", 2022, 1.082),
        ("sos_ressursbruk", 2023, 0.897),
        ("plo_hjemmetj_andel_0_66", 2024, 2.1),
        ("sos_netto_per_innb_18_66", 2024, None),
    ],
)
def test_baerums_published_figures_come_out_of_the_formula(
    bundled: pd.DataFrame, indicator_id: str, year: int, published: float | None
) -> None:
    formula = CATALOG.indicators[indicator_id].formula
    assert formula is not None
    inputs = bundled[bundled["indicator_id"].isin(formula.inputs) & (bundled["year"] == year)]
    members = _members_by_year(formula.relative_to, [year]) if formula.relative_to else None
    computed = evaluate_frame(formula, inputs, members).set_index("region_code")["value"]
    stored = bundled[(bundled["indicator_id"] == indicator_id) & (bundled["year"] == year)]
    row = stored.set_index("region_code").loc["3201"]
    assert row["origin"] == "published"
    if published is not None:
        assert row["value"] == published
    assert computed["3201"] == pytest.approx(row["value"], rel=1e-9)
