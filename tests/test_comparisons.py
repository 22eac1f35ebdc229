"""All municipalities compared at once, through the session: ranking, its explanation,
DEA and similar municipalities on the bundled store."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

from kostra import comparisons
from kostra.api import Session
from kostra.catalog.models import KeyFigureDef, RankingDef
from kostra.comparisons import ranked_sector
from kostra.errors import ConfigError, InputError, ParameterError, YearNotAvailable
from kostra.store import ReleaseSpec


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


# --- the comparisons' own work, pinned (mutation testing, issue 15) ---------------------------

RANKED_SECTORS = (
    "grunnskole, pleie-og-omsorg, barnevern, barnehage, okonomi, kommunehelse, "
    "sosialtjeneste-og-bolig, kultur-og-fritid"
)
# The tiny situation below: five municipalities with both grunnskole key figures, one with
# only one of them (not ranked: 1 of 2 < 60 %), one with none (not in the ranking at all).
A, B, C, D, E, F, G = "3201", "0301", "4601", "5001", "1103", "5501", "1101"
POINTS = "gs_grunnskolepoeng"  # higher is better, weight 3
GROUPS = "gs_gruppestorrelse"  # lower is better, weight 1
TINY_RANKING = RankingDef(
    sector_weights={"grunnskole": 1.0},
    key_figures={
        "grunnskole": (
            KeyFigureDef(indicator=POINTS, direction="higher", weight=3.0),
            KeyFigureDef(indicator=GROUPS, direction="lower", weight=1.0),
        )
    },
)
TINY_2024 = {
    POINTS: {A: 10.0, B: 20.0, C: 30.0, D: 40.0, E: 100.0},
    GROUPS: {A: 10.0, B: 30.0, C: 20.0, D: 20.0, E: 80.0, F: 20.0},
}
# 2023: A lacks group size (so is not ranked), F has nothing.
TINY_2023 = {
    POINTS: {A: 10.0, B: 20.0, C: 30.0, D: 40.0, E: 100.0},
    GROUPS: {B: 30.0, C: 20.0, D: 20.0, E: 80.0},
}


def _load(session: Session, checksum: str, figures: dict[int, dict[str, dict[str, float]]]) -> None:
    """One file release with ``figures`` (year -> indicator -> code -> value) for every
    municipality: the ones not named get an empty figure (".."), so no demodata is in force."""
    rows = [
        (indicator, code, year, by_code.get(code, float("nan")))
        for year, by_indicator in figures.items()
        for indicator, by_code in by_indicator.items()
        for code in session.municipalities()
    ]
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    frame = frame.assign(status=frame["value"].isna().map({True: "..", False: None}))
    session.store.load_release(ReleaseSpec("test", "file", checksum), frame)


@pytest.fixture
def tiny(fresh: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setattr(fresh, "catalog", dataclasses.replace(fresh.catalog, ranking=TINY_RANKING))
    _load(fresh, "tiny-ranking", {2024: TINY_2024, 2023: TINY_2023})
    return fresh


def _by(frame: pd.DataFrame, column: str, **where: str) -> dict[str, float]:
    chosen = frame
    for key, value in where.items():
        chosen = chosen[chosen[key] == value]
    return {str(k): v for k, v in chosen.set_index("region_code")[column].items()}


def test_ranking_scores_a_tiny_situation_by_hand(tiny: Session) -> None:
    figures, sectors = tiny.rank(2024)
    # Points (higher): mean 40, 5th percentile 10+0.2*10 = 12, 95th 40+0.8*60 = 88.
    # A 10: 3.5 - 2.5*30/28 < 1 -> 1; B 20: 3.5 - 2.5*20/28 = 12/7; C 30: 3.5 - 2.5*10/28 = 73/28;
    # D 40 = the mean: 3.5; E 100: 3.5 + 2.5*60/48 > 6 -> 6.
    points = _by(figures, "score", indicator_id=POINTS)
    assert points == pytest.approx({A: 1.0, B: 12 / 7, C: 73 / 28, D: 3.5, E: 6.0, F: math.nan}, nan_ok=True)
    # Group size (lower, turned around): values 10 20 20 20 30 80, mean 30, 5th percentile
    # 10+0.25*10 = 12.5, 95th 30+0.75*50 = 67.5. A 10: 3.5 + 2.5*20/17.5 > 6 -> 6; B 30: 3.5;
    # C, D, F 20: 3.5 + 2.5*10/17.5 = 69/14; E 80: 3.5 - 2.5*50/37.5 < 1 -> 1.
    groups = _by(figures, "score", indicator_id=GROUPS)
    assert groups == pytest.approx({A: 6.0, B: 3.5, C: 69 / 14, D: 69 / 14, E: 1.0, F: 69 / 14})
    assert set(_by(figures, "weight", indicator_id=POINTS).values()) == {3.0}
    assert set(_by(figures, "weight", indicator_id=GROUPS).values()) == {1.0}
    # Contribution = score * weight / the weights with a score: A (1*3)/4 and (6*1)/4; F 69/14 * 1/1.
    contributions = figures.set_index(["region_code", "indicator_id"])["contribution"]
    assert contributions[(A, POINTS)] == pytest.approx(0.75)
    assert contributions[(A, GROUPS)] == pytest.approx(1.5)
    assert contributions[(F, GROUPS)] == pytest.approx(69 / 14)
    # Sector score = weighted mean (3 x points + 1 x group size) / 4:
    # A (3+6)/4 = 9/4; B (36/7 + 7/2)/4 = 121/56; C (219/28 + 138/28)/4 = 357/112;
    # D (21/2 + 69/14)/4 = 27/7; E (18+1)/4 = 19/4; F has 1 of 2 figures: not ranked.
    # Only G (no figures) is left out altogether.
    assert set(sectors["region_code"]) == {A, B, C, D, E, F}
    school = sectors[sectors["sector"] == "grunnskole"]
    assert _by(school, "score") == pytest.approx(
        {A: 9 / 4, B: 121 / 56, C: 357 / 112, D: 27 / 7, E: 19 / 4, F: math.nan}, nan_ok=True
    )
    assert _by(school, "ranked") == {A: True, B: True, C: True, D: True, E: True, F: False}
    ranks = {k: (None if pd.isna(v) else int(v)) for k, v in _by(school, "rank").items()}
    assert ranks == {E: 1, D: 2, C: 3, A: 4, B: 5, F: None}
    # The total of one sector is that sector's score, over those with one.
    total = sectors[sectors["sector"] == "totalt"]
    assert _by(total, "score") == pytest.approx({A: 9 / 4, B: 121 / 56, C: 357 / 112, D: 27 / 7, E: 19 / 4})
    # Every figure in force for the ranking's key figures in 2024 is the file's, none demodata.
    assert figures.attrs["demodata"] is False
    assert sectors.attrs["demodata"] is False


def test_ranking_by_the_percentile_rule_in_a_tiny_situation(tiny: Session) -> None:
    figures, _ = tiny.rank(2024, rule="percentile")
    # Points: 1 + 5 * (value - 12) / (88 - 12): B 1 + 40/76 = 29/19, C 1 + 90/76 = 83/38,
    # D 1 + 140/76 = 54/19; A below the 5th percentile 1, E above the 95th 6.
    points = _by(figures, "score", indicator_id=POINTS)
    assert points == pytest.approx(
        {A: 1.0, B: 29 / 19, C: 83 / 38, D: 54 / 19, E: 6.0, F: math.nan}, nan_ok=True
    )
    # Group size, lower is better: 1 + 5 * (1 - (value - 12.5) / 55): B 30 -> 1 + 5*37.5/55 = 97/22,
    # C, D, F 20 -> 1 + 5*47.5/55 = 117/22; A 6, E 1.
    groups = _by(figures, "score", indicator_id=GROUPS)
    assert groups == pytest.approx({A: 6.0, B: 97 / 22, C: 117 / 22, D: 117 / 22, E: 1.0, F: 117 / 22})


def test_explain_rank_in_a_tiny_situation(tiny: Session) -> None:
    told = tiny.explain_rank("Bærum", "grunnskole", 2024)
    # A: 9/4, rank 4 of the 5 ranked; not ranked in 2023 (no group size then).
    assert {k: v for k, v in told.items() if k != "figures"} == {
        "municipality": "Bærum",
        "sector": "grunnskole",
        "sector_name": "Grunnskole",
        "demodata": False,
        "year": 2024,
        "score": 2.25,
        "rank": 4,
        "previous_rank": None,
        "of": 5,
    }
    detail = told["figures"]
    assert isinstance(detail, pd.DataFrame)
    assert detail["indicator_id"].tolist() == [GROUPS, POINTS]  # contributions 1.5, 0.75: largest first
    assert detail["contribution"].tolist() == pytest.approx([1.5, 0.75])
    # 2023 (group size B 30, C 20, D 20, E 80: mean 37.5, 5th percentile 20, 95th 72.5):
    # B 3.5 + 2.5*7.5/17.5 = 32/7 -> (36/7 + 32/7)/4 = 17/7; C, D 20 -> 6: C (219/28 + 6)/4 = 387/112,
    # D (21/2 + 6)/4 = 33/8; E 80 -> 1: (18 + 1)/4 = 19/4. Ranks E 1, D 2, C 3, B 4.
    oslo = tiny.explain_rank("Oslo", "grunnskole", 2024)
    assert (oslo["rank"], oslo["previous_rank"], oslo["score"]) == (5, 4, pytest.approx(121 / 56))
    stavanger = tiny.explain_rank("Stavanger", "totalt", 2024)
    assert (stavanger["rank"], stavanger["previous_rank"], stavanger["sector_name"]) == (1, 1, "Totalt")
    # F has one figure of two: in the table, not ranked, no score; nothing in 2023.
    tromso = tiny.explain_rank("Tromsø", "grunnskole", 2024)
    assert (tromso["rank"], tromso["previous_rank"], tromso["of"]) == (None, None, 5)
    assert math.isnan(cast(float, tromso["score"]))
    # G has no figures at all: not in the ranking, nothing to explain.
    eigersund = tiny.explain_rank("Eigersund", "grunnskole", 2024)
    assert (eigersund["rank"], eigersund["previous_rank"], eigersund["of"]) == (None, None, 5)
    assert math.isnan(cast(float, eigersund["score"]))
    assert len(cast(pd.DataFrame, eigersund["figures"])) == 0


def test_explaining_a_rank_reuses_the_ranking_already_computed(
    tiny: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules: list[tuple[int, str]] = []
    real = comparisons.compute_ranking

    def counting(values: pd.DataFrame, *args: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        rules.append((int(values["year"].iloc[0]), args[-1]))
        return real(values, *args)

    monkeypatch.setattr(comparisons, "compute_ranking", counting)
    tiny.rank(2024)
    comparisons.explain_rank(tiny, "Bærum", "grunnskole", 2024)
    assert rules == [(2024, "average"), (2023, "average")]  # 2024 once, then last year's


def test_ranking_without_a_ranking_in_the_catalog(fresh: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fresh, "catalog", dataclasses.replace(fresh.catalog, ranking=None))
    with pytest.raises(ConfigError) as raised:
        fresh.rank(2024)
    assert str(raised.value) == "katalogen har ingen rangering (ranking.yaml mangler)"
    with pytest.raises(ParameterError) as refused:
        ranked_sector(fresh, "grunnskole")
    assert str(refused.value) == "grunnskole har ingen nøkkeltall i rangeringen; velg ett av:  (eller totalt)"
    assert ranked_sector(fresh, None) == ranked_sector(fresh, "totalt") == "totalt"


def test_ranked_sector_refuses_a_service_area_without_key_figures(session: Session) -> None:
    with pytest.raises(ParameterError) as refused:
        session.explain_rank("Bærum", "administrasjon", 2024)
    assert str(refused.value) == (
        f"administrasjon har ingen nøkkeltall i rangeringen; velg ett av: {RANKED_SECTORS} (eller totalt)"
    )


def test_ranking_refuses_a_year_without_figures(session: Session) -> None:
    with pytest.raises(YearNotAvailable) as refused:
        session.rank(2030)
    assert str(refused.value) == "kostra har ikke tall for 2030 (rangeringen); kostra har tall for 2015–2024"


def test_ranking_names_regions_figures_and_sectors(session: Session) -> None:
    figures, sectors = session.rank(2024)
    row = figures[(figures["region_code"] == "3201") & (figures["indicator_id"] == "gs_gruppestorrelse")]
    assert row[["region", "year", "indicator", "sector", "sector_name"]].to_dict("records") == [
        {
            "region": "Bærum",
            "year": 2024,
            "indicator": "Gruppestørrelse",
            "sector": "grunnskole",
            "sector_name": "Grunnskole",
        }
    ]
    names = sectors[sectors["region_code"] == "3201"].set_index("sector")["sector_name"]
    assert names["totalt"] == "Totalt"
    assert names["pleie-og-omsorg"] == "Pleie og omsorg"
    assert set(sectors["region"][sectors["region_code"] == "3201"]) == {"Bærum"}
    assert figures["region"].notna().all() and figures["indicator"].notna().all()
    # The bundled figures are generated demodata.
    assert figures.attrs["demodata"] is True
    assert sectors.attrs["demodata"] is True


def test_explain_rank_in_total_by_default(session: Session) -> None:
    told = comparisons.explain_rank(session, "Bærum", year=2023)
    assert told["sector"] == "totalt"
    assert told["sector_name"] == "Totalt"
    assert told["year"] == 2023
    assert told["demodata"] is True
    _, sectors = session.rank(2023)
    assert told["of"] == int(sectors[(sectors["sector"] == "totalt")]["ranked"].sum()) == 357
    detail = told["figures"]
    assert isinstance(detail, pd.DataFrame)
    every = sum(len(fs) for fs in cast(RankingDef, session.catalog.ranking).key_figures.values())
    assert len(detail) == every  # all key figures of all sectors
    assert set(detail["year"]) == {2023}
    assert detail["contribution"].is_monotonic_decreasing
    sector = session.explain_rank("Bærum", "grunnskole", 2023)
    assert sector["sector_name"] == "Grunnskole"
    assert sector["of"] == int(sectors[sectors["sector"] == "grunnskole"]["ranked"].sum())


def test_the_first_year_has_no_previous_rank(session: Session) -> None:
    _, sectors = session.rank(2015)
    first = sectors.iloc[0]  # Oslo in grunnskole: where a wrongly kept row would be found
    told = session.explain_rank(str(first["region_code"]), str(first["sector"]), 2015)
    assert isinstance(told["rank"], int)
    assert told["previous_rank"] is None


def test_explain_rank_and_similar_refuse_a_county(session: Session) -> None:
    with pytest.raises(ParameterError) as refused:
        session.explain_rank("Rogaland", "grunnskole", 2024)
    assert str(refused.value) == "Rogaland er et fylke; rangeringen gjelder kommuner, ikke fylker"
    with pytest.raises(ParameterError) as refused:
        session.similar("Rogaland", year=2024)
    assert str(refused.value) == "Rogaland er et fylke; likhetssøket gjelder kommuner, ikke fylker"


SIMILAR_BASIS = ["pop_total", "pop_0_17", "pop_67p", "pop_80p", "okonomi_frie_inntekter_per_innb"]


def test_similar_distances_recomputed_from_the_observations(session: Session) -> None:
    needs = [e.need_index for e in session.catalog.economics.values()]
    obs = session.observations([*SIMILAR_BASIS, *needs], [2023])
    value = {(r.indicator_id, r.region_code): float(r.value) for r in obs.itertuples()}
    codes = session.municipalities()

    def criteria(code: str) -> list[float]:
        total = value[("pop_total", code)]
        return [
            math.log(total),
            value[("pop_0_17", code)] / total,
            value[("pop_67p", code)] / total,
            value[("pop_80p", code)] / total,
            value[("okonomi_frie_inntekter_per_innb", code)],
            sum(value[(n, code)] for n in needs) / len(needs),
        ]

    table = np.array([criteria(c) for c in codes])
    z = (table - table.mean(axis=0)) / table.std(axis=0)
    me = z[codes.index("3201")]
    distance = {c: float(np.sqrt(((z[i] - me) ** 2).sum())) for i, c in enumerate(codes) if c != "3201"}
    nearest = sorted(distance, key=distance.__getitem__)[:10]

    found = comparisons.similar(session, "Bærum", year=2023)  # ten by default
    assert found["region_code"].tolist() == nearest
    assert found["distance"].tolist() == pytest.approx([distance[c] for c in nearest])
    assert found.attrs == {"year": 2023, "demodata": True}


def test_similar_refuses_a_year_without_population(session: Session) -> None:
    with pytest.raises(YearNotAvailable) as refused:
        session.similar("Bærum", year=2030)
    assert str(refused.value) == "kostra har ikke tall for 2030 (folketall); kostra har tall for 2015–2024"


def test_similar_names_what_the_municipality_lacks(fresh: Session) -> None:
    needs = [e.need_index for e in fresh.catalog.economics.values()]
    ids = [*SIMILAR_BASIS, *needs]
    obs = fresh.observations(ids, [2024])
    copied: dict[str, dict[str, float]] = {
        i: dict(zip(part["region_code"], part["value"].astype(float), strict=True))
        for i, part in obs.groupby("indicator_id")
    }
    _load(fresh, "similar-real", {2024: copied})  # the same figures, now a file's: no demodata
    found = fresh.similar("Bærum", count=3, year=2024)
    assert found.attrs == {"year": 2024, "demodata": False}
    assert len(found) == 3
    # Bærum without its 80+ population, and no municipality with an administration need index.
    lacking = {**copied, "pop_80p": {k: v for k, v in copied["pop_80p"].items() if k != "3201"}}
    _load(fresh, "similar-lacking", {2024: {**lacking, "behov_administrasjon": {}}})
    with pytest.raises(InputError) as refused:
        fresh.similar("Bærum", year=2024)
    assert str(refused.value) == (
        "Bærum mangler tall for 2024 som likhet måles på: Innbyggere 80 år og eldre, "
        "Utgiftsbehov administrasjon, indeks (landet = 1)"
    )


def test_similar_compares_only_todays_municipalities(fresh: Session) -> None:
    """SSB's figures for the years before a merger come under the old numbers (Moss 0104
    until 2019); such a municipality is no longer one to be compared with."""
    needs = [e.need_index for e in fresh.catalog.economics.values()]
    ids = [*SIMILAR_BASIS, *needs]
    before = fresh.similar("Bærum", count=5, year=2019)
    baerum = fresh.observations(ids, [2019]).query("region_code == '3201'")
    twin = baerum.loc[:, ["indicator_id", "year", "value"]].assign(region_code="0104", status=None)
    fresh.store.load_release(ReleaseSpec("test", "file", "old-moss"), twin)  # Bærum's very figures
    after = fresh.similar("Bærum", count=5, year=2019)
    assert "0104" in set(fresh.observations(ids, [2019])["region_code"])
    assert after["region_code"].tolist() == before["region_code"].tolist()
    assert after["distance"].tolist() == pytest.approx(before["distance"].tolist())


GROSS, NEED, SCHOOL_POINTS = "gs_korrbrutto_per_innb", "behov_grunnskole", "gs_grunnskolepoeng"


def test_dea_on_need_adjusted_expenditure_by_hand(fresh: Session) -> None:
    # Input = gross expenditure / need index, output = school points:
    #   A 100 / 1.0 = 100 -> 40    B 150 / 1.5 = 100 -> 50    C 120 / 0.8 = 150 -> 50
    #   D 60 / 1.2 = 50 -> 30
    # The VRS frontier runs from D (50, 30) to B (100, 50). A's 40 points need
    # 0.5 * 50 + 0.5 * 100 = 75: A is 75 / 100 = 0.75. C's 50 points need B's 100:
    # 100 / 150 = 2/3. B and D are on the frontier: 1.
    # (On gross expenditure alone B would be 120 / 150 = 0.8: C makes 50 points for 120.)
    # E lacks the need index and F every figure: not placed, and what is lacking is said.
    _load(
        fresh,
        "tiny-dea",
        {
            2024: {
                GROSS: {A: 100.0, B: 150.0, C: 120.0, D: 60.0, E: 80.0},
                NEED: {A: 1.0, B: 1.5, C: 0.8, D: 1.2},
                SCHOOL_POINTS: {A: 40.0, B: 50.0, C: 50.0, D: 30.0, E: 45.0},
            }
        },
    )
    table = fresh.dea("grunnskole", 2024)
    assert list(table.columns) == [
        "region_code", "efficiency", "peers", "peer_weights", "missing", "region", "year",
    ]  # fmt: skip
    placed = table[table["efficiency"].notna()]
    assert dict(zip(placed["region_code"], placed["efficiency"], strict=True)) == pytest.approx(
        {A: 0.75, B: 1.0, C: 2 / 3, D: 1.0}
    )
    assert list(placed["efficiency"]) == sorted(placed["efficiency"], reverse=True)
    assert len(placed) == 4 and table["efficiency"].iloc[4:].isna().all()  # the unplaced last
    assert (placed["missing"] == "").all()
    names = {i: fresh.catalog.indicators[i].name_nb for i in (GROSS, NEED, SCHOOL_POINTS)}
    lacking = table.set_index("region_code")["missing"]
    assert lacking[E] == names[NEED]
    assert lacking[F] == f"{names[GROSS]}, {names[NEED]}, {names[SCHOOL_POINTS]}"
    assert len(table) == len(fresh.municipalities())
    assert set(table["year"]) == {2024}
    assert table.set_index("region_code").loc[A, "region"] == "Bærum"
    assert table.attrs == {"sector": "grunnskole", "demodata": False}


def test_dea_names_the_service_areas_it_can_measure(session: Session) -> None:
    with pytest.raises(ParameterError) as refused:
        session.dea("kultur-og-fritid", 2024)
    assert str(refused.value) == (
        "kultur-og-fritid har ingen produksjonsindikatorer for DEA; velg ett av: grunnskole, "
        "pleie-og-omsorg, kommunehelse, sosialtjeneste-og-bolig, barnevern, barnehage"
    )


def _explained_by_filters(session: Session, code: str, sectors: list[str], year: int) -> list[dict[str, Any]]:
    """explain_ranks as it was before: a filter per sector (the count of ranked among them)."""
    region = session.region(code)
    figures, ranked = session.rank(year)
    when = int(ranked["year"].iloc[0])
    try:
        _, before = session.rank(when - 1)
    except YearNotAvailable:
        before = ranked.iloc[:0]
    found = []
    for sector_id in sectors:
        mine = ranked[(ranked["region_code"] == region.code) & (ranked["sector"] == sector_id)]
        earlier = before[(before["region_code"] == region.code) & (before["sector"] == sector_id)]
        own = figures[figures["region_code"] == region.code]
        detail = own[(own["sector"] == sector_id) | (sector_id == "totalt")]
        place = mine["rank"].iloc[0] if len(mine) else None
        previous = earlier["rank"].iloc[0] if len(earlier) else None
        found.append(
            {
                "score": float(mine["score"].iloc[0]) if len(mine) else float("nan"),
                "rank": None if place is None or pd.isna(place) else int(place),
                "previous_rank": None if previous is None or pd.isna(previous) else int(previous),
                "of": int(ranked[(ranked["sector"] == sector_id) & ranked["ranked"]].shape[0]),
                "figures": detail.sort_values("contribution", ascending=False),
            }
        )
    return found


@pytest.mark.parametrize("year", [2024, 2023])
def test_explanations_with_one_count_are_the_filtered_ones(session: Session, year: int) -> None:
    # Every fifth municipality, every ranked sector, twice (the second time from the
    # session's ranking): the same score, ranks, count and figures (values, types, index, order).
    ranking = session.catalog.ranking
    assert ranking is not None
    sectors = ["totalt", *ranking.key_figures]
    compared = 0
    for _ in range(2):
        for code in session.municipalities()[::5]:
            told = comparisons.explain_ranks(session, code, sectors, year)
            expected = _explained_by_filters(session, code, sectors, year)
            for got, want in zip(told, expected, strict=True):
                pd.testing.assert_frame_equal(got["figures"], want["figures"], check_exact=True)
                assert [got[k] for k in ("rank", "previous_rank", "of")] == [
                    want[k] for k in ("rank", "previous_rank", "of")
                ]
                assert got["score"] == want["score"] or (
                    math.isnan(got["score"]) and math.isnan(want["score"])
                )
                compared += 1
    assert compared > 500
