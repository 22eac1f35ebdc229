"""All municipalities compared at once, through the session: ranking, its explanation,
DEA and similar municipalities on the bundled store."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from kostra.api import Session
from kostra.errors import ParameterError


def test_ranking_covers_every_municipality_with_names_and_year(session: Session) -> None:
    figures, sectors = session.rank(2024)
    total = sectors[sectors["sector"] == "totalt"]
    assert len(total) == len(session.municipalities())
    assert set(total["year"]) == {2024}
    assert total.loc[total["region_code"] == "3201", "region"].iloc[0] == "Bærum"
    ranked = total[total["ranked"]].sort_values("rank")
    assert ranked["rank"].iloc[0] == 1
    assert ranked["score"].is_monotonic_decreasing
    assert set(figures["region_code"]) <= set(session.municipalities())


def test_explain_rank_adds_up_to_the_sector_score(session: Session) -> None:
    told = session.explain_rank("Bærum", "grunnskole", 2024)
    assert told["municipality"] == "Bærum"
    assert told["sector"] == "grunnskole"
    assert told["year"] == 2024
    assert isinstance(told["rank"], int)
    assert isinstance(told["previous_rank"], int)
    figures, score = told["figures"], told["score"]
    assert isinstance(figures, pd.DataFrame)
    assert isinstance(score, float)
    assert math.isclose(float(figures["contribution"].sum()), score, abs_tol=1e-9)


def test_dea_scores_are_at_most_one_with_the_best_at_one(session: Session) -> None:
    table = session.dea("grunnskole", 2024)
    scores = table["efficiency"].dropna()
    assert len(scores) > 300
    assert scores.max() == pytest.approx(1.0)
    assert (scores > 0).all()
    assert (scores <= 1 + 1e-9).all()
    assert scores.is_monotonic_decreasing


def test_dea_needs_production_indicators(session: Session) -> None:
    economics = session.catalog.economics
    without = [
        s.id
        for s in session.catalog.sectors.values()
        if not s.hidden and (s.id not in economics or not economics[s.id].production)
    ]
    assert without  # administrasjon, eiendom, kultur-og-fritid, okonomi have no production figures
    with pytest.raises(ParameterError, match=f"{without[0]} har ingen produksjonsindikatorer for DEA"):
        session.dea(without[0], 2024)


def test_similar_municipalities_leave_out_the_municipality_itself(session: Session) -> None:
    found = session.similar("Bærum", count=5, year=2024)
    assert len(found) == 5
    assert "3201" not in set(found["region_code"])
    assert found["region"].notna().all()


def test_scipy_is_imported_only_for_dea() -> None:
    """Half a second of import that every report (which needs no DEA) would wait for."""
    code = "import sys, kostra.comparisons, kostra.outputs.report.model; print('scipy' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
