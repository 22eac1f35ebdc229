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
