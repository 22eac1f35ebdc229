"""Finding municipalities by name or number, across renumbering."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.regions import canonical_codes, canonicalize, resolve_region
from kostra.errors import RegionNotFound

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
