"""The generated bokmål commentary: wording rules, and the facts of the published report."""

from __future__ import annotations

import pytest

from kostra.analysis.commentary import (
    GroupWords,
    change_phrase,
    describe_difference,
    efficiency_sentence,
    group_words,
    indicator_sentences,
    need_adjusted_sentence,
    position_sentence,
    resource_use_sentence,
)
from kostra.formatting import NBSP

NAN = float("nan")
ASSS = GroupWords("ASSS-snittet", "i ASSS-nettverket")
LANDET = GroupWords("landsgjennomsnittet", "i landet")


@pytest.mark.parametrize(
    ("percent", "text"),
    [
        (-6.43, "drøyt 6 prosent under"),
        (14.13, "14 prosent over"),
        (-6.56, "nesten 7 prosent under"),
        (34.69, "nesten 35 prosent over"),
        (0.3, "på nivå med"),
        (-0.49, "på nivå med"),
    ],
)
def test_describe_difference(percent: float, text: str) -> None:
    assert describe_difference(percent) == text


def test_groups_are_named_as_reports_name_them() -> None:
    assert group_words("asss", "ASSS").average == "ASSS-snittet"
    assert group_words("asss", "ASSS").within == "i ASSS-nettverket"
    assert group_words("landet", "Landet").average == "landsgjennomsnittet"
    assert group_words("kostragruppe-12", "KOSTRA-gruppe 12").average == "snittet for KOSTRA-gruppe 12"


def test_position_uses_the_figures_as_shown() -> None:
    words = group_words("asss", "ASSS")
    # 2,1 against an unrounded average of 1,7049: the table shows 2,1 and 1,7 -> 24 prosent
    assert (
        position_sentence("Bærum", 2.1, 1.7049, 1, words)
        == "Bærum ligger nesten 24 prosent over ASSS-snittet."
    )
    assert position_sentence("Bærum", float("nan"), 1.7, 1, words) is None


def test_change_in_points_for_shares_and_percent_for_amounts() -> None:
    assert change_phrase(93.0, 92.8, "prosent", 1, 2023) == "en økning på 0,2 prosentpoeng fra 2023"
    assert change_phrase(1552889, 1510094, "kroner", 0, 2023) == "en økning på 2,8 prosent fra 2023"
    assert change_phrase(0.37, 0.37, "prosent", 2, 2023) == "uendret fra 2023"
    assert change_phrase(1.0, float("nan"), "kroner", 0, 2023) is None


# --- Pure wording rules, pinned word for word -------------------------------------------------


@pytest.mark.parametrize(
    ("group_id", "group_name", "expected"),
    [
        ("asss", "ASSS", ASSS),
        ("asss10", "ASSS (ti kommuner)", ASSS),
        ("landet", "Landet", LANDET),
        # every other group is named by its name, also the national one without Oslo
        (
            "landet-uten-oslo",
            "Landet uten Oslo",
            GroupWords("snittet for Landet uten Oslo", "i Landet uten Oslo"),
        ),
        ("asss-uten-oslo", "ASSS uten Oslo", GroupWords("snittet for ASSS uten Oslo", "i ASSS uten Oslo")),
        (
            "kostragruppe-12",
            "KOSTRA-gruppe 12",
            GroupWords("snittet for KOSTRA-gruppe 12", "i KOSTRA-gruppe 12"),
        ),
    ],
)
def test_group_words_for_every_kind_of_group(group_id: str, group_name: str, expected: GroupWords) -> None:
    assert group_words(group_id, group_name) == expected


@pytest.mark.parametrize(
    ("percent", "text"),
    [
        (0.0, "på nivå med"),
        (0.49, "på nivå med"),  # rounds to 0 whole percent
        (0.5, "nesten 1 prosent over"),  # half up to 1; gap 0,5 - 1 = -0,5 <= -0,25
        (-0.5, "nesten 1 prosent under"),
        (1.0, "1 prosent over"),  # gap 0
        (-1.0, "1 prosent under"),
        (2.5, "nesten 3 prosent over"),  # half up (3), not half even (2, "drøyt 2")
        (6.75, "nesten 7 prosent over"),  # gap 6,75 - 7 = -0,25 exactly: still "nesten"
        (6.76, "7 prosent over"),  # gap -0,24
        (6.25, "drøyt 6 prosent over"),  # gap 6,25 - 6 = +0,25 exactly: already "drøyt"
        (-6.25, "drøyt 6 prosent under"),
        (6.24, "6 prosent over"),  # gap +0,24
        (-100.0, "100 prosent under"),
    ],
)
def test_describe_difference_at_each_boundary(percent: float, text: str) -> None:
    assert describe_difference(percent) == text


@pytest.mark.parametrize(
    ("value", "average", "decimals", "words", "expected"),
    [
        # 94 / 100 - 1 = -6 %
        (94.0, 100.0, 0, ASSS, "Bærum ligger 6 prosent under ASSS-snittet."),
        # 115 / 100 - 1 = +15 %
        (115.0, 100.0, 0, LANDET, "Bærum ligger 15 prosent over landsgjennomsnittet."),
        (100.0, 100.0, 0, LANDET, "Bærum ligger på nivå med landsgjennomsnittet."),
        # shown as 100 and 100 -> equal, although 100,4 / 99,6 - 1 = +0,8 %
        (100.4, 99.6, 0, ASSS, "Bærum ligger på nivå med ASSS-snittet."),
        # shown with one decimal: 100,4 / 99,6 - 1 = +0,80 % -> 1 (gap 0,80 - 1 = -0,20: no qualifier)
        (100.4, 99.6, 1, ASSS, "Bærum ligger 1 prosent over ASSS-snittet."),
        # 0 / 50 - 1 = -100 %
        (0.0, 50.0, 0, ASSS, "Bærum ligger 100 prosent under ASSS-snittet."),
        (
            110.0,
            88.0,
            0,
            GroupWords("snittet for KOSTRA-gruppe 12", "i KOSTRA-gruppe 12"),
            # 110 / 88 = 1,25 -> +25 %
            "Bærum ligger 25 prosent over snittet for KOSTRA-gruppe 12.",
        ),
    ],
)
def test_position_sentence(
    value: float, average: float, decimals: int, words: GroupWords, expected: str
) -> None:
    assert position_sentence("Bærum", value, average, decimals, words) == expected


@pytest.mark.parametrize(
    ("value", "average"),
    [(NAN, 1.7), (2.1, NAN), (2.1, 0.0), (2.1, 0.04)],  # 0,04 is shown as 0,0 with one decimal
)
def test_no_position_without_a_usable_average(value: float, average: float) -> None:
    assert position_sentence("Bærum", value, average, 1, ASSS) is None


@pytest.mark.parametrize(
    ("value", "previous", "unit", "decimals", "expected"),
    [
        # shares in points: 92,8 - 93,0 = -0,2
        (92.8, 93.0, "prosent", 1, "en nedgang på 0,2 prosentpoeng fra 2021"),
        # points between the shown figures: 93,1 - 93,0 = 0,1
        (93.06, 92.96, "prosent", 1, "en økning på 0,1 prosentpoeng fra 2021"),
        # both shown as 93,0: unchanged, although 93,04 - 92,96 = 0,08 would show as 0,1
        (93.04, 92.96, "prosent", 1, "uendret fra 2021"),
        # a share from nothing is a change in points, not a division by zero: 5,0 - 0,0
        (5.0, 0.0, "prosent", 1, "en økning på 5,0 prosentpoeng fra 2021"),
        (12.0, 12.0, "prosent", 1, "uendret fra 2021"),
        # amounts in percent: 95 / 100 - 1 = -5,0 %
        (95.0, 100.0, "kroner", 0, "en nedgang på 5,0 prosent fra 2021"),
        # 110 / 100 - 1 = +10,0 %
        (110.0, 100.0, "timer", 0, "en økning på 10,0 prosent fra 2021"),
        # 100 060 / 100 000 - 1 = +0,06 % -> 0,1
        (100060.0, 100000.0, "kroner", 0, "en økning på 0,1 prosent fra 2021"),
        # 100 040 / 100 000 - 1 = +0,04 % -> shown 0,0 -> unchanged
        (100040.0, 100000.0, "kroner", 0, "uendret fra 2021"),
        # both shown as 1 000: unchanged, although 1000,4 / 999,6 - 1 = +0,08 %
        (1000.4, 999.6, "kroner", 0, "uendret fra 2021"),
        # with one decimal: 1000,4 / 999,6 - 1 = +0,080 % -> 0,1
        (1000.4, 999.6, "kroner", 1, "en økning på 0,1 prosent fra 2021"),
    ],
)
def test_change_phrase(value: float, previous: float, unit: str, decimals: int, expected: str) -> None:
    assert change_phrase(value, previous, unit, decimals, 2021) == expected


@pytest.mark.parametrize(
    ("value", "previous", "unit"),
    [(NAN, 1.0, "kroner"), (1.0, NAN, "prosent"), (NAN, 1.0, "prosent"), (5.0, 0.0, "kroner")],
)
def test_no_change_phrase_without_a_usable_previous_year(value: float, previous: float, unit: str) -> None:
    assert change_phrase(value, previous, unit, 1, 2021) is None


def _row(unit: str, decimals: int, value: object, **more: object) -> dict[str, object]:
    return {"indicator_id": "x", "unit": unit, "decimals": decimals, "2024": value, **more}


@pytest.mark.parametrize(
    ("unit", "decimals", "value", "first"),
    [
        ("kroner", 0, 1552889.4, f"Bærum hadde 1{NBSP}552{NBSP}889 kroner i 2024."),
        ("prosent", 1, 93.04, "Bærum hadde 93,0 prosent i 2024."),
        ("timer", 2, 3.255, "Bærum hadde 3,26 timer i 2024."),  # half up
        ("indeks", 3, 1.0755, "Bærum hadde 1,076 i 2024."),
        ("antall", 1, 2.7, "Bærum hadde 2,7 i 2024."),
        ("skår", 1, 4.25, "Bærum hadde 4,3 i 2024."),
        ("kvm", 0, 12, "Bærum hadde 12 kvm i 2024."),  # other units follow the number as they are
    ],
)
def test_value_sentence_and_unit_words(unit: str, decimals: int, value: float, first: str) -> None:
    # no previous year, no average, no rank: the value sentence alone
    assert indicator_sentences(_row(unit, decimals, value), "Bærum", 2024, ASSS) == [first]


def test_indicator_sentences_in_full() -> None:
    row = _row("kroner", 0, 110.0, **{"2023": 100, "group_average": 88.0, "rank": 1, "ranked": 10})
    peers = [("Asker", NAN), ("Oslo", 121.0), ("Bergen", 99.0)]
    assert indicator_sentences(row, "Bærum", 2024, ASSS, peers, ["NB: Tallet er foreløpig."]) == [
        # 110 / 100 - 1 = +10,0 %
        "Bærum hadde 110 kroner i 2024, en økning på 10,0 prosent fra 2023.",
        # 110 / 88 - 1 = +25 %
        "Bærum ligger 25 prosent over ASSS-snittet.",
        "Det er høyest i ASSS-nettverket.",
        # Asker has no figure and is left out; 121 / 110 - 1 = +10 %, 99 / 110 - 1 = -10 %
        "Oslo har 121 kroner, 10 prosent over Bærum.",
        "Bergen har 99 kroner, 10 prosent under Bærum.",
        "NB: Tallet er foreløpig.",
    ]


def test_indicator_sentences_for_a_share_against_the_country() -> None:
    row = _row("prosent", 1, 92.8, **{"2023": 93.0, "group_average": 92.8, "rank": 4, "ranked": 7})
    assert indicator_sentences(row, "Asker", 2024, LANDET, [("Oslo", 92.84)]) == [
        "Asker hadde 92,8 prosent i 2024, en nedgang på 0,2 prosentpoeng fra 2023.",
        "Asker ligger på nivå med landsgjennomsnittet.",
        "Det er nummer 4 av 7 i landet, regnet fra høyeste verdi.",
        # Oslo's 92,84 is shown as 92,8 like Asker's
        "Oslo har 92,8 prosent, på nivå med Asker.",
    ]


@pytest.mark.parametrize(
    ("rank", "ranked", "expected"),
    [
        (1, 2, None),  # fewer than three ranked: no rank sentence
        (2, 2, None),
        (1, 3, "Det er høyest i ASSS-nettverket."),
        (2, 3, "Det er nest høyest i ASSS-nettverket."),  # second from both ends: "nest høyest" wins
        (3, 3, "Det er lavest i ASSS-nettverket."),
        (3, 4, "Det er nest lavest i ASSS-nettverket."),
        (2, 5, "Det er nest høyest i ASSS-nettverket."),
        (3, 5, "Det er nummer 3 av 5 i ASSS-nettverket, regnet fra høyeste verdi."),
        (4, 5, "Det er nest lavest i ASSS-nettverket."),
        (5, 5, "Det er lavest i ASSS-nettverket."),
        (NAN, 5, None),  # not ranked
    ],
)
def test_rank_sentences(rank: float, ranked: int, expected: str | None) -> None:
    row = _row("antall", 0, 5.0, rank=rank, ranked=ranked)
    expected_list = ["Bærum hadde 5 i 2024."] + ([expected] if expected else [])
    assert indicator_sentences(row, "Bærum", 2024, ASSS) == expected_list


def test_a_missing_value_is_said_so_and_keeps_the_flags() -> None:
    flags = ["NB: Tallet mangler hos SSB.", "NB: Annen merknad."]
    for value in (NAN, None, ".."):
        row = _row("kroner", 0, value, **{"2023": 100.0, "group_average": 90.0, "rank": 1, "ranked": 10})
        assert indicator_sentences(row, "Bærum", 2024, ASSS, [("Oslo", 80.0)], flags) == [
            "Bærum har ikke tall for 2024.",
            *flags,
        ]
    assert indicator_sentences({"unit": "kroner", "decimals": 0}, "Bærum", 2024, ASSS) == [
        "Bærum har ikke tall for 2024."
    ]


def test_a_zero_value_gets_no_peer_comparison() -> None:
    row = _row("kroner", 0, 0.0, **{"2023": 0.0})
    # neither a change nor a peer's difference can be computed against 0
    assert indicator_sentences(row, "Bærum", 2024, ASSS, [("Oslo", 5.0)]) == ["Bærum hadde 0 kroner i 2024."]


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        # (1,076 - 1) * 100 = 7,6
        (
            1.076,
            "bruker Bærum 7,6 prosent mer ressurser på pleie og omsorg enn ASSS-snittet "
            "(ressursbruksindikator 1,076).",
        ),
        # (0,924 - 1) * 100 = -7,6
        (
            0.924,
            "bruker Bærum 7,6 prosent mindre ressurser på pleie og omsorg enn ASSS-snittet "
            "(ressursbruksindikator 0,924).",
        ),
        # shown as 1,076 (half up) before the percent: 7,6, not (1,0755 - 1) * 100 = 7,55 -> 7,5
        (
            1.0755,
            "bruker Bærum 7,6 prosent mer ressurser på pleie og omsorg enn ASSS-snittet "
            "(ressursbruksindikator 1,076).",
        ),
        # the smallest differences the text can show: 1,001 and 0,999 -> 0,1 %
        (
            1.001,
            "bruker Bærum 0,1 prosent mer ressurser på pleie og omsorg enn ASSS-snittet "
            "(ressursbruksindikator 1,001).",
        ),
        (
            0.999,
            "bruker Bærum 0,1 prosent mindre ressurser på pleie og omsorg enn ASSS-snittet "
            "(ressursbruksindikator 0,999).",
        ),
        # shown as 1,000: the same
        (
            1.0004,
            "bruker Bærum like mye ressurser på pleie og omsorg som ASSS-snittet "
            "(ressursbruksindikator 1,000).",
        ),
        (
            0.9996,
            "bruker Bærum like mye ressurser på pleie og omsorg som ASSS-snittet "
            "(ressursbruksindikator 1,000).",
        ),
    ],
)
def test_resource_use_sentence(indicator: float, expected: str) -> None:
    assert (
        resource_use_sentence("Bærum", "pleie og omsorg", indicator, ASSS)
        == "Korrigert for utgiftsbehov " + expected
    )


def test_no_resource_use_sentence_without_an_indicator() -> None:
    assert resource_use_sentence("Bærum", "pleie og omsorg", NAN, ASSS) is None


@pytest.mark.parametrize(
    ("figures", "prices", "expected"),
    [
        (
            {"difference_per_inhabitant": 1234.4, "mer_mindreutgift": 150_000_000.0, "indicator": 1.076},
            "løpende kroner",
            # 150 000 000 / 1 000 000 = 150,0 mill.
            f"bruker Bærum 1{NBSP}234 kroner mer per innbygger enn ASSS-snittet i 2024, "
            "til sammen 150,0 mill. kroner (løpende kroner).",
        ),
        (
            {"difference_per_inhabitant": -1234.5, "mer_mindreutgift": -2_450_000.0, "indicator": 0.95},
            "faste 2022-kroner",
            # 1 234,5 half up -> 1 235; 2 450 000 / 1 000 000 = 2,45 -> half up 2,5 mill.
            f"bruker Bærum 1{NBSP}235 kroner mindre per innbygger enn ASSS-snittet i 2024, "
            "til sammen 2,5 mill. kroner (faste 2022-kroner).",
        ),
        (
            # exactly one million is counted in millions
            {"difference_per_inhabitant": 40.0, "mer_mindreutgift": 1_000_000.0, "indicator": 1.004},
            "løpende kroner",
            "bruker Bærum 40 kroner mer per innbygger enn ASSS-snittet i 2024, "
            "til sammen 1,0 mill. kroner (løpende kroner).",
        ),
        (
            {"difference_per_inhabitant": -40.0, "mer_mindreutgift": -1_000_000.0, "indicator": 0.996},
            "løpende kroner",
            "bruker Bærum 40 kroner mindre per innbygger enn ASSS-snittet i 2024, "
            "til sammen 1,0 mill. kroner (løpende kroner).",
        ),
        (
            # just below a million: in kroner
            {"difference_per_inhabitant": 25.0, "mer_mindreutgift": 999_999.0, "indicator": 1.0006},
            "løpende kroner",
            f"bruker Bærum 25 kroner mer per innbygger enn ASSS-snittet i 2024, "
            f"til sammen 999{NBSP}999 kroner (løpende kroner).",
        ),
        (
            {"difference_per_inhabitant": -25.0, "mer_mindreutgift": -999_999.0, "indicator": 0.9994},
            "løpende kroner",
            f"bruker Bærum 25 kroner mindre per innbygger enn ASSS-snittet i 2024, "
            f"til sammen 999{NBSP}999 kroner (løpende kroner).",
        ),
        (
            # the indicator shown as 1,000 decides "the same", whatever the kroner
            {"difference_per_inhabitant": 3.2, "mer_mindreutgift": 1_000_000.0, "indicator": 1.0004},
            "løpende kroner",
            "bruker Bærum det samme per innbygger som ASSS-snittet i 2024.",
        ),
        (
            {"difference_per_inhabitant": -3.2, "mer_mindreutgift": -1_000_000.0, "indicator": 0.9995},
            "løpende kroner",
            "bruker Bærum det samme per innbygger som ASSS-snittet i 2024.",
        ),
        # without an indicator the kroner decide: under half a krone is the same
        (
            {"difference_per_inhabitant": 0.49, "mer_mindreutgift": 4900.0},
            "løpende kroner",
            "bruker Bærum det samme per innbygger som ASSS-snittet i 2024.",
        ),
        (
            {"difference_per_inhabitant": -0.49, "mer_mindreutgift": -4900.0, "indicator": NAN},
            "løpende kroner",
            "bruker Bærum det samme per innbygger som ASSS-snittet i 2024.",
        ),
        (
            # 0,5 half up -> 1 krone
            {"difference_per_inhabitant": 0.5, "mer_mindreutgift": 5000.0},
            "løpende kroner",
            f"bruker Bærum 1 kroner mer per innbygger enn ASSS-snittet i 2024, "
            f"til sammen 5{NBSP}000 kroner (løpende kroner).",
        ),
        (
            {"difference_per_inhabitant": -0.5, "mer_mindreutgift": -5000.0},
            "løpende kroner",
            f"bruker Bærum 1 kroner mindre per innbygger enn ASSS-snittet i 2024, "
            f"til sammen 5{NBSP}000 kroner (løpende kroner).",
        ),
    ],
)
def test_need_adjusted_sentence(figures: dict[str, float], prices: str, expected: str) -> None:
    assert (
        need_adjusted_sentence("Bærum", 2024, figures, ASSS, prices) == "Justert for utgiftsbehov " + expected
    )


@pytest.mark.parametrize(
    "figures",
    [
        {"mer_mindreutgift": 1_000_000.0, "indicator": 1.1},
        {"difference_per_inhabitant": 40.0, "indicator": 1.1},
        {"difference_per_inhabitant": NAN, "mer_mindreutgift": 1_000_000.0, "indicator": 1.1},
        {"difference_per_inhabitant": 40.0, "mer_mindreutgift": NAN, "indicator": 1.1},
    ],
)
def test_no_need_adjusted_sentence_without_both_figures(figures: dict[str, float]) -> None:
    assert need_adjusted_sentence("Bærum", 2024, figures, ASSS, "løpende kroner") is None


def test_efficiency_sentence() -> None:
    figures = {"production_index": 1.0449, "cost_index": 0.955, "efficiency": 1.1, "gross_relative": 0.9}
    # two decimals, half up: 1,0449 -> 1,04; 0,955 -> 0,96; 1,1 -> 1,10
    assert efficiency_sentence(figures, 2024, "ASSS") == (
        "I 2024 er produksjonsindeksen 1,04, kostnadsindeksen 0,96 og effektivitetsindeksen 1,10 "
        "(ASSS = 1; kostras beregning etter KS' metode)."
    )


@pytest.mark.parametrize("missing", ["production_index", "cost_index", "efficiency"])
def test_no_efficiency_sentence_when_an_index_is_missing(missing: str) -> None:
    figures = {"production_index": 1.0, "cost_index": 1.0, "efficiency": 1.0, missing: NAN}
    assert efficiency_sentence(figures, 2024, "ASSS") is None
    del figures[missing]
    assert efficiency_sentence(figures, 2024, "ASSS") is None


def test_baerum_2024_commentary_states_the_published_facts(session) -> None:
    analysis = session.analyse("Bærum", "pleie-og-omsorg", 2024)
    text = {k: " ".join(v) for k, v in analysis.comments.items()}
    assert "6 prosent under ASSS-snittet" in text["plo_inst_brutto_per_plass"]
    assert "14 prosent over ASSS-snittet" in text["plo_hjemmetj_netto_per_innb_0_66"]
    assert "7 prosent under ASSS-snittet" in text["plo_hjemmetj_netto_per_mottaker_0_66"]
    assert "24 prosent over ASSS-snittet" in text["plo_hjemmetj_andel_0_66"]
    assert "nesten 35 prosent over ASSS-snittet" in text["ttu_utgifter_per_utviklingshemmet"]
    assert "Det er høyest i ASSS-nettverket." in text["ttu_utgifter_per_utviklingshemmet"]
    assert "Asker har" in text["plo_inst_brutto_per_plass"]
    # KS' published resource use indicator, 1,076, is what the summary reports
    assert any("7,6 prosent mer ressurser på pleie og omsorg" in s for s in analysis.summary)
    assert analysis.demodata and analysis.summary[-1].startswith("NB:")


def test_a_municipality_outside_the_group_is_still_described(session) -> None:
    analysis = session.analyse("Lier", "barnehage", 2024, peers=())
    assert analysis.municipality.code not in session.members("asss", 2024)
    first = next(iter(analysis.comments.values()))
    assert first[0].startswith("Lier hadde")
    assert any("ASSS-snittet" in s for s in first)
    assert analysis.resource_use is not None
    row = analysis.resource_use.set_index("region_code").loc[analysis.municipality.code]
    assert not row["member"] and row["indicator"] > 0


def test_series_span_and_base_year(session) -> None:
    analysis = session.analyse(
        "Bærum", "barnehage", 2024, fixed_prices=True, base_year=2022, first_year=2021, peers=("Oslo",)
    )
    assert analysis.years == [2021, 2022, 2023, 2024] and analysis.base_year == 2022
    assert set(analysis.series["series"]) == {"Bærum", "Oslo", "ASSS"}
    kroner = analysis.series[analysis.series["indicator_id"] == "bhg_netto_per_innb_1_5"]
    raw = session.observations(["bhg_netto_per_innb_1_5"], [2024]).set_index("region_code")
    own_2024 = kroner[(kroner["series"] == "Bærum") & (kroner["year"] == 2024)]["value"].iloc[0]
    assert own_2024 == pytest.approx(raw.loc["3201", "value"] / (1.043 * 1.043))
    assert any("faste 2022-kroner" in s for s in analysis.summary)


def test_a_share_with_two_decimals_changes_in_hundredths_of_a_point() -> None:
    # 0,37 - 0,33 = 0,04 prosentpoeng: shown with the share's own two decimals, not as "0,0"
    assert change_phrase(0.37, 0.33, "prosent", 2, 2023) == "en økning på 0,04 prosentpoeng fra 2023"
    assert change_phrase(0.33, 0.37, "prosent", 2, 2023) == "en nedgang på 0,04 prosentpoeng fra 2023"
    assert change_phrase(0.331, 0.334, "prosent", 2, 2023) == "uendret fra 2023"  # both show 0,33
    # a share with one decimal keeps one: 10,0 -> 10,5 is 0,5
    assert change_phrase(10.5, 10.0, "prosent", 1, 2023) == "en økning på 0,5 prosentpoeng fra 2023"
