"""Method 8 of KOSTRA.md, the data-quality flags: each flag's Norwegian text word for word,
and each threshold on both sides (at the threshold, just below, just above)."""

from __future__ import annotations

import math

import pandas as pd

from kostra.analysis.mergers import Merger
from kostra.analysis.quality import (
    JUMP_PERCENT,
    JUMP_POINTS,
    Flag,
    flag_extremes,
    flag_jumps,
    flag_mergers,
    flag_revisions,
    flag_thin_groups,
    flag_unweighted_members,
)

NBSP = "\u00a0"


def _series(*rows: tuple[str, str, int, float, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["indicator_id", "series", "year", "change", "change_unit"])


def test_a_flag_has_only_kind_and_message_unless_told() -> None:
    assert Flag("jump", "x") == Flag("jump", "x", None, None, None)
    assert (JUMP_PERCENT, JUMP_POINTS) == (20.0, 5.0)


def test_a_jump_is_flagged_beyond_20_percent_or_5_points_but_not_at_it() -> None:
    series = _series(
        ("a", "Bærum", 2023, 20.0, "prosent"),  # at the limit: no flag
        ("b", "Bærum", 2023, 20.01, "prosent"),  # just above
        ("c", "Bærum", 2023, 19.99, "prosent"),  # just below
        ("d", "Bærum", 2023, -20.01, "prosent"),  # a fall counts as much as a rise
        ("e", "Bærum", 2023, 5.0, "prosentpoeng"),  # at the limit in points
        ("f", "Bærum", 2023, 5.01, "prosentpoeng"),
        ("g", "Bærum", 2023, -5.01, "prosentpoeng"),
        ("h", "Bærum", 2023, 4.99, "prosentpoeng"),
        ("i", "Bærum", 2023, 6.0, "prosent"),  # 6 % is no jump, although 6 points would be
        ("j", "Bærum", 2023, math.nan, "prosent"),  # no change known: nothing to say
        ("k", "ASSS", 2023, 99.0, "prosent"),  # another series: not checked
    )
    flags = flag_jumps(series, "Bærum", {"b": "Netto driftsutgifter"})
    assert [(f.indicator_id, f.kind, f.region_code, f.year) for f in flags] == [
        ("b", "jump", None, 2023),
        ("d", "jump", None, 2023),
        ("f", "jump", None, 2023),
        ("g", "jump", None, 2023),
    ]
    # 20.01 to one decimal: 20,0; the limit to none: 20; the year before 2023: 2022
    assert [f.message_nb for f in flags] == [
        "Netto driftsutgifter: Bærum har en økning på 20,0 prosent fra 2022 til 2023, "
        "mer enn 20 prosent; kontroller tallet.",
        "d: Bærum har en nedgang på 20,0 prosent fra 2022 til 2023, mer enn 20 prosent; kontroller tallet.",
        "f: Bærum har en økning på 5,0 prosentpoeng fra 2022 til 2023, mer enn 5 prosentpoeng; "
        "kontroller tallet.",
        "g: Bærum har en nedgang på 5,0 prosentpoeng fra 2022 til 2023, mer enn 5 prosentpoeng; "
        "kontroller tallet.",
    ]


def test_jump_limits_can_be_set_and_the_text_rounds_the_change() -> None:
    series = _series(
        ("a", "Asker", 2021, 1234.56, "prosent"),  # 1 234,6 with a thin space for thousands
        ("b", "Asker", 2020, 2.5, "prosentpoeng"),
        ("c", "Asker", 2020, 2.4, "prosentpoeng"),
        ("d", "Asker", 2020, 10.5, "prosent"),
        ("e", "Asker", 2020, 10.4, "prosent"),
    )
    flags = flag_jumps(series, "Asker", {}, percent=10.4, points=2.4)
    assert [f.message_nb for f in flags] == [
        f"a: Asker har en økning på 1{NBSP}234,6 prosent fra 2020 til 2021, mer enn 10 prosent; "
        "kontroller tallet.",
        "b: Asker har en økning på 2,5 prosentpoeng fra 2019 til 2020, mer enn 2 prosentpoeng; "
        "kontroller tallet.",
        "d: Asker har en økning på 10,5 prosent fra 2019 til 2020, mer enn 10 prosent; kontroller tallet.",
    ]
    assert flag_jumps(_series(), "Asker", {}) == []


def test_the_parts_are_listed_with_commas_and_og() -> None:
    def merger(parts: tuple[str, ...]) -> list[str]:
        flags = flag_mergers([Merger("X", 2020, parts, True)], {}, {}, _back(), _gaps())
        return [f.message_nb for f in flags]

    tail = " før 2020), så tallene før 2020 gjelder et annet område og kan ikke regnes om."
    head = "Brudd i tidsserien for X i 2020: kommunen ble til ved en deling ("
    assert merger(("A",)) == [head + "A" + tail]
    assert merger(("A", "B")) == [head + "A og B" + tail]
    assert merger(("A", "B", "C")) == [head + "A, B og C" + tail]


def _back(*rows: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["region_code", "year"])


def _gaps(*rows: tuple[str, str, int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["indicator_id", "region_code", "year"])


ASKER = Merger("3203", 2020, ("0220", "0627", "0628"), False)
TRONDHEIM = Merger("5001", 2020, ("5001", "5030"), False)
ALESUND = Merger("1508", 2024, ("1507",), True)
PARTS = {"0220": "Asker", "0627": "Røyken", "5001": "Trondheim", "5030": "Klæbu", "1507": "Ålesund"}


def test_each_merger_gets_its_own_flag_in_order() -> None:
    # no back values at all: every merger is a break; Hurum (0628) has no name: its number
    flags = flag_mergers(
        [ALESUND, ASKER, TRONDHEIM], {"3203": "Asker", "1508": "Ålesund"}, PARTS, _back(), _gaps()
    )
    assert flags == [
        Flag(
            "merger_break",
            "Brudd i tidsserien for Ålesund i 2024: kommunen ble til ved en deling (Ålesund før 2024), "
            "så tallene før 2024 gjelder et annet område og kan ikke regnes om.",
            None,
            "1508",
            2024,
        ),
        Flag(
            "merger_break",
            "Brudd i tidsserien for Asker i 2020: kommunen ble slått sammen med 3 andre numre; "
            "SSB lager ikke tilbakeregnede regnskapsserier.",
            None,
            "3203",
            2020,
        ),
        # 5001 is itself one of the parts: one other number (5030), and no name given: 5001
        Flag(
            "merger_break",
            "Brudd i tidsserien for 5001 i 2020: kommunen ble slått sammen med 1 annet nummer; "
            "SSB lager ikke tilbakeregnede regnskapsserier.",
            None,
            "5001",
            2020,
        ),
    ]


def test_only_back_values_of_that_municipality_before_the_merger_count() -> None:
    # a back value of another municipality, and one in the merger year itself: still a break
    back = _back(("3201", 2019), ("3203", 2020), ("3203", 2021))
    flags = flag_mergers([ASKER], {"3203": "Asker"}, PARTS, back, _gaps())
    assert [f.kind for f in flags] == ["merger_break"]
    # one the year before: a back-series, naming the parts (0628 by its number)
    flags = flag_mergers([ASKER], {"3203": "Asker"}, PARTS, _back(("3203", 2019)), _gaps())
    assert flags == [
        Flag(
            "back_series",
            "Asker: tall før 2020 er summen av Asker, Røyken og 0628 (sammenslått 2020); andeler og tall "
            "per innbygger er regnet om fra summen av tellere og nevnere. SSB lager ikke slike tall.",
            None,
            "3203",
            2020,
        )
    ]


def test_a_back_series_counts_the_figures_it_could_not_make() -> None:
    back = _back(("5001", 2019))
    base = (
        "Trondheim: tall før 2020 er summen av Trondheim og Klæbu (sammenslått 2020); andeler og tall per "
        "innbygger er regnet om fra summen av tellere og nevnere. SSB lager ikke slike tall."
    )
    gap_text = (
        " kunne ikke alle år før 2020 regnes om (tall mangler for en av kommunene, eller tallet kan ikke "
        "legges sammen); der er det brudd i serien."
    )
    names = {"5001": "Trondheim"}
    # gaps of another municipality, or in the merger year or after, do not count
    other = _gaps(("a", "3203", 2019), ("a", "5001", 2020), ("b", "5001", 2021))
    assert [f.message_nb for f in flag_mergers([TRONDHEIM], names, PARTS, back, other)] == [base]
    # one indicator missing in two years is one indicator
    one = _gaps(("a", "5001", 2018), ("a", "5001", 2019))
    assert [f.message_nb for f in flag_mergers([TRONDHEIM], names, PARTS, back, one)] == [
        base + " For 1 indikator" + gap_text
    ]
    two = _gaps(("a", "5001", 2018), ("a", "5001", 2019), ("b", "5001", 2019))
    flags = flag_mergers([TRONDHEIM], names, PARTS, back, two)
    assert [f.message_nb for f in flags] == [base + " For 2 indikatorer" + gap_text]
    assert [(f.kind, f.indicator_id, f.region_code, f.year) for f in flags] == [
        ("back_series", None, "5001", 2020)
    ]


def test_a_revision_names_both_figures_with_the_indicators_decimals() -> None:
    diff = pd.DataFrame(
        [
            ("a", "3201", 2022, 12.345, 12.5),  # two decimals in the catalog
            ("b", "3201", 2021, 1.25, 1.35),  # none given: one decimal
            ("a", "0301", 2022, 1.0, 2.0),  # another municipality
        ],
        columns=["indicator_id", "region_code", "year", "old_value", "new_value"],
    )
    flags = flag_revisions(diff, "3201", {"a": "Andel"}, {"a": 2})
    assert flags == [
        Flag(
            "revised",
            "Andel: tallet for 2022 er endret fra 12,35 til 12,50 mellom utgivelsene.",
            "a",
            "3201",
            2022,
        ),
        Flag(
            "revised", "b: tallet for 2021 er endret fra 1,3 til 1,4 mellom utgivelsene.", "b", "3201", 2021
        ),
    ]


def _profile(*rows: tuple[str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [(f"Indikator {i}", i, members, with_data) for i, members, with_data in rows],
        columns=["indicator", "indicator_id", "members", "members_with_data"],
    )


def test_a_group_is_thin_below_3_members_with_data_or_below_half() -> None:
    profile = _profile(
        ("a", 4, 3),  # 3 is not below 3, and 3 is not below 4 * 0.5 = 2: fine
        ("b", 4, 2),  # 2 < 3: thin
        ("c", 10, 5),  # 5 is not below 10 * 0.5 = 5: fine
        ("d", 10, 4),  # 4 < 5: thin
        ("e", 0, 0),  # no members at all: nothing to say
        ("f", 3, 3),
    )
    flags = flag_thin_groups(profile, "ASSS", 2024)
    assert flags == [
        Flag(
            "thin_group",
            "Indikator b: bare 2 av 4 kommuner i ASSS har tall for 2024; snittet er usikkert.",
            "b",
            None,
            2024,
        ),
        Flag(
            "thin_group",
            "Indikator d: bare 4 av 10 kommuner i ASSS har tall for 2024; snittet er usikkert.",
            "d",
            None,
            2024,
        ),
    ]
    # the limits can be set: 5 of 10 is thin below 60 %, 3 of 4 below 4 members
    assert [f.indicator_id for f in flag_thin_groups(profile, "ASSS", 2024, min_share=0.6)] == ["b", "c", "d"]
    assert [f.indicator_id for f in flag_thin_groups(profile, "ASSS", 2024, min_count=4)] == [
        "a",
        "b",
        "d",
        "f",
    ]


def test_members_without_a_weight_are_named() -> None:
    profile = _profile(("a", 12, 11), ("b", 12, 12), ("c", 12, 10)).assign(members_without_weight=[1, 0, 2])
    assert flag_unweighted_members(profile, "ASSS", 2019) == [
        Flag(
            "unweighted_member",
            "Indikator a: 1 av 11 kommuner i ASSS med tall for 2019 mangler befolkning å veie med (kommuner "
            "som senere er slått sammen) og er ikke med i snittet; les inn SSBs befolkningstall for året.",
            "a",
            None,
            2019,
        ),
        Flag(
            "unweighted_member",
            "Indikator c: 2 av 10 kommuner i ASSS med tall for 2019 mangler befolkning å veie med (kommuner "
            "som senere er slått sammen) og er ikke med i snittet; les inn SSBs befolkningstall for året.",
            "c",
            None,
            2019,
        ),
    ]
    # a profile without the column (no weighted average): nothing
    assert flag_unweighted_members(profile.drop(columns="members_without_weight"), "ASSS", 2019) == []


def test_the_subject_highest_or_lowest_among_two_or_more() -> None:
    profile = pd.DataFrame(
        [
            ("Andel A", "a", 1, "3201", "3201"),  # alone with data: no extreme
            ("Netto B", "b", 2, "3201", "0301"),  # two with data: highest
            ("netto C", "c", 5, "0301", "3201"),  # lowest
            ("Utgift D", "d", 5, "0301", "1103"),  # neither
            ("ÅRSVERK E", "e", 3, "3201", "3201"),  # all equal: both
        ],
        columns=["indicator", "indicator_id", "members_with_data", "highest_region", "lowest_region"],
    )
    flags = flag_extremes(profile, "3201", "Bærum", "i ASSS", 2024)
    assert flags == [
        Flag("highest", "Bærum er høyest i ASSS på netto B i 2024.", "b", "3201", 2024),
        Flag("lowest", "Bærum er lavest i ASSS på netto C i 2024.", "c", "3201", 2024),
        Flag("highest", "Bærum er høyest i ASSS på åRSVERK E i 2024.", "e", "3201", 2024),
        Flag("lowest", "Bærum er lavest i ASSS på åRSVERK E i 2024.", "e", "3201", 2024),
    ]


def test_a_small_rise_under_a_small_limit_is_an_increase() -> None:
    # 0,5 points over a limit of 0,4 is a rise, not a fall (the direction is the sign)
    flags = flag_jumps(_series(("a", "Asker", 2020, 0.5, "prosentpoeng")), "Asker", {}, points=0.4)
    assert [f.message_nb for f in flags] == [
        "a: Asker har en økning på 0,5 prosentpoeng fra 2019 til 2020, mer enn 0 prosentpoeng; "
        "kontroller tallet."
    ]
