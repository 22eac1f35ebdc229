"""Finding municipalities by name or number, across renumbering."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.regions import (
    canonical_codes,
    canonicalize,
    in_use,
    require_municipality,
    resolve_region,
)
from kostra.errors import ParameterError, RegionNotFound

SUCCESSION = pd.DataFrame(
    [
        ("0219", "3024", 2020, "renumbered"),
        ("3024", "3201", 2024, "renumbered"),
        ("0220", "3025", 2020, "merged"),
        ("3025", "3203", 2024, "renumbered"),
    ],
    columns=["old_code", "new_code", "year", "kind"],
)


def test_renumbering_chains_are_followed_but_mergers_are_not() -> None:
    mapping = canonical_codes(SUCCESSION)
    assert mapping["0219"] == "3201"
    assert mapping["3024"] == "3201"
    assert mapping["3025"] == "3203"
    assert "0220" not in mapping  # old Asker merged with Røyken and Hurum: another municipality


def test_canonicalize_keeps_unknown_codes() -> None:
    frame = pd.DataFrame({"region_code": ["0219", "3024", "3201", "0220", "EAK"]})
    out = canonicalize(frame, canonical_codes(SUCCESSION))
    assert list(out["region_code"]) == ["3201", "3201", "3201", "0220", "EAK"]


@pytest.mark.parametrize("query", ["Bærum", "baerum", "BÆRUM", "3201", "3024", "0219", " Bærum "])
def test_names_and_numbers_find_baerum(session, query: str) -> None:
    region = session.region(query)
    assert (region.code, region.name) == ("3201", "Bærum")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Trondheim", "5001"),
        ("Tråante", "5001"),
        ("tromso", "5501"),
        ("Tromsoe", "5501"),
        ("Oslo", "0301"),
        ("Herøy (Nordland)", "1818"),
        ("Akershus", "EKA32"),
    ],
)
def test_more_names(session, query: str, code: str) -> None:
    assert session.region(query).code == code


def test_ambiguous_name_lists_the_candidates(session) -> None:
    with pytest.raises(RegionNotFound, match=r"3114 Våler \(Østfold\), 3419 Våler \(Innlandet\)"):
        session.region("Våler")


def test_unknown_name_is_one_clear_line(session) -> None:
    with pytest.raises(RegionNotFound) as info:
        session.region("Atlantis")
    assert "\n" not in str(info.value) and "Atlantis" in str(info.value)


def test_merged_old_municipality_is_itself() -> None:
    regions = pd.DataFrame(
        [
            ("0220", "Asker", "municipality", None, 2019),
            ("3203", "Asker", "municipality", 2024, None),
            ("3025", "Asker", "municipality", 2020, 2023),
        ],
        columns=["code", "name", "kind", "valid_from", "valid_to"],
    )
    mapping = canonical_codes(SUCCESSION)
    assert resolve_region("0220", regions, mapping).code == "0220"
    assert resolve_region("Asker", regions, mapping).code == "3203"


def test_rows_in_use_include_both_end_years() -> None:
    regions = pd.DataFrame(
        [("0220", None, 2019), ("3025", 2020, 2023), ("3203", 2024, None)],
        columns=["code", "valid_from", "valid_to"],
    )
    # valid_from/valid_to are inclusive; an empty end is open.
    assert list(in_use(regions, 2019)) == [True, False, False]
    assert list(in_use(regions, 2020)) == [False, True, False]
    assert list(in_use(regions, 2023)) == [False, True, False]
    assert list(in_use(regions, 2024)) == [False, False, True]
    assert list(in_use(regions, 1990)) == [True, False, False]
    assert list(in_use(regions, 2099)) == [False, False, True]


REGIONS = pd.DataFrame(
    [
        ("3201", "Bærum", "municipality", 2024, None),
        ("0301", "Oslo - Oslove", "municipality", None, None),
        ("EKA03", "Oslo", "county", None, None),
        ("3114", "Våler (Østfold)", "municipality", 2024, None),
        ("3419", "Våler (Innlandet)", "municipality", 2024, None),
    ],
    columns=["code", "name", "kind", "valid_from", "valid_to"],
)


def _not_found(query: str) -> str:
    with pytest.raises(RegionNotFound) as info:
        resolve_region(query, REGIONS, {})
    return str(info.value)


def test_unknown_query_is_repeated_quoted_and_cut_after_60_characters() -> None:
    tail = "; bruk navn eller nummer (f.eks. 3201)"
    assert _not_found("Atlantis") == "fant ingen kommune eller fylke som heter 'Atlantis'" + tail
    sixty = "x" * 60  # up to 60 characters are shown whole
    assert _not_found(sixty) == f"fant ingen kommune eller fylke som heter '{sixty}'" + tail
    # 61 characters: the first 57 and "...", 60 in all
    assert _not_found("x" * 61) == "fant ingen kommune eller fylke som heter '" + "x" * 57 + "...'" + tail
    assert _not_found("  ") == "kommunenavnet er tomt; bruk navn eller nummer (f.eks. 3201)"


def test_ambiguous_and_county_messages_word_for_word() -> None:
    with pytest.raises(RegionNotFound) as info:
        resolve_region("Våler", REGIONS, {})
    assert (
        str(info.value) == "'Våler' er tvetydig: 3114 Våler (Østfold), 3419 Våler (Innlandet); bruk nummeret"
    )
    oslo = resolve_region("Oslo", REGIONS, {})  # the municipality before the county
    assert (oslo.code, oslo.short_name) == ("0301", "Oslo")
    county = resolve_region("EKA03", REGIONS, {})
    assert county.kind == "county"
    with pytest.raises(ParameterError) as refused:
        require_municipality(county, "rangeringen")
    assert str(refused.value) == "Oslo er et fylke; rangeringen gjelder kommuner, ikke fylker"
    assert require_municipality(oslo, "rangeringen") is oslo


def test_a_cycle_in_the_renumberings_stops_instead_of_looping() -> None:
    # A data error: 1111 -> 2222 -> 1111, and 3333 -> 4444 -> 5555 -> 4444.
    cycles = pd.DataFrame(
        [
            ("1111", "2222", 2020, "renumbered"),
            ("2222", "1111", 2024, "renumbered"),
            ("3333", "4444", 2020, "renumbered"),
            ("4444", "5555", 2022, "renumbered"),
            ("5555", "4444", 2024, "renumbered"),
        ],
        columns=["old_code", "new_code", "year", "kind"],
    )
    mapping = canonical_codes(cycles)
    # Each walk stops where it meets a number it has seen: back at the start, or at 4444.
    assert mapping == {"1111": "1111", "2222": "2222", "3333": "4444", "4444": "4444", "5555": "5555"}


def test_a_figure_under_two_numbers_keeps_value_then_real_then_newest() -> None:
    frame = pd.DataFrame(
        [
            ("x", "0219", 2024, 1, "real", 5.0),
            ("x", "3201", 2024, 3, "demodata", 6.0),  # loses: demodata, although newer
            ("x", "3201", 2024, 2, "real", None),  # loses: SSB's "." for the new number
            ("x", "3024", 2023, 1, "real", 7.0),  # loses: an older release
            ("x", "3201", 2023, 2, "real", 8.0),
            ("x", "3201", 2022, 4, "demodata", 2.0),  # loses: both demodata, the older
            ("x", "0219", 2022, 5, "demodata", 1.0),
            ("x", "EAK", 2024, 1, "real", 9.0),  # no other number: kept as it is
        ],
        columns=["indicator_id", "region_code", "year", "release_id", "release_kind", "value"],
    )
    out = canonicalize(frame, canonical_codes(SUCCESSION))
    assert out.index.tolist() == [0, 4, 6, 7]  # the winners, in their original order
    assert out["region_code"].tolist() == ["3201", "3201", "3201", "EAK"]
    assert out["value"].tolist() == [5.0, 8.0, 1.0, 9.0]
    assert list(out.columns) == list(frame.columns)


def test_ambiguous_old_and_new_names_list_only_todays_or_else_all() -> None:
    regions = pd.concat(
        [REGIONS, pd.DataFrame([("0137", "Våler", "municipality", None, 2019)], columns=REGIONS.columns)]
    )
    with pytest.raises(RegionNotFound) as info:
        resolve_region("Våler", regions, {})
    # 0137 (ended 2019) is not offered while municipalities of that name exist today
    assert (
        str(info.value) == "'Våler' er tvetydig: 3114 Våler (Østfold), 3419 Våler (Innlandet); bruk nummeret"
    )
    old = pd.DataFrame(
        [("0137", "Våler", "municipality", None, 2019), ("0426", "Våler", "municipality", None, 2019)],
        columns=REGIONS.columns,
    )
    with pytest.raises(RegionNotFound) as none_today:
        resolve_region("Våler", old, {})
    assert str(none_today.value) == "'Våler' er tvetydig: 0137 Våler, 0426 Våler; bruk nummeret"
