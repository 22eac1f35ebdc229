"""kostra data check's arithmetic, on numbers worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.ssb_check import Verdict, aggregate_members, check_aggregates, round_half_away

# Three municipalities of 2024 and Longyearbyen; a share weighted by population.
#   EAK   = (10*100 + 20*300 + 30*100 + 40*10) / 510 = 10400/510 = 20.392...
#   EAKUO = (6000 + 3000 + 400) / 410               = 22.926...
#   EKA32 = 20 (3201 alone), EKA15 = 30 (1508 alone), EKA03 = 10 (Oslo)
#   EKG13 = (1000 + 6000) / 400 = 17.5;  EKG11 = 30
VALUES = pd.DataFrame(
    [
        ("andel", "0301", 2024, 10.0),
        ("andel", "3201", 2024, 20.0),
        ("andel", "1508", 2024, 30.0),
        ("andel", "2111", 2024, 40.0),
        ("andel", "3203", 2024, None),  # ".." is no member
        ("uveid", "0301", 2024, 1.0),
        ("uveid", "3201", 2024, 2.0),
    ],
    columns=["indicator_id", "region_code", "year", "value"],
)
WEIGHTS = pd.DataFrame(
    [
        ("pop", "0301", 2024, 100.0),
        ("pop", "3201", 2024, 300.0),
        ("pop", "1508", 2024, 100.0),
        ("pop", "2111", 2024, 10.0),
    ],
    columns=["weight_id", "region_code", "year", "value"],
)
RULES = pd.DataFrame(
    {
        "indicator_id": ["andel", "uveid"],
        "average": ["weighted", "unweighted"],
        "weight": ["pop", None],
        "decimals": [1, 1],
    }
)
GROUPS = {2024: {"0301": "EKG13", "3201": "EKG13", "1508": "EKG11"}}


def _published(*rows: tuple[str, str, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i, code, 2024, value) for i, code, value in rows],
        columns=["indicator_id", "region_code", "year", "value"],
    )


def _check(*rows: tuple[str, str, float | None], groups: object = GROUPS, weights=WEIGHTS) -> pd.DataFrame:
    return check_aggregates(_published(*rows), VALUES, weights, RULES, groups).set_index(  # type: ignore[arg-type]
        ["indicator_id", "aggregate"]
    )


def test_ssb_aggregates_recomputed_by_hand() -> None:
    out = _check(
        ("andel", "EAK", 20.4),
        ("andel", "EAKUO", 22.9),
        ("andel", "EKA32", 20.0),
        ("andel", "EKA15", 30.0),
        ("andel", "EKA03", 10.0),
        ("andel", "EKG13", 17.5),
        ("andel", "EKG11", 30.0),
    )
    assert out.loc[("andel", "EAK"), "kostra"] == pytest.approx(10400 / 510)
    assert out.loc[("andel", "EAKUO"), "kostra"] == pytest.approx(9400 / 410)
    assert out.loc[("andel", "EKG13"), "kostra"] == pytest.approx(17.5)
    assert (out["verdict"] == Verdict.SAME).all()
    assert out.loc[("andel", "EAK"), "members"] == 4  # Longyearbyen counts in the country
    assert out.loc[("andel", "EAKUO"), "members"] == 3  # ... without Oslo
    assert out.loc[("andel", "EKA32"), "members"] == 1  # ... but in no county


def test_rounding_and_real_differences_are_told_apart() -> None:
    out = _check(("andel", "EAK", 20.3), ("andel", "EAKUO", 22.8), ("andel", "EKA32", 20.2))
    # 20.392 against 20.3: 0.09 off, less than one unit of the last digit: rounding of SSB's inputs
    assert out.loc[("andel", "EAK"), "verdict"] == Verdict.ROUNDING
    # 22.926 against 22.8: more than one unit off
    assert out.loc[("andel", "EAKUO"), "verdict"] == Verdict.DIFFERS
    assert out.loc[("andel", "EAKUO"), "difference"] == pytest.approx(0.1)
    assert out.loc[("andel", "EKA32"), "verdict"] == Verdict.DIFFERS


def test_what_cannot_be_checked_says_why() -> None:
    no_oslo_weight = WEIGHTS[WEIGHTS["region_code"] != "0301"]
    out = _check(
        ("andel", "EAK", 20.4), ("andel", "EKA32", 20.0), ("uveid", "EAK", 1.5), weights=no_oslo_weight
    )
    assert out.loc[("andel", "EAK"), "verdict"] == Verdict.NOT_CHECKABLE
    assert "kommuner med tall mangler befolkning (pop) for 2024" in out.loc[("andel", "EAK"), "reason"]
    assert out.loc[("andel", "EAK"), "lacking"] == "0301"
    assert out.loc[("andel", "EKA32"), "verdict"] == Verdict.SAME  # Oslo is not in Akershus
    assert "ferdig beregnet forholdstall (*)" in out.loc[("uveid", "EAK"), "reason"]
    unknown_groups = _check(("andel", "EKG13", 17.5), groups={2024: "gruppene er demodata"})
    assert unknown_groups.loc[("andel", "EKG13"), "reason"] == "gruppene er demodata"


def test_an_aggregate_ssb_gave_no_number_for_is_left_out() -> None:
    assert _check(("andel", "EAK", None)).empty


def test_members_of_each_kind_of_aggregate() -> None:
    codes = ["0101", "0219", "0301", "2111", "3201"]
    assert aggregate_members("EAK", codes, None) == codes
    assert aggregate_members("EAKUO", codes, None) == ["0101", "0219", "2111", "3201"]
    assert aggregate_members("EKA02", codes, None) == ["0219"]
    assert aggregate_members("EKA21", codes, None) == []  # Longyearbyen is in no county
    assert "KOSTRA-gruppe" in str(aggregate_members("EKG01", codes, {"0101": "EKG01"}))


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(26.85, 1, 26.9), (26.849, 1, 26.8), (-2.5, 0, -3.0), (0.125, 2, 0.13), (148277.5, 0, 148278.0)],
)
def test_ssb_rounds_half_away_from_zero(value: float, decimals: int, expected: float) -> None:
    assert round_half_away(value, decimals) == expected


def test_longyearbyen_without_a_population_is_left_out_of_the_country_and_said_so() -> None:
    no_longyearbyen = WEIGHTS[WEIGHTS["region_code"] != "2111"]
    out = _check(("andel", "EAK", 20.0), ("andel", "EKA32", 20.0), weights=no_longyearbyen)
    assert out.loc[("andel", "EAK"), "kostra"] == pytest.approx(20.0)  # (1000 + 6000 + 3000) / 500
    assert out.loc[("andel", "EAK"), "members"] == 3
    assert "uten Longyearbyen" in out.loc[("andel", "EAK"), "reason"]
    assert out.loc[("andel", "EKA32"), "reason"] == ""


def test_without_longyearbyens_weight_only_what_it_could_move_is_forgiven() -> None:
    no_longyearbyen = WEIGHTS[WEIGHTS["region_code"] != "2111"]
    # without Longyearbyen kostra has 20.0; with at most 0,2 % of the weight, Longyearbyen's
    # 40 could move SSB's figure by at most (40 - 20) * 0.002 = 0.04
    out = _check(("andel", "EAK", 20.4), ("andel", "EAKUO", 22.6), weights=no_longyearbyen)
    assert out.loc[("andel", "EAK"), "verdict"] == Verdict.DIFFERS  # 0.4 off: Longyearbyen cannot explain it
    assert "høyst 0,04" in out.loc[("andel", "EAK"), "reason"]
    # EAKUO without Longyearbyen: 9000 / 400 = 22.5; 22.6 is 0.1 off, within rounding
    assert out.loc[("andel", "EAKUO"), "verdict"] == Verdict.ROUNDING


def test_a_download_of_some_regions_is_not_checkable_rather_than_wrong() -> None:
    municipalities = {2024: {"0301", "3201", "3203", "1508", "1580"}}
    out = check_aggregates(
        _published(("andel", "EKA32", 20.0), ("andel", "EKA03", 10.0)),
        VALUES,
        WEIGHTS,
        RULES,
        GROUPS,
        municipalities,
    ).set_index(["indicator_id", "aggregate"])
    # 3203 is in the file with ".." (SSB's missing), so Akershus is whole; Haram (1580) is not in
    # the file at all, which the country would need, but Oslo alone is whole too
    assert out.loc[("andel", "EKA32"), "verdict"] == Verdict.SAME
    assert out.loc[("andel", "EKA03"), "verdict"] == Verdict.SAME
    whole = check_aggregates(
        _published(("andel", "EAK", 20.4)), VALUES, WEIGHTS, RULES, GROUPS, municipalities
    )
    assert whole.loc[0, "verdict"] == Verdict.NOT_CHECKABLE and whole.loc[0, "lacking"] == "1580"


def test_a_verdict_never_rests_on_generated_weights() -> None:
    out = check_aggregates(
        _published(("andel", "EAK", 20.4)), VALUES, WEIGHTS, RULES, GROUPS, generated={("pop", 2024)}
    )
    assert out.loc[0, "verdict"] == Verdict.NOT_CHECKABLE and "generert (demodata)" in out.loc[0, "reason"]


# -- What a reader is told, word for word ----------------------------------------------------
# The reasons are user-facing text (``kostra data check``), so they are pinned in full.

LACKING_WEIGHT = (
    "kommuner med tall mangler befolkning (pop) for 2024 på årets grenser (kommuner som senere er "
    "slått sammen); les inn SSBs befolkningstall for året"
)


def test_reasons_an_aggregate_cannot_be_checked_word_for_word() -> None:
    published = pd.DataFrame(
        [
            ("ukjent", "EAK", 2024, 1.0),
            ("uveid", "EAK", 2024, 1.5),
            ("andel", "EAK", 2023, 20.0),  # SSB's municipal figures are for 2024 only
            ("andel", "EKA46", 2024, 25.0),  # no municipality of Vestland in the file
            ("andel", "EXY01", 2024, 1.0),
        ],
        columns=["indicator_id", "region_code", "year", "value"],
    )
    out = check_aggregates(published, VALUES, WEIGHTS, RULES, GROUPS).set_index(
        ["indicator_id", "year", "aggregate"]
    )
    reason = out["reason"]
    assert reason[("ukjent", 2024, "EAK")] == "indikatoren er ikke i katalogen"
    assert reason[("uveid", 2024, "EAK")] == (
        "ferdig beregnet forholdstall (*): kostra tar et uveid snitt av kommunene, SSB summerer teller og "
        "nevner som kostra ikke har"
    )
    assert reason[("andel", 2023, "EAK")] == "ingen kommunetall fra SSB dette året"
    assert reason[("andel", 2024, "EKA46")] == "ingen kommuner med tall"
    assert reason[("andel", 2024, "EXY01")] == "ukjent SSB-aggregat 'EXY01'"
    assert (out["verdict"] == Verdict.NOT_CHECKABLE).all()
    assert out["members"].isna().all() and out["lacking"].isna().all()


def test_kostra_groups_unknown_for_the_year_or_for_some_municipalities_says_which() -> None:
    no_year = _check(("andel", "EKG13", 17.5), groups={})
    assert no_year.loc[("andel", "EKG13"), "reason"] == "kostra kjenner ikke KOSTRA-gruppene dette året"
    # 0301 has a group, 1508 and 3201 (sorted) have none; Longyearbyen is in no group at all
    partial = _check(("andel", "EKG13", 17.5), groups={2024: {"0301": "EKG13"}})
    assert partial.loc[("andel", "EKG13"), "reason"] == (
        "kostra vet ikke hvilken KOSTRA-gruppe 2 kommuner hørte til dette året (f.eks. 1508)"
    )
    assert (
        aggregate_members("EKG01", ["0101", "0219"], None) == "kostra kjenner ikke KOSTRA-gruppene dette året"
    )


def test_why_the_groups_are_unknown_is_passed_on_whatever_municipalities_there_are() -> None:
    # A download of Berlevåg alone (number 2024) for 2024, the groups of 2024 unknown; the
    # reason kostra gives for that happens to contain "2024" and must still come through.
    why = "kostra kjenner ikke KOSTRA-gruppene for 2024; hent dem fra KLASS med 'kostra data fetch'"
    values = pd.DataFrame([("andel", "2024", 2024, 12.0)], columns=VALUES.columns)
    weights = pd.DataFrame([("pop", "2024", 2024, 800.0)], columns=WEIGHTS.columns)
    out = check_aggregates(_published(("andel", "EKG05", 12.0)), values, weights, RULES, {2024: why})
    assert out.loc[0, "reason"] == why and out.loc[0, "verdict"] == Verdict.NOT_CHECKABLE


def test_municipalities_lacking_a_population_are_all_named_and_counted() -> None:
    weights = WEIGHTS[~WEIGHTS["region_code"].isin(["0301", "3201"])]
    out = _check(("andel", "EAK", 20.4), weights=weights)
    row = out.loc[("andel", "EAK")]
    assert row["verdict"] == Verdict.NOT_CHECKABLE
    assert row["reason"] == LACKING_WEIGHT
    assert row["lacking"] == "0301 3201"
    assert row["members"] == 4  # 0301, 1508, 2111, 3201 have figures


def test_a_population_of_zero_is_no_population() -> None:
    weights = WEIGHTS.assign(value=[100.0, 0.0, 100.0, 10.0])  # 3201 has 0
    out = _check(("andel", "EAK", 20.4), weights=weights)
    assert out.loc[("andel", "EAK"), "lacking"] == "3201"
    assert out.loc[("andel", "EAK"), "reason"] == LACKING_WEIGHT


def test_a_download_of_some_regions_says_so_word_for_word() -> None:
    municipalities = {2024: {"0301", "3201", "3203", "1508", "1580"}}
    out = check_aggregates(_published(("andel", "EAK", 20.4)), VALUES, WEIGHTS, RULES, GROUPS, municipalities)
    assert out.loc[0, "reason"] == (
        "filen har ikke alle kommunene i aggregatet (en nedlasting av noen regioner); last ned tabellen "
        "med alle regioner"
    )
    assert out.loc[0, "members"] == 4  # the four with figures: 0301, 1508, 2111, 3201


def test_a_download_lacking_a_member_of_a_kostra_group_is_not_checkable() -> None:
    # 3205 belongs to EKG13 in 2024 but is not in the file: EKG13 cannot be whole; EKG11 (1508) is.
    municipalities = {2024: {"0301", "3201", "1508", "3205"}}
    groups = {2024: {**GROUPS[2024], "3205": "EKG13"}}
    out = check_aggregates(
        _published(("andel", "EKG13", 17.5), ("andel", "EKG11", 30.0)),
        VALUES,
        WEIGHTS,
        RULES,
        groups,
        municipalities,
    ).set_index("aggregate")
    assert out.loc["EKG13", "verdict"] == Verdict.NOT_CHECKABLE and out.loc["EKG13", "lacking"] == "3205"
    assert out.loc["EKG11", "verdict"] == Verdict.SAME


def test_a_municipality_without_figure_need_not_have_a_kostra_group() -> None:
    # 3203 is in the file with ".." and kostra does not know its group: the members with figures
    # are all known, so EKG13 = (10*100 + 20*300) / 400 = 17.5 is checked as usual.
    municipalities = {2024: {"0301", "3201", "3203", "1508"}}
    out = check_aggregates(
        _published(("andel", "EKG13", 17.5)), VALUES, WEIGHTS, RULES, GROUPS, municipalities
    )
    assert out.loc[0, "verdict"] == Verdict.SAME and out.loc[0, "kostra"] == pytest.approx(17.5)


def test_generated_weights_say_which_and_count_the_members() -> None:
    out = check_aggregates(
        _published(("andel", "EAK", 20.4)), VALUES, WEIGHTS, RULES, GROUPS, generated={("pop", 2024)}
    )
    assert out.loc[0, "reason"] == "vekten (pop) er generert (demodata) for 2024; les inn SSBs tall for den"
    assert out.loc[0, "members"] == 4


def test_aggregates_after_one_ssb_gave_no_number_for_are_still_checked() -> None:
    out = _check(("andel", "EAK", None), ("andel", "EKA32", 20.0))
    assert list(out.index) == [("andel", "EKA32")]


# -- A weighted figure without a weight, and Longyearbyen's weight ---------------------------


def test_a_weighted_figure_without_a_weight_is_the_plain_mean() -> None:
    # No weight ("" or missing in the rules): the plain mean of the municipalities with figures.
    #   EAK = (10 + 20 + 30 + 40) / 4 = 25;  EKG13 = (10 + 20) / 2 = 15
    rules = pd.DataFrame(
        {
            "indicator_id": ["tom", "nan", "ingen"],
            "average": ["weighted"] * 3,
            "weight": ["", float("nan"), None],
            "decimals": [1, 1, 1],
        }
    )
    figures = VALUES[VALUES["indicator_id"] == "andel"]
    values = pd.concat([figures.assign(indicator_id=i) for i in rules["indicator_id"]])
    published = pd.DataFrame(
        [(i, code, 2024, v) for i in rules["indicator_id"] for code, v in [("EAK", 25.0), ("EKG13", 15.0)]],
        columns=["indicator_id", "region_code", "year", "value"],
    )
    out = check_aggregates(published, values, WEIGHTS.iloc[0:0], rules, GROUPS)
    assert out["kostra"].tolist() == pytest.approx([25.0, 15.0] * 3)
    assert (out["verdict"] == Verdict.SAME).all()


def test_longyearbyen_with_a_population_of_zero_is_left_out_as_without_one() -> None:
    weights = WEIGHTS.assign(value=[100.0, 300.0, 100.0, 0.0])
    out = _check(("andel", "EAK", 20.0), weights=weights)
    # (1000 + 6000 + 3000) / 500 = 20.0 from the three others
    assert out.loc[("andel", "EAK"), "kostra"] == pytest.approx(20.0)
    assert out.loc[("andel", "EAK"), "members"] == 3
    assert out.loc[("andel", "EAK"), "reason"].startswith("uten Longyearbyen")


def test_longyearbyen_with_a_population_of_one_counts() -> None:
    weights = WEIGHTS.assign(value=[100.0, 300.0, 100.0, 1.0])
    out = _check(("andel", "EAK", 20.0), weights=weights)
    # (1000 + 6000 + 3000 + 40*1) / 501 = 10040 / 501 = 20.0399...
    assert out.loc[("andel", "EAK"), "kostra"] == pytest.approx(10040 / 501)
    assert out.loc[("andel", "EAK"), "members"] == 4
    assert out.loc[("andel", "EAK"), "verdict"] == Verdict.SAME
    assert out.loc[("andel", "EAK"), "reason"] == ""


def test_what_longyearbyens_figure_could_move_is_forgiven_and_said_in_full() -> None:
    # Longyearbyen at 520, no weight for it: kostra has (1000 + 6000 + 3000) / 500 = 20.0, and
    # Longyearbyen could move SSB's figure by at most (520 - 20) * 0.002 = 1.0. SSB's 20.5 is
    # 0.5 off, within one unit (0.1) plus 1.0, so rounding; 21.2 is 1.2 off, beyond 1.1.
    values = VALUES.assign(value=VALUES["value"].where(VALUES["region_code"] != "2111", 520.0))
    weights = WEIGHTS[WEIGHTS["region_code"] != "2111"]
    out = check_aggregates(_published(("andel", "EAK", 20.5)), values, weights, RULES, GROUPS)
    assert out.loc[0, "verdict"] == Verdict.ROUNDING
    assert out.loc[0, "reason"] == (
        "uten Longyearbyen, som mangler befolkningstall; avviket Longyearbyen kan forklare er høyst 1,00"
    )
    far = check_aggregates(_published(("andel", "EAK", 21.2)), values, weights, RULES, GROUPS)
    assert far.loc[0, "verdict"] == Verdict.DIFFERS


# -- The verdict's edges ------------------------------------------------------------------------


def _one(figure: float, ssb: float) -> pd.Series:
    """EKA32 from 3201 alone (a plain mean, so kostra's figure is ``figure`` exactly), 1 decimal."""
    rules = pd.DataFrame({"indicator_id": ["x"], "average": ["weighted"], "weight": [""], "decimals": [1]})
    values = pd.DataFrame([("x", "3201", 2024, figure)], columns=VALUES.columns)
    out = check_aggregates(_published(("x", "EKA32", ssb)), values, WEIGHTS.iloc[0:0], rules, {})
    return out.iloc[0]


def test_one_whole_unit_off_is_still_rounding() -> None:
    # 20.0 against 20.1: one unit of the last digit (as floats 0.10000000000000142), still rounding
    assert _one(20.0, 20.1)["verdict"] == Verdict.ROUNDING
    assert _one(20.0, 20.1)["difference"] == pytest.approx(-0.1)
    assert _one(20.0, 20.2)["verdict"] == Verdict.DIFFERS
    # the edge itself, one unit and the float allowance of 1e-9 of it: 0.1 * (1 + 1e-9) against 0
    assert _one(0.1 * (1 + 1e-9), 0.0)["verdict"] == Verdict.ROUNDING


def test_under_a_thousandth_of_the_last_digit_is_the_same_figure() -> None:
    # kostra 20.0 against 19.99990005: 0.00009995 off, under 0.1 / 1000 = 0.0001: float noise
    assert _one(20.0, 19.99990005)["verdict"] == Verdict.SAME
    # exactly 0.0001 off (0.0 against -0.0001, exact in floats) is no longer the same
    assert _one(0.0, -0.0001)["verdict"] == Verdict.ROUNDING


def test_the_difference_is_given_two_digits_beyond_ssbs() -> None:
    # 1 000 000 000 000,3 against 1 000 000 000 000,2: as floats the two are 2^-13 apart at best,
    # so their difference is 0.10009765625; SSB's 1 decimal + 2 gives 0.1
    assert _one(1_000_000_000_000.3, 1_000_000_000_000.2)["difference"] == 0.1
