"""KOSTRA.md's methods pinned to numbers worked out outside the code path under test
(issue 15): by hand in the comments, or by another route through the data. Each test here
fails under one of the seven one-line faults the issue lists."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.dea import compute_dea
from kostra.analysis.deflate import price_factors
from kostra.analysis.group_average import compute_group_stats
from kostra.analysis.ranking import KeyFigure, compute_ranking, score_key_figure
from kostra.analysis.regions import Region
from kostra.analysis.resource_use import compute_resource_use
from kostra.analysis.service_profile import compute_profile
from kostra.analysis.similar import compute_similar
from kostra.analysis.time_series import compute_series
from kostra.api import Session
from kostra.catalog import DeflatorYear, Indicator, load_catalog
from kostra.errors import YearNotAvailable
from kostra.outputs.web.security import SecurityMiddleware

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


# -- Added for issue 15 items 1: the methods the audit found unpinned or pinned only by a range


def _indicator(indicator_id: str = "x") -> Indicator:
    return Indicator(
        id=indicator_id, name_nb="X", sector="s", unit="kroner", decimals=0, average="weighted", weight="w"
    )


def _stats(rows: list[tuple[int, float, float, float]]) -> pd.DataFrame:
    """Group statistics of group "g" for indicator "x": (year, average, highest, lowest)."""
    return pd.DataFrame(
        [
            {
                "group_key": "g",
                "indicator_id": "x",
                "year": year,
                "average": average,
                "highest": highest,
                "lowest": lowest,
                "highest_region": "H",
                "lowest_region": "L",
                "members": 3,
                "members_with_data": 3,
                "members_without_weight": 0,
                "demodata": False,
            }
            for year, average, highest, lowest in rows
        ]
    )


def test_profile_index_highest_lowest_and_previous_by_hand() -> None:
    # A: 70 (2022), 80 (2023), 90 (2024). Group: 2024 average 120, highest 150, lowest 60;
    # 2023 average 100.
    # index          = 100 * 90 / 120  = 75
    # index_highest  = 100 * 150 / 120 = 125
    # index_lowest   = 100 * 60 / 120  = 50
    # index_previous = 100 * 80 / 100  = 80 (not 100 * 80 / 120 = 66.67 with this year's average)
    values = pd.DataFrame(
        {
            "indicator_id": "x",
            "region_code": "A",
            "year": [2022, 2023, 2024],
            "value": [70.0, 80.0, 90.0],
            "release_kind": "file",
        }
    )
    stats = _stats([(2023, 100.0, 130.0, 70.0), (2024, 120.0, 150.0, 60.0)])
    subjects = pd.DataFrame({"region_code": ["A"], "group_key": ["g"]})
    row = compute_profile([_indicator()], values, stats, subjects, [2024]).iloc[0]
    assert [row["value_0"], row["value_1"], row["value_2"]] == [90.0, 80.0, 70.0]
    assert row["index"] == pytest.approx(75.0, abs=1e-12)
    assert row["index_highest"] == pytest.approx(125.0, abs=1e-12)
    assert row["index_lowest"] == pytest.approx(50.0, abs=1e-12)
    assert row["index_previous"] == pytest.approx(80.0, abs=1e-12)


def test_profile_of_a_weighted_group_average_by_hand() -> None:
    # Members A 100 (weight 10), B 200 (weight 30), C 400 (weight 10):
    # weighted average (1 000 + 6 000 + 4 000) / 50 = 220 (the unweighted mean would be 233.33).
    # B's index 100 * 200 / 220 = 90.909; highest 100 * 400 / 220 = 181.818;
    # lowest 100 * 100 / 220 = 45.4545.
    year = 2024
    values = pd.DataFrame(
        {
            "indicator_id": "x",
            "region_code": ["A", "B", "C"],
            "year": year,
            "value": [100.0, 200.0, 400.0],
            "release_kind": "file",
        }
    )
    weights = values.assign(indicator_id="w", value=[10.0, 30.0, 10.0])
    membership = pd.DataFrame({"group_key": "g", "year": year, "region_code": ["A", "B", "C"]})
    rules = pd.DataFrame({"indicator_id": ["x"], "average": ["weighted"], "weight": ["w"]})
    stats = compute_group_stats(values, weights, membership, rules)
    assert stats["average"].iloc[0] == pytest.approx(220.0)
    subjects = pd.DataFrame({"region_code": ["B"], "group_key": ["g"]})
    row = compute_profile([_indicator()], values, stats, subjects, [year]).iloc[0]
    assert row["index"] == pytest.approx(90.909091, abs=1e-6)
    assert row["index_highest"] == pytest.approx(181.818182, abs=1e-6)
    assert row["index_lowest"] == pytest.approx(45.454545, abs=1e-6)
    assert (row["highest_region"], row["lowest_region"]) == ("C", "A")


def test_a_deflated_and_need_adjusted_series_by_hand() -> None:
    # Deflator growth 2023 5.0 %, 2024 4.0 %; base year 2024:
    #   factor 2024 = 1, 2023 = 1.04, 2022 = 1.05 * 1.04 = 1.092.
    # Nominal kroner 100, 105, 112 -> 2024 kroner 109.2, 109.2, 112.
    #   changes: 2023 109.2 / 109.2 - 1 = 0 %; 2024 112 / 109.2 - 1 = 2.8 / 109.2 = 2.564103 %
    #   (nominal: 5 % and 6.666667 %).
    # Need index 1.04, 1.05, 1.12 on top: 109.2 / 1.04 = 105, 109.2 / 1.05 = 104, 112 / 1.12 = 100;
    #   changes 104 / 105 - 1 = -0.952381 %, 100 / 104 - 1 = -3.846154 %.
    deflator = [
        DeflatorYear(year=y, growth_pct=g, status="x", vintage="x", source="x")
        for y, g in ((2023, 5.0), (2024, 4.0))
    ]
    factors = price_factors(deflator, 2024, [2022, 2023, 2024])
    assert factors == pytest.approx({2022: 1.092, 2023: 1.04, 2024: 1.0})
    values = pd.DataFrame({"series": "B", "year": [2022, 2023, 2024], "value": [100.0, 105.0, 112.0]})
    fixed = compute_series(values, "kroner", factors)
    assert fixed["value"].tolist() == pytest.approx([109.2, 109.2, 112.0])
    assert fixed["change"].tolist()[1:] == pytest.approx([0.0, 2.564103], abs=1e-6)
    need = pd.DataFrame({"series": "B", "year": [2022, 2023, 2024], "need_index": [1.04, 1.05, 1.12]})
    both = compute_series(values, "kroner", factors, need)
    assert both["value"].tolist() == pytest.approx([105.0, 104.0, 100.0])
    assert both["change"].tolist()[1:] == pytest.approx([-0.952381, -3.846154], abs=1e-6)
    assert both["adjusted"].all()


def test_the_average_rule_turned_around_on_skewed_figures() -> None:
    # Values 0, 0, 2, 4, 10: 5th percentile 0, 95th 8.8, mean 3.2 (see the test above).
    # Lower is better, since 2019: 2 -> 3.5 + 2.5 * 1.2 / 3.2 = 4.4375; 4 -> 3.5 - 2.5 * 0.8 / 5.6
    # = 3.142857; 0 -> 3.5 + 2.5 * 3.2 / 3.2 = 6; 10 -> 3.5 - 2.5 * 6.8 / 5.6 < 1 -> 1.
    values = pd.Series([0.0, 0.0, 2.0, 4.0, 10.0], index=list("ABCDE"))
    scores = score_key_figure(values, "lower", "average")
    assert scores.round(6).tolist() == [6.0, 6.0, 4.4375, 3.142857, 1.0]


def test_sixty_percent_is_enough_to_be_ranked_and_forty_is_not() -> None:
    # Five key figures: K2 has 3 of 5 = 60 % (ranked, the rule is "at least"), K3 2 of 5 = 40 %.
    figures = {"s": [KeyFigure(k, "higher") for k in "abcde"]}
    rows = [(k, "K1", 1.0) for k in "abcde"] + [(k, "K4", 2.0) for k in "abcde"]
    rows += [(k, "K2", 3.0) for k in "abc"] + [(k, "K3", 4.0) for k in "ab"]
    _, sectors = compute_ranking(
        pd.DataFrame(rows, columns=["indicator_id", "region_code", "value"]), figures, {"s": 1.0}
    )
    s = sectors[sectors["sector"] == "s"].set_index("region_code")
    assert s.loc["K2", "share_with_data"] == pytest.approx(0.6)
    assert bool(s.loc["K2", "ranked"]) and not bool(s.loc["K3", "ranked"])
    assert pd.notna(s.loc["K2", "rank"]) and pd.isna(s.loc["K3", "rank"]) and pd.isna(s.loc["K3", "score"])


def test_sector_weights_and_the_total_by_hand() -> None:
    # One key figure per sector. Values 0, 5, 10 (numpy percentiles: 5th 0.5, 95th 9.5, mean 5):
    # average rule 0 -> 3.5 - 2.5 * 5 / 4.5 < 1 -> 1; 5 -> 3.5; 10 -> 3.5 + 2.5 * 5 / 4.5 > 6 -> 6.
    #   x (weight 0.2, higher): P 1, Q 3.5, R 6
    #   y (weight 0.1, lower):  P 6, Q 3.5, R 1
    #   z (weight 0.075, higher; P has no figure): Q 0, R 10 -> 5th 0.5, 95th 9.5, mean 5: Q 1, R 6
    # Totals over the sectors each has, weights rescaled:
    #   P (0.2 * 1 + 0.1 * 6) / 0.3 = 0.8 / 0.3 = 2.666667
    #   Q (0.2 * 3.5 + 0.1 * 3.5 + 0.075 * 1) / 0.375 = 1.125 / 0.375 = 3.0
    #   R (0.2 * 6 + 0.1 * 1 + 0.075 * 6) / 0.375 = 1.75 / 0.375 = 4.666667
    # Ranks R 1, Q 2, P 3 (unweighted sector means would put P 3.5 above Q 2.667).
    rows = [("a", c, v) for c, v in zip("PQR", (0.0, 5.0, 10.0), strict=True)]
    rows += [("b", c, v) for c, v in zip("PQR", (0.0, 5.0, 10.0), strict=True)]
    rows += [("c", "Q", 0.0), ("c", "R", 10.0)]
    figures = {
        "x": [KeyFigure("a", "higher")],
        "y": [KeyFigure("b", "lower")],
        "z": [KeyFigure("c", "higher")],
    }
    values = pd.DataFrame(rows, columns=["indicator_id", "region_code", "value"])
    _, sectors = compute_ranking(values, figures, {"x": 0.2, "y": 0.1, "z": 0.075})
    total = sectors[sectors["sector"] == "totalt"].set_index("region_code")
    assert total["score"].round(6).to_dict() == {"P": 2.666667, "Q": 3.0, "R": 4.666667}
    assert total["rank"].astype(int).to_dict() == {"P": 3, "Q": 2, "R": 1}


def test_the_catalogs_sector_weights_are_kommunal_rapports() -> None:
    # KOSTRA.md method 6: grunnskole 20 %, pleie og omsorg 20 %, barnevern 10 %, barnehage 10 %,
    # økonomi 10 %, helse 7.5 %, sosial 7.5 %, kultur 2.5 % (the others have no key figures).
    ranking = load_catalog().ranking
    assert ranking is not None
    assert dict(ranking.sector_weights) == {
        "grunnskole": 0.20,
        "pleie-og-omsorg": 0.20,
        "barnevern": 0.10,
        "barnehage": 0.10,
        "okonomi": 0.10,
        "kommunehelse": 0.075,
        "sosialtjeneste-og-bolig": 0.075,
        "kultur-og-fritid": 0.025,
    }


def test_the_previous_rank_is_last_years_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    # Hand-made rankings: B is 3rd of 3 in 2024 and was 1st in 2023; the first year (2023) has
    # no year before it, so its previous rank is none.
    import kostra.comparisons as comparisons

    def sectors(year: int, ranks: dict[str, int]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "region_code": list(ranks),
                "sector": "totalt",
                "score": [6.0 - r for r in ranks.values()],
                "ranked": True,
                "rank": list(ranks.values()),
                "year": year,
            }
        )

    tables = {2024: sectors(2024, {"A": 1, "B": 3, "C": 2}), 2023: sectors(2023, {"A": 2, "B": 1, "C": 3})}
    figures = pd.DataFrame({"region_code": ["B"], "sector": ["s"], "contribution": [1.0]})

    def rank(session: object, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        assert year is not None
        if year not in tables:
            raise YearNotAvailable(f"no {year}")
        return figures, tables[year]

    class FakeSession:
        def region(self, name: str) -> Region:
            return Region(code=name, name=name, kind="municipality")

    monkeypatch.setattr(comparisons, "rank", rank)
    now = comparisons.explain_rank(FakeSession(), "B", "totalt", 2024)  # type: ignore[arg-type]
    assert (now["rank"], now["previous_rank"], now["of"]) == (3, 1, 3)
    first = comparisons.explain_rank(FakeSession(), "B", "totalt", 2023)  # type: ignore[arg-type]
    assert (first["rank"], first["previous_rank"]) == (1, None)


def test_dea_on_need_adjusted_input_by_hand() -> None:
    # Gross expenditure per inhabitant / need index = the input; one output.
    #   A 100 / 1.0 = 100, output 10;  B 240 / 1.2 = 200, output 10
    #   C 150 / 0.5 = 300, output 20;  D 300 / 1.5 = 200, output 15
    # VRS frontier on the adjusted input: A (100, 10), D (200, 15), C (300, 20) on one line, so
    # A, C and D are efficient; B makes A's output with twice A's input: 100 / 200 = 0.5.
    # On raw gross, C (150, 20) would dominate and D would score (0.5 * 100 + 0.5 * 150) / 300
    # = 0.416667, B 100 / 240 = 0.416667: the need adjustment is what makes D efficient.
    gross = pd.Series({"A": 100.0, "B": 240.0, "C": 150.0, "D": 300.0})
    need = pd.Series({"A": 1.0, "B": 1.2, "C": 0.5, "D": 1.5})
    outputs = pd.DataFrame({"y": [10.0, 10.0, 20.0, 15.0]}, index=list("ABCD"))
    adjusted = (gross / need).rename("input").to_frame()
    result = compute_dea(adjusted, outputs).set_index("region_code")
    assert result["efficiency"].round(6).to_dict() == {"A": 1.0, "B": 0.5, "C": 1.0, "D": 1.0}
    assert result.loc["B", "peers"] == "A"
    raw = compute_dea(gross.rename("input").to_frame(), outputs).set_index("region_code")
    assert raw["efficiency"].round(6).to_dict() == {"A": 1.0, "B": 0.416667, "C": 1.0, "D": 0.416667}


def _asgi_get(middleware: SecurityMiddleware, client: str) -> tuple[int, dict[str, str]]:
    """One GET through the middleware; the status and the headers it answered with."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/x", "headers": [], "client": (client, 1)}
    asyncio.run(middleware(scope, receive, send))
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}  # type: ignore[attr-defined]
    return int(start["status"]), headers  # type: ignore[call-overload]


def test_the_web_rate_limit_answers_429_with_the_seconds_to_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    # rate 2 per 60 s: two at once pass; the bucket refills 2 / 60 = 1/30 token a second.
    # Third call at t = 0: 0 tokens -> wait (1 - 0) * 30 = 30 s -> Retry-After 30.
    # At t = 12.6: 12.6 / 30 = 0.42 tokens -> wait 0.58 * 30 = 17.4 s -> Retry-After 18 (rounded up).
    # At t = 42.6: 0.42 + 30 / 30 > 1 token -> passes. Another client has its own two.
    import kostra.outputs.web.security as security

    now = [1000.0]
    monkeypatch.setattr(security, "time", SimpleNamespace(monotonic=lambda: now[0]))

    async def app(
        scope: object, receive: object, send: Callable[[dict[str, object]], Awaitable[None]]
    ) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = SecurityMiddleware(app, rate=2, per=60.0)
    assert [_asgi_get(middleware, "10.0.0.1")[0] for _ in range(2)] == [200, 200]
    status, headers = _asgi_get(middleware, "10.0.0.1")
    assert (status, headers["retry-after"]) == (429, "30")
    assert _asgi_get(middleware, "10.0.0.2")[0] == 200
    now[0] += 12.6
    status, headers = _asgi_get(middleware, "10.0.0.1")
    assert (status, headers["retry-after"]) == (429, "18")
    now[0] += 30.0
    assert _asgi_get(middleware, "10.0.0.1")[0] == 200


def test_the_percentile_rule_gives_the_best_6_when_most_values_tie() -> None:
    # 30 municipalities at 0 and one at 10: the 5th and the 95th percentile are both 0. The one
    # at 10 is the best 5 % (1 of 31), so "the best 5 % got 6": 6 when higher is better, and
    # the worst, 1, when lower is better.
    values = pd.Series([0.0] * 30 + [10.0])
    assert score_key_figure(values, "higher", "percentile").iloc[-1] == 6.0
    assert score_key_figure(values, "lower", "percentile").iloc[-1] == 1.0


def test_a_missing_depreciation_gives_no_resource_use() -> None:
    # A: (100 - 10) / 1.0 = 90; B: net 200 but no depreciation figure -> no r (not 200 / 1.0).
    # The members' mean is then A's 90 alone, so A's indicator is 90 / 90 = 1.0
    # (with the missing depreciation as 0: mean (90 + 200) / 2 = 145, A 90 / 145 = 0.6207).
    table = compute_resource_use(
        pd.Series({"A": 100.0, "B": 200.0}),
        pd.Series({"A": 1.0, "B": 1.0}),
        ["A", "B"],
        depreciation=pd.Series({"A": 10.0, "B": np.nan}),
    ).set_index("region_code")
    assert np.isnan(table.loc["B", "r"])
    assert table.loc["A", "indicator"] == pytest.approx(1.0)
