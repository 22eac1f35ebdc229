"""kostra/sector_analysis.py: one service area's analysis put together from the store's
figures and the pure methods. (It sits beside analysis/, since it reads the store; its tests
are here so that mutation testing's selection, tests/analysis, reaches them.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.commentary import (
    efficiency_sentence,
    group_words,
    indicator_sentences,
    need_adjusted_sentence,
    resource_use_sentence,
)
from kostra.analysis.deflate import price_factors
from kostra.analysis.efficiency import compute_efficiency
from kostra.analysis.quality import (
    Flag,
    flag_extremes,
    flag_jumps,
    flag_revisions,
    flag_thin_groups,
    flag_unweighted_members,
)
from kostra.analysis.regions import Region
from kostra.analysis.resource_use import compute_need_adjusted, compute_resource_use
from kostra.api import Session
from kostra.catalog import load_catalog
from kostra.errors import ParameterError, YearNotAvailable
from kostra.sector_analysis import _peer_index, _plain, analyse_sector

YEAR = 2024


def test_plain_values_for_json() -> None:
    assert _plain(np.float64(1.5)) == 1.5 and type(_plain(np.float64(1.5))) is float
    assert _plain(np.int64(3)) == 3 and type(_plain(np.int64(3))) is int
    assert _plain(np.bool_(True)) is True
    assert _plain(float("nan")) is None
    assert _plain(np.float64("nan")) is None
    assert _plain("tekst") == "tekst"
    assert _plain(None) is None


def test_the_json_form_holds_every_part_with_missing_as_null(session: Session) -> None:
    analysis = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",))
    out = analysis.to_dict()
    json.dumps(out)  # numpy scalars and NaN would not serialise
    assert out["municipality"] == {"code": "3201", "name": "Bærum"}
    assert (out["sector"], out["year"]) == ("pleie-og-omsorg", YEAR)
    assert out["group"] == {"id": "asss", "name": analysis.group.name}
    assert out["peers"] == [{"code": "3203", "name": "Asker"}]
    assert out["demodata"] is analysis.demodata
    assert out["summary"] == analysis.summary and out["comments"] == analysis.comments
    assert out["flags"] == [f.__dict__ for f in analysis.flags]
    for part in ("profile", "series", "resource_use", "efficiency"):
        frame = getattr(analysis, part)
        rows = out[part]
        assert len(rows) == len(frame) > 0, part
        assert list(rows[0]) == list(frame.columns), part
        for row, (_, expected) in zip(rows, frame.iterrows(), strict=True):
            for column, value in expected.items():
                shown = row[column]
                if isinstance(value, float) and math.isnan(value):
                    assert shown is None, (part, column)
                else:
                    assert shown == (value.item() if hasattr(value, "item") else value), (part, column)
    assert out["need_adjusted"] == {k: _plain(v) for k, v in analysis.need_adjusted.items()}
    assert out["need_adjusted"]


def test_need_adjusted_kroner_are_divided_by_each_ones_own_need_index(session: Session) -> None:
    plain = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",))
    adjusted = session.analyse("Bærum", "pleie-og-omsorg", YEAR, peers=("Asker",), need_adjusted=True)
    economics = session.catalog.sector_economics(session.service_area("pleie-og-omsorg"))
    need = session.observations([economics.need_index], [YEAR]).set_index("region_code")["value"]
    kroner = [i.id for i in session.catalog.indicators.values() if i.unit == "kroner"]
    before = plain.series[plain.series["indicator_id"].isin(kroner) & (plain.series["year"] == YEAR)]
    after = adjusted.series.set_index(["indicator_id", "series", "year"])["value"]
    checked = 0
    for row in before.itertuples():
        code = {"Bærum": "3201", "Asker": "3203"}.get(row.series)
        if code is None or pd.isna(row.value):
            continue
        # need-adjusted = value / the municipality's own need index (country = 1)
        assert after[(row.indicator_id, row.series, YEAR)] == pytest.approx(row.value / need[code])
        checked += 1
    assert checked >= 4
    assert adjusted.series.loc[adjusted.series["indicator_id"].isin(kroner), "adjusted"].all()
    assert adjusted.need_adjusted_series is True and plain.need_adjusted_series is False
    assert not plain.series["adjusted"].any()


# -- what analyse_sector puts together, checked against the store's own figures -----------------
# The pure methods are pinned elsewhere to hand-computed numbers; these tests pin the wiring:
# which figures, years, members and names reach them.

SECTOR = "pleie-og-omsorg"


def _own_values(
    session: Session, code: str, ids: list[str], years: list[int]
) -> dict[tuple[str, int], float]:
    obs = session.observations(ids, years)
    obs = obs[obs["region_code"] == code]
    return {
        (str(i), int(y)): float(v)
        for i, y, v in zip(obs["indicator_id"], obs["year"], obs["value"], strict=True)
    }


def _same(shown: float, expected: float) -> bool:
    """Equal, or both missing (missing is never 0)."""
    return (math.isnan(shown) and math.isnan(expected)) or shown == expected


def test_the_defaults_are_asss_asker_the_latest_year_and_current_kroner(session: Session) -> None:
    analysis = analyse_sector(session, "Bærum", "grunnskole")
    assert analysis.group.id == "asss"
    assert [p.code for p in analysis.peers] == ["3203"]
    assert analysis.year == YEAR  # the bundle's latest year
    assert analysis.years == [2020, 2021, 2022, 2023, 2024]  # five years
    assert analysis.fixed_prices is False and analysis.base_year is None
    assert analysis.need_adjusted_series is False
    assert not analysis.series["adjusted"].any()


def test_the_series_span_and_its_limits(session: Session) -> None:
    first, last = 2015, 2024  # the bundle's years
    assert session.analyse("Bærum", SECTOR, 2023).years == [2019, 2020, 2021, 2022, 2023]
    assert session.analyse("Bærum", SECTOR, 2016).years == [2015, 2016]  # not before the first year
    assert session.analyse("Bærum", SECTOR, YEAR, first_year=YEAR).years == [YEAR]
    assert session.analyse("Bærum", SECTOR, YEAR, first_year=first).years == list(range(first, last + 1))
    with pytest.raises(ParameterError) as late:
        session.analyse("Bærum", SECTOR, 2022, first_year=2023)
    assert str(late.value) == (
        "første år i tidsseriene (2023) er etter analyseåret (2022); kostra har tall for 2015–2024"
    )
    with pytest.raises(YearNotAvailable) as early:
        session.analyse("Bærum", SECTOR, 2022, first_year=2014)
    assert str(early.value) == (
        "første år i tidsseriene (2014) er før det første året med tall; kostra har tall for 2015–2024"
    )


def test_fixed_prices_shorten_the_default_span_to_the_deflator_and_name_the_base_year(
    session: Session,
) -> None:
    # The catalog's deflator covers 2020-2024: 2023's default span 2019-2023 loses 2019.
    fixed = session.analyse("Bærum", SECTOR, 2023, fixed_prices=True)
    assert fixed.years == [2020, 2021, 2022, 2023]
    assert fixed.fixed_prices is True and fixed.base_year == 2023
    assert session.analyse("Bærum", SECTOR, 2023).base_year is None
    based = session.analyse("Bærum", SECTOR, YEAR, fixed_prices=True, base_year=2022)
    assert based.base_year == 2022 and based.years == [2020, 2021, 2022, 2023, 2024]
    assert based.series["adjusted"].any()
    assert "faste 2022-kroner" in " ".join(based.summary)


def test_a_county_is_refused_as_subject_and_as_peer(session: Session) -> None:
    with pytest.raises(ParameterError) as subject:
        session.analyse("Akershus", SECTOR, YEAR)
    assert str(subject.value) == "Akershus er et fylke; analysen gjelder kommuner, ikke fylker"
    with pytest.raises(ParameterError) as peer:
        session.analyse("Bærum", SECTOR, YEAR, peers=("Akershus",))
    assert str(peer.value) == "Akershus er et fylke; sammenligningen gjelder kommuner, ikke fylker"


def test_a_year_without_figures_names_the_service_area(session: Session) -> None:
    with pytest.raises(YearNotAvailable) as error:
        session.analyse("Bærum", SECTOR, 2030)
    assert (
        str(error.value) == "kostra har ikke tall for 2030 (pleie og omsorg); kostra har tall for 2015–2024"
    )


def test_the_profile_holds_the_subjects_figures_names_order_and_ranks(session: Session) -> None:
    analysis = session.analyse("Bærum", SECTOR, YEAR)
    profile = analysis.profile
    ids = list(profile["indicator_id"])
    own = _own_values(session, "3201", ids, [2022, 2023, 2024])
    names = dict(zip(session.regions["code"], session.regions["name"], strict=True))
    for row in profile.to_dict("records"):
        for year in (2022, 2023, 2024):
            expected = own.get((row["indicator_id"], year), float("nan"))
            assert _same(row[str(year)], expected), (row["indicator_id"], year)
        assert row["highest_region_name"] == names[row["highest_region"]]
        assert row["lowest_region_name"] == names[row["lowest_region"]]
    # every indicator of the sector has its row (one without a 2024 figure too), the rows
    # follow the sector's profiles in the catalog's order and, within one, the catalog's
    # order of indicators
    catalog_order = [i.id for i in session.catalog.indicators_of(SECTOR)]
    assert sorted(ids) == sorted(catalog_order)
    order = [p.id for p in analysis.sector.profiles]
    positions = [order.index(p) for p in profile["profile"]]
    assert positions == sorted(positions) and list(profile.index) == list(range(len(profile)))
    for _, rows in profile.groupby("profile", sort=False):
        within = list(rows["indicator_id"])
        assert within == sorted(within, key=catalog_order.index)
    assert list(profile.columns) == [
        "region_code", "indicator_id", "indicator_group", "indicator", "unit", "decimals",
        "average_rule", "weight", "2022", "2023", "2024", "group_average", "group_highest",
        "group_lowest", "highest_region", "lowest_region", "members", "members_with_data",
        "members_without_weight", "index", "index_highest", "index_lowest", "index_previous",
        "demodata", "highest_region_name", "lowest_region_name", "profile", "rank", "ranked",
    ]  # fmt: skip
    # ranks: 1 + members with a higher figure in 2024; ranked = members with a figure
    members = session.members("asss", YEAR, "3201")
    latest = session.observations(ids, [YEAR])
    latest = latest[latest["region_code"].isin(members) & latest["value"].notna()]
    checked = 0
    for row in profile.itertuples():
        others = latest.loc[latest["indicator_id"] == row.indicator_id, "value"].tolist()
        mine = own.get((row.indicator_id, YEAR), float("nan"))
        if math.isnan(mine):
            assert math.isnan(row.rank)
            continue
        assert row.rank == 1 + sum(v > mine for v in others), row.indicator_id
        assert row.ranked == len(others), row.indicator_id  # Bærum is a member: among them
        checked += 1
    assert checked >= 10


def test_last_years_index_does_not_depend_on_the_span_of_the_series(session: Session) -> None:
    whole = session.analyse("Bærum", SECTOR, YEAR).profile.set_index("indicator_id")
    one = session.analyse("Bærum", SECTOR, YEAR, first_year=YEAR).profile.set_index("indicator_id")
    assert whole["index_previous"].notna().sum() >= 10
    pd.testing.assert_series_equal(one["index_previous"], whole["index_previous"])
    pd.testing.assert_series_equal(one["index"], whole["index"])


def test_a_group_without_the_subject_leaves_it_out_of_average_and_members(session: Session) -> None:
    analysis = session.analyse("Bærum", SECTOR, YEAR, group="ovrige-asss")
    members = session.members("ovrige-asss", YEAR, "3201")
    assert "3201" not in members and "0301" not in members
    profile = analysis.profile
    assert (profile["members"] == len(members)).all()
    assert "3201" not in set(profile["highest_region"]) | set(profile["lowest_region"])
    # the average of one unweighted indicator, by hand: the plain mean of the other members
    row = profile[profile["average_rule"] == "unweighted"].iloc[0]
    obs = session.observations([row["indicator_id"]], [YEAR])
    mean = obs.loc[obs["region_code"].isin(members), "value"].mean()
    assert row["group_average"] == pytest.approx(mean)
    # Bærum is placed among the others, not counted among them
    assert (
        profile["ranked"].dropna() == profile.loc[profile["ranked"].notna(), "members_with_data"] + 1
    ).all()


@pytest.mark.parametrize("year", [2023, YEAR])
def test_peer_index_is_each_peers_figure_over_the_group_average(session: Session, year: int) -> None:
    analysis = session.analyse("Bærum", SECTOR, year, peers=("Asker", "Oslo"))
    peer_index = analysis.peer_index
    assert list(peer_index.columns) == ["indicator_id", "peer", "value", "index"]
    averages = analysis.profile.set_index("indicator_id")["group_average"]
    assert len(peer_index) == 2 * len(averages)
    assert list(peer_index["peer"].unique()) == ["Asker", "Oslo"]
    for peer, code in (("Asker", "3203"), ("Oslo", "0301")):
        own = _own_values(session, code, list(averages.index), [year])
        rows = peer_index[peer_index["peer"] == peer]
        assert list(rows["indicator_id"]) == list(averages.index)
        for row in rows.itertuples():
            value = own[(row.indicator_id, year)]
            assert _same(row.value, value)
            assert _same(row.index, 100 * value / averages[row.indicator_id]) or row.index == pytest.approx(
                100 * value / averages[row.indicator_id]
            )


def test_a_peer_without_a_figure_has_no_value_no_index_and_no_sentence_about_it(session: Session) -> None:
    # The bundle has no 2024 figure for 4220 (Bygland) on this indicator, nor on the second.
    peer = session.region("4220")
    analysis = session.analyse("Bærum", SECTOR, YEAR, peers=("4220",))
    rows = analysis.peer_index.set_index("indicator_id")
    for missing in ("plo_inst_omfattende_langtid", "ttu_utgifter_per_utviklingshemmet"):
        assert math.isnan(rows.loc[missing, "value"]) and math.isnan(rows.loc[missing, "index"])
        text = " ".join(analysis.comments[missing])
        assert peer.short_name not in text and "nan" not in text and "None" not in text
    assert (rows["index"].notna() == rows["value"].notna()).all()
    # where the peer has a figure, the commentary names it
    assert any(peer.short_name in " ".join(s) for s in analysis.comments.values())


def test_comments_carry_the_indicators_own_notes_but_not_the_highest_and_lowest(session: Session) -> None:
    analysis = session.analyse("Bærum", SECTOR, YEAR)
    notes = [f for f in analysis.flags if f.indicator_id and f.kind not in ("highest", "lowest")]
    extremes = [f for f in analysis.flags if f.kind in ("highest", "lowest")]
    assert notes and extremes  # the bundle has both for Bærum's care services
    for indicator_id, sentences in analysis.comments.items():
        for flag in notes:
            assert (flag.message_nb in sentences) == (flag.indicator_id == indicator_id)
        for flag in extremes:
            assert flag.message_nb not in sentences


def test_each_indicators_comments_name_the_peers_figures_of_the_year(session: Session) -> None:
    year = 2023  # not the latest: the peers' figures must be the analysed year's
    analysis = session.analyse("Bærum", SECTOR, year, peers=("Asker", "Oslo"))
    words = group_words(analysis.group.id, analysis.group.name)
    ids = list(analysis.profile["indicator_id"])
    asker, oslo = (_own_values(session, code, ids, [year]) for code in ("3203", "0301"))
    for row in analysis.profile.to_dict("records"):
        key = (row["indicator_id"], year)
        notes = [
            f.message_nb
            for f in analysis.flags
            if f.indicator_id == row["indicator_id"] and f.kind not in ("highest", "lowest")
        ]
        peers = [("Asker", asker.get(key, float("nan"))), ("Oslo", oslo.get(key, float("nan")))]
        expected = indicator_sentences(row, "Bærum", year, words, peers, notes)
        assert analysis.comments[row["indicator_id"]] == expected


def test_the_demodata_notice_closes_the_summary(session: Session) -> None:
    analysis = session.analyse("Bærum", SECTOR, YEAR)
    assert analysis.demodata
    assert (
        analysis.summary[-1] == "NB: Tallene bygger helt eller delvis på genererte demodata, ikke SSBs tall."
    )
    assert analysis.summary.count(analysis.summary[-1]) == 1


def test_the_series_hold_the_subject_peers_and_group_for_exactly_the_years(session: Session) -> None:
    analysis = session.analyse("Bærum", SECTOR, 2023, peers=("Asker",))
    series = analysis.series
    years = [2019, 2020, 2021, 2022, 2023]
    assert set(series["series"]) == {"Bærum", "Asker", analysis.group.name}
    assert set(series["year"]) == set(years)
    ids = list(analysis.profile["indicator_id"])
    for name, code in (("Bærum", "3201"), ("Asker", "3203")):
        own = _own_values(session, code, ids, years)
        rows = series[series["series"] == name]
        assert len(rows) == len(own)
        for row in rows.itertuples():
            assert _same(row.value, own[(row.indicator_id, row.year)])
    stats = session.group_stats(
        session.catalog.indicators_of(SECTOR), years, analysis.group.definition, ["3201"]
    )
    average = stats.set_index(["indicator_id", "year"])["average"]
    group = series[series["series"] == analysis.group.name]
    assert len(group) == len(average)
    for row in group.itertuples():
        assert row.value == pytest.approx(average[(row.indicator_id, row.year)], nan_ok=True)
    assert not series["back_series"].any()


def test_the_groups_need_index_in_adjusted_series_is_population_weighted_without_the_subject(
    session: Session,
) -> None:
    analysis = session.analyse(
        "Bærum", SECTOR, YEAR, group="ovrige-asss", peers=(), need_adjusted=True, first_year=2023
    )
    plain = session.analyse("Bærum", SECTOR, YEAR, group="ovrige-asss", peers=(), first_year=2023)
    economics = session.catalog.sector_economics(session.service_area(SECTOR))
    kroner = next(i.id for i in session.catalog.indicators_of(SECTOR) if i.unit == "kroner")
    name = analysis.group.name
    for year in (2023, 2024):
        members = session.members("ovrige-asss", year, "3201")
        obs = session.observations([economics.need_index, "pop_total"], [year])
        need = obs[obs["indicator_id"] == economics.need_index].set_index("region_code")["value"]
        pop = obs[obs["indicator_id"] == "pop_total"].set_index("region_code")["value"]
        # Σ need × population / Σ population over the members (Bærum is not one)
        weighted = sum(need[c] * pop[c] for c in members) / sum(pop[c] for c in members)
        before = plain.series.set_index(["indicator_id", "series", "year"]).loc[(kroner, name, year), "value"]
        after = analysis.series.set_index(["indicator_id", "series", "year"]).loc[
            (kroner, name, year), "value"
        ]
        assert after == pytest.approx(before / weighted)


def _expected_flags(session: Session, analysis, labels: dict[str, str]) -> list[Flag]:
    """The flags as the quality methods give them for this analysis's own tables."""
    year = analysis.years[-1]
    name = analysis.municipality.short_name
    decimals = {i.id: i.decimals for i in session.catalog.indicators_of(analysis.sector.id)}
    diff = session.diff(year)
    diff = diff[diff["indicator_id"].isin(labels)]
    return [
        *flag_jumps(analysis.series, name, labels),
        *flag_revisions(diff, analysis.municipality.code, labels, decimals),
        *flag_thin_groups(analysis.profile, analysis.group.name, year),
        *flag_unweighted_members(analysis.profile, analysis.group.name, year),
        *flag_extremes(analysis.profile, analysis.municipality.code, name, "i ASSS-nettverket", year),
    ]


def test_the_flags_are_the_quality_methods_over_the_analysis_tables(session: Session) -> None:
    for first_year in (None, YEAR):
        analysis = session.analyse("Bærum", SECTOR, YEAR, first_year=first_year)
        labels = {i.id: i.name_nb for i in session.catalog.indicators_of(SECTOR)}
        assert analysis.flags == _expected_flags(session, analysis, labels)
        assert {f.year for f in analysis.flags if f.kind in ("highest", "lowest")} == {YEAR}
        assert all("Bærum" in f.message_nb for f in analysis.flags if f.kind in ("jump", "highest", "lowest"))


def test_a_revised_figure_of_the_subject_is_flagged_and_a_peers_is_not(fresh: Session, tmp_path) -> None:
    def release(name: str, baerum: str, asker: str) -> None:
        path = tmp_path / name
        path.write_text(
            "region;statistikkvariabel;år;verdi\n"
            f"3201 Bærum;Andel årsverk i brukerrettede tjenester med fagutdanning;2024;{baerum}\n"
            f"3203 Asker;Andel årsverk i brukerrettede tjenester med fagutdanning;2024;{asker}\n",
            encoding="utf-8",
        )
        fresh.import_file(path)

    release("forste.csv", "70,1", "60,0")
    release("andre.csv", "72,4", "61,0")
    analysis = fresh.analyse("Bærum", SECTOR, YEAR)
    revised = [f for f in analysis.flags if f.kind == "revised"]
    assert [(f.indicator_id, f.region_code, f.year) for f in revised] == [("plo_fagutdanning", "3201", 2024)]
    assert "70,1" in revised[0].message_nb and "72,4" in revised[0].message_nb
    labels = {i.id: i.name_nb for i in fresh.catalog.indicators_of(SECTOR)}
    assert analysis.flags == _expected_flags(fresh, analysis, labels)


def test_a_small_group_is_flagged_as_thin_with_its_name_and_year(fresh: Session, tmp_path) -> None:
    path = tmp_path / "par.yaml"
    path.write_text(
        "groups:\n  - id: par\n    name_nb: Paret\n    members: [Asker, Oslo]\n", encoding="utf-8"
    )
    fresh.load_user_groups(path)
    analysis = fresh.analyse("Bærum", SECTOR, YEAR, group="par")
    thin = [f for f in analysis.flags if f.kind == "thin_group"]
    assert len(thin) == analysis.profile["members_with_data"].lt(3).sum() > 0
    assert all("i Paret har tall for 2024" in f.message_nb for f in thin)
    labels = {i.id: i.name_nb for i in fresh.catalog.indicators_of(SECTOR)}
    expected = _expected_flags(fresh, analysis, labels)
    # a user group's extremes read "i Paret", not "i ASSS-nettverket"
    assert [f for f in analysis.flags if f.kind not in ("highest", "lowest")] == [
        f for f in expected if f.kind not in ("highest", "lowest")
    ]
    assert all(" i Paret " in f.message_nb for f in analysis.flags if f.kind in ("highest", "lowest"))


def _by_region(frame: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    part = frame[(frame["indicator_id"] == indicator) & (frame["year"] == year)]
    return pd.Series(part["value"].to_numpy(), index=pd.Index(part["region_code"].to_numpy()), dtype=float)


@pytest.mark.parametrize(
    ("group", "fixed_prices"),
    [("asss", False), ("ovrige-asss", False), ("asss", True)],
    ids=["asss", "ovrige", "faste"],
)
def test_resource_use_need_adjusted_and_efficiency_from_the_stores_figures(
    session: Session, group: str, fixed_prices: bool
) -> None:
    """The economics of a chapter: each method is given the figures of the right year, members
    and prices, and the summary holds its sentences in order."""
    base = 2022
    analysis = session.analyse(
        "Bærum",
        SECTOR,
        YEAR,
        group=group,
        fixed_prices=fixed_prices,
        base_year=base if fixed_prices else None,
    )
    economics = session.catalog.sector_economics(session.service_area(SECTOR))
    ids = [economics.net_expenditure, economics.gross_expenditure, economics.need_index, "pop_total"]
    ids += [economics.depreciation, *(p.indicator for p in economics.production)]
    obs = session.observations(ids, analysis.years)
    members = session.members(group, YEAR, "3201")
    assert ("3201" in members) is (group == "asss")
    net, need, depreciation = (
        _by_region(obs, i, YEAR)
        for i in (economics.net_expenditure, economics.need_index, economics.depreciation)
    )
    use = compute_resource_use(net, need, members, depreciation)
    pd.testing.assert_frame_equal(analysis.resource_use, use)
    indicator = float(use.set_index("region_code").loc["3201", "indicator"])
    assert analysis.resource_use_indicator == indicator and not math.isnan(indicator)
    # need-adjusted kroner: the indicator's own spending, in base-year prices when asked
    factor = price_factors(session.catalog.deflator, base, [YEAR])[YEAR] if fixed_prices else 1.0
    assert (factor != 1.0) is fixed_prices
    spending = (net - depreciation.reindex(net.index)) * factor
    expected = compute_need_adjusted(spending, need, _by_region(obs, "pop_total", YEAR), "3201", members)
    assert analysis.need_adjusted == pytest.approx(expected)
    # efficiency year by year, each year with that year's members and figures
    weights = {p.indicator: p.weight for p in economics.production}
    assert list(analysis.efficiency["year"]) == analysis.years
    for row in analysis.efficiency.itertuples():
        year_members = session.members(group, row.year, "3201")
        gross = _by_region(obs, economics.gross_expenditure, row.year)
        production = obs[(obs["year"] == row.year) & obs["indicator_id"].isin(weights)]
        result = compute_efficiency(
            production, weights, gross, _by_region(obs, economics.need_index, row.year), year_members
        ).set_index("region_code")
        mine = result.loc["3201"]
        for column in ("production_index", "cost_index", "efficiency"):
            assert getattr(row, column) == pytest.approx(mine[column]), (row.year, column)
        # gross spending against the members' plain mean
        assert row.gross_relative == pytest.approx(gross["3201"] / gross[list(year_members)].mean())
    assert analysis.efficiency[["production_index", "cost_index", "efficiency"]].nunique().min() > 1
    words = group_words(analysis.group.id, analysis.group.name)
    prices = f"faste {base}-kroner" if fixed_prices else "løpende kroner"
    latest = analysis.efficiency.iloc[-1].to_dict()
    assert analysis.summary == [
        resource_use_sentence("Bærum", "pleie og omsorg", indicator, words),
        need_adjusted_sentence("Bærum", YEAR, expected, words, prices),
        efficiency_sentence(latest, YEAR, analysis.group.name),
        "NB: Tallene bygger helt eller delvis på genererte demodata, ikke SSBs tall.",
    ]
    assert all(analysis.summary) and prices in analysis.summary[1] and "Bærum" in analysis.summary[0]


@pytest.mark.parametrize("sector", sorted(load_catalog().economics))
def test_every_service_area_with_economics_gets_its_indicator_and_sentences(
    session: Session, sector: str
) -> None:
    analysis = session.analyse("Bærum", sector, YEAR)
    assert not math.isnan(analysis.resource_use_indicator)
    assert len(analysis.summary) >= 3 and all(isinstance(s, str) and s for s in analysis.summary)
    assert analysis.summary[0].startswith("Korrigert for utgiftsbehov bruker Bærum")


def test_a_split_is_a_break_that_names_the_parts_by_their_first_names(session: Session) -> None:
    # Hamarøy (1875) was made in 2020 of 1849 "Hamarøy - Hábmer" and part of 1850
    # "Divtasvuodna - Tysfjord" (the rest went to Narvik): the years before cannot be summed.
    analysis = session.analyse("Hamarøy", SECTOR, 2020, peers=(), first_year=2019)
    breaks = [f for f in analysis.flags if f.kind == "merger_break"]
    assert [(f.region_code, f.year) for f in breaks] == [("1875", 2020)]
    assert breaks[0].message_nb == (
        "Brudd i tidsserien for Hábmer i 2020: kommunen ble til ved en deling (Hamarøy og "
        "Divtasvuodna før 2020), så tallene før 2020 gjelder et annet område og kan ikke regnes om."
    )
    assert not analysis.series["back_series"].any()


def test_the_year_just_before_a_merger_is_computed_when_the_series_starts_there(fresh: Session) -> None:
    fresh.import_file(Path(__file__).parent.parent / "fixtures" / "asker_merged_2019.csv")
    analysis = fresh.analyse("Asker", SECTOR, 2020, peers=(), first_year=2019)
    series = analysis.series.set_index(["indicator_id", "series", "year"])
    cost = series.loc[("plo_inst_brutto_per_plass", "Asker", 2019)]
    # (1 000 000*100 + 1 200 000*50 + 900 000*30) / (100 + 50 + 30)
    assert cost["value"] == pytest.approx(187_000_000 / 180) and bool(cost["back_series"])
    assert [f.kind for f in analysis.flags if f.region_code == "3203"] == ["back_series"]


def test_peer_index_has_no_value_where_the_group_average_is_zero_or_missing() -> None:
    profile = pd.DataFrame(
        {"indicator_id": ["a", "b", "c", "d"], "group_average": [50.0, 0.0, float("nan"), 80.0]}
    )
    values = pd.DataFrame(
        {
            "indicator_id": ["a", "b", "c", "a", "b"],
            "region_code": ["3203", "3203", "3203", "0301", "0301"],
            "value": [40.0, 3.0, 7.0, 60.0, 0.0],
        }
    )
    peers = [Region("3203", "Asker", "municipality"), Region("0301", "Oslo - Oslove", "municipality")]
    out = _peer_index(profile, values, peers)
    assert list(out.columns) == ["indicator_id", "peer", "value", "index"]
    expected = [
        ("a", "Asker", 40.0, 80.0),  # 100 * 40 / 50
        ("b", "Asker", 3.0, None),  # the average is 0: no index, never a division error
        ("c", "Asker", 7.0, None),  # no average
        ("d", "Asker", None, None),  # no figure for Asker
        ("a", "Oslo", 60.0, 120.0),  # 100 * 60 / 50
        ("b", "Oslo", 0.0, None),
        ("c", "Oslo", None, None),
        ("d", "Oslo", None, None),
    ]
    got = [
        (
            r.indicator_id,
            r.peer,
            None if math.isnan(r.value) else r.value,
            None if math.isnan(r.index) else r.index,
        )
        for r in out.itertuples()
    ]
    assert got == expected
