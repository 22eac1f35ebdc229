"""Where the rows of a full SSB answer go: municipalities of any year, Longyearbyen,
SSB's aggregates, or a list of what kostra cannot place."""

from __future__ import annotations

import pandas as pd

from kostra.placing import place_regions

ROWS = [
    # (region as written, code the reader found or None)
    ("0219 Bærum (-2019)", "0219"),
    ("3201 Bærum", "3201"),
    ("2111 Longyearbyen", "2111"),
    ("EAK Landet", "EAK"),
    ("EAKUO Landet uten Oslo", "EAKUO"),
    ("EKA01 Østfold (-2019)", "EKA01"),
    ("EKA32 Akershus", "EKA32"),
    ("EKG13 KOSTRA-gruppe 13", "EKG13"),
    ("9876 Atlantis", "9876"),
    ("EKG18 KOSTRA-gruppe 18", "EKG18"),
    ("Landet", None),
    ("KOSTRA-gruppe 7", None),
    ("Akershus", None),
    ("Asker", None),
    ("Longyearbyen", None),
    ("Atlantis", None),
]


def _tidy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": range(1, len(ROWS) + 1),
            "region": [r for r, _ in ROWS],
            "region_code": [c for _, c in ROWS],
            "indicator_id": "bhg_andel_1_5",
            "year": 2019,
            "value": 1.0,
            "status": None,
        }
    )


def test_every_kind_of_region_of_a_full_answer_is_placed(session) -> None:
    placed = place_regions(_tidy(), session.regions)
    # by name, the region of the row's year: Asker 2019 is 0220 (not today's 3203), Akershus EKA02
    assert list(placed.observations["region_code"]) == ["0219", "3201", "2111", "0220", "2111"]
    assert list(placed.aggregates["region_code"]) == [
        "EAK",
        "EAKUO",
        "EKA01",
        "EKA32",
        "EKG13",
        "EAK",
        "EKG07",
        "EKA02",
    ]
    assert placed.placed == 13
    lost = placed.unplaced.set_index("region")
    assert list(lost.index) == ["9876 Atlantis", "EKG18 KOSTRA-gruppe 18", "Atlantis"]  # no EKG18 exists
    assert "ukjent regionkode '9876'" in lost.loc["9876 Atlantis", "reason"]
    assert "fant ingen kommune eller fylke som heter 'Atlantis'" in lost.loc["Atlantis", "reason"]
    assert lost.loc["Atlantis", "reason"].endswith("i 2019")


def test_longyearbyen_is_a_region_of_its_own_in_no_county_or_group(session) -> None:
    longyearbyen = session.regions.set_index("code").loc["2111"]
    assert longyearbyen["kind"] == "territory" and pd.isna(longyearbyen["county"])
    assert "2111" not in session.municipalities_in(2024)
    for group in ("landet", "kostragruppe-13", "eka55"):
        assert "2111" not in session.members(group, 2024)
