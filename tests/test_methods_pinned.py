"""KOSTRA.md's methods pinned to numbers worked out outside the code path under test
(issue 15): by hand in the comments, or by another route through the data. Each test here
fails under one of the seven one-line faults the issue lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.ranking import score_key_figure
from kostra.analysis.similar import compute_similar
from kostra.api import Session

YEAR = 2024


def test_the_two_barometer_rules_differ_on_skewed_figures() -> None:
    # Values 0, 0, 2, 4, 10 (numpy's linear percentiles): the 5th percentile is 0, the
    # 95th 4 + 0.8 * (10 - 4) = 8.8, the mean 3.2.
    # Until 2018 (percentile): 1 + 5 * (v - 0) / 8.8 -> 2: 2.13636, 4: 3.27273, 10: 6 (clipped).
    # Since 2019 (average): 3.5 -+ 2.5 * distance from the mean over the distance to the
    # percentile -> 2: 3.5 - 2.5 * 1.2 / 3.2 = 2.5625, 4: 3.5 + 2.5 * 0.8 / 5.6 = 3.85714.
    values = pd.Series([0.0, 0.0, 2.0, 4.0, 10.0], index=list("ABCDE"))
    old = score_key_figure(values, "higher", "percentile")
    new = score_key_figure(values, "higher", "average")
    assert old.round(5).tolist() == [1.0, 1.0, 2.13636, 3.27273, 6.0]
    assert new.round(5).tolist() == [1.0, 1.0, 2.5625, 3.85714, 6.0]
    # lower is better: the percentile rule mirrors the position, 2 -> 1 + 5 * (1 - 2 / 8.8)
    assert score_key_figure(values, "lower", "percentile")["C"] == pytest.approx(4.863636, abs=1e-6)


def test_similar_municipalities_compare_standardised_criteria() -> None:
    # x: 0, 10, 0, 30 (mean 10, sd sqrt(150) = 12.2474); y: 0, 0, 8, 8.5 (mean 4.125,
    # sd sqrt(68.1875 / 4) = 4.12879). From S: A is 10 / 12.2474 = 0.81650 away, B is
    # 8 / 4.12879 = 1.93762. Unstandardised, B (8) would be nearer than A (10).
    criteria = pd.DataFrame(
        {"x": [0.0, 10.0, 0.0, 30.0], "y": [0.0, 0.0, 8.0, 8.5]}, index=["S", "A", "B", "D"]
    )
    nearest = compute_similar(criteria, "S", count=3)
    assert nearest["region_code"].tolist()[:2] == ["A", "B"]
    assert nearest["distance"].round(5).tolist()[:2] == [0.8165, 1.93762]


def test_dea_input_is_gross_expenditure_over_the_need_index(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import kostra.analysis.dea as dea_module

    seen: dict[str, pd.DataFrame] = {}
    real = dea_module.compute_dea

    def recording(inputs: pd.DataFrame, outputs: pd.DataFrame, returns: str = "variable") -> pd.DataFrame:
        seen["inputs"] = inputs
        return real(inputs, outputs, returns)

    monkeypatch.setattr(dea_module, "compute_dea", recording)
    session.dea("pleie-og-omsorg", YEAR)
    economics = session.catalog.economics["pleie-og-omsorg"]
    obs = session.observations([economics.gross_expenditure, economics.need_index], [YEAR])
    wide = obs.pivot_table(index="region_code", columns="indicator_id", values="value")
    for code in ("3201", "0301", "1151"):
        expected = wide.loc[code, economics.gross_expenditure] / wide.loc[code, economics.need_index]
        assert seen["inputs"].loc[code, "input"] == pytest.approx(expected, rel=1e-12)


def test_the_groups_need_index_is_weighted_by_population(session: Session) -> None:
    # The need-adjusted series divides the group's figure by the group's need index, the
    # members' need indices weighted by their inhabitants (KOSTRA.md method 4).
    plain = session.analyse("Bærum", "pleie-og-omsorg", YEAR).series
    adjusted = session.analyse("Bærum", "pleie-og-omsorg", YEAR, need_adjusted=True).series
    kroner = plain[(plain["series"] == "ASSS") & (plain["year"] == YEAR)]
    both = kroner.merge(
        adjusted[(adjusted["series"] == "ASSS") & (adjusted["year"] == YEAR) & adjusted["adjusted"]],
        on=["indicator_id", "series", "year"],
        suffixes=("", "_adjusted"),
    )
    assert len(both)
    economics = session.catalog.economics["pleie-og-omsorg"]
    obs = session.observations([economics.need_index, "pop_total"], [YEAR])
    wide = obs.pivot_table(index="region_code", columns="indicator_id", values="value")
    members = sorted(session.members("asss", YEAR))
    need = wide.loc[members, economics.need_index]
    population = wide.loc[members, "pop_total"]
    weighted = float((need * population).sum() / population.sum())
    assert abs(weighted - float(need.mean())) > 1e-4  # the test tells the two apart
    ratio = both["value"] / both["value_adjusted"]
    assert np.allclose(ratio, weighted, rtol=1e-9)


def test_the_previous_rank_is_last_years(session: Session) -> None:
    _, before = session.rank(YEAR - 1)
    _, now = session.rank(YEAR)
    for municipality, code in (("Bærum", "3201"), ("Oslo", "0301"), ("Utsira", "1151")):
        explained = session.explain_rank(municipality, "totalt", YEAR)
        last = before[(before["region_code"] == code) & (before["sector"] == "totalt")]["rank"].iloc[0]
        this = now[(now["region_code"] == code) & (now["sector"] == "totalt")]["rank"].iloc[0]
        assert explained["previous_rank"] == int(last)
        assert explained["rank"] == int(this)
    changed = [
        c
        for c in ("3201", "0301", "1151", "3203", "4601")
        if before.set_index(["region_code", "sector"]).loc[(c, "totalt"), "rank"]
        != now.set_index(["region_code", "sector"]).loc[(c, "totalt"), "rank"]
    ]
    assert changed  # the years' ranks differ, so a rank of the same year would be caught


def test_last_years_index_is_over_last_years_group_average(session: Session) -> None:
    # index_previous = 100 * last year's value / last year's group average: the group
    # average of last year's own profile, not this year's.
    now = session.profile("Bærum", "pleie-og-omsorg", year=YEAR).set_index("indicator_id")
    before = session.profile("Bærum", "pleie-og-omsorg", year=YEAR - 1).set_index("indicator_id")
    checked = 0
    for indicator in now.index:
        value, average = now.loc[indicator, str(YEAR - 1)], before.loc[indicator, "group_average"]
        if pd.isna(value) or pd.isna(average):
            continue
        assert now.loc[indicator, "index_previous"] == pytest.approx(100 * value / average, rel=1e-9), (
            indicator
        )
        checked += 1
    moved = (now["group_average"] - before["group_average"]).abs() > 1e-6
    assert checked >= 5 and moved.any()


@pytest.mark.parametrize("sector", ["barnevern", "pleie-og-omsorg", "kommunehelse"])
def test_all_profiles_at_once_equals_one_profile_at_a_time(session: Session, sector: str) -> None:
    # The README's Python example: many municipalities and years in one call must give what
    # `profile` gives for each, column for column.
    years, municipalities = [2022, 2024], ["Bærum", "Oslo", "Utsira"]
    together = session.all_profiles(years, sectors=[sector], municipalities=municipalities)
    columns = [
        "group_average",
        "group_highest",
        "group_lowest",
        "index",
        "index_previous",
        "members_with_data",
    ]
    for year in years:
        for municipality in municipalities:
            code = session.region(municipality).code
            for profile in session.catalog.sectors[sector].profiles:
                alone = session.profile(municipality, sector, profile.id, year=year).set_index("indicator_id")
                part = together[
                    (together["year"] == year)
                    & (together["region_code"] == code)
                    & (together["profile"] == profile.id)
                ].set_index("indicator_id")
                assert sorted(part.index) == sorted(alone.index), (year, municipality, profile.id)
                for offset, column in ((0, str(year)), (1, str(year - 1)), (2, str(year - 2))):
                    pd.testing.assert_series_equal(
                        part[f"value_{offset}"].astype(float), alone[column].astype(float), check_names=False
                    )
                for column in columns:
                    pd.testing.assert_series_equal(
                        part[column].astype(float), alone[column].astype(float), check_names=False
                    )
