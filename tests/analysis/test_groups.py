"""Group membership by year and the rule-based groups."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.groups import find_group, members_in_year
from kostra.catalog import GroupDef
from kostra.catalog.models import Member
from kostra.errors import RegionNotFound

ORIGINAL_TEN = {"0301", "4601", "3201", "3301", "3107", "4204", "1108", "1103", "5001", "5501"}


def _members(session, group: str, year: int, subject: str | None = None) -> frozenset[str]:
    return session.members(group, year, subject)


def test_asss_membership_depends_on_the_year(session) -> None:
    assert _members(session, "asss", 2021) == ORIGINAL_TEN
    assert _members(session, "asss", 2022) == ORIGINAL_TEN | {"3203", "3205"}
    assert _members(session, "asss10", 2024) == ORIGINAL_TEN


def test_variants_of_asss(session) -> None:
    without_oslo = _members(session, "ASSS uten Oslo", 2024)
    assert "0301" not in without_oslo and len(without_oslo) == 11
    others = _members(session, "ovrige-asss", 2024, subject="3201")
    assert "3201" not in others and "0301" not in others and len(others) == 10
    rest = _members(session, "resten-av-landet", 2024)
    assert not rest & ORIGINAL_TEN
    assert len(rest) + 12 == len(_members(session, "landet", 2024)) == 357
    assert "0602" in _members(session, "landet", 2019)  # old Drammen, before the merger
    assert "0219" not in _members(session, "landet", 2019)  # Bærum is filed under 3201


def test_kostra_group_12_and_counties(session) -> None:
    group12 = _members(session, "EKG12", 2024)
    assert {"4601", "1103", "4204", "3201"} <= group12
    assert "0301" not in group12
    assert _members(session, "kostragruppe-13", 2024) == {"0301"}
    akershus = _members(session, "Akershus", 2024)
    assert {"3201", "3203", "3205"} <= akershus


def test_user_groups_from_yaml_and_csv(fresh, tmp_path) -> None:
    from pathlib import Path

    fixtures = Path(__file__).parents[1] / "fixtures"
    fresh.load_user_groups(fixtures / "user_groups.yaml")
    fresh.load_user_groups(fixtures / "user_groups.csv")
    assert _members(fresh, "naboer", 2024) == {"3203", "3301", "3312", "0301"}
    assert _members(fresh, "Vestlandsbyer", 2024) == {"4601", "1103"}
    table = fresh.profile("Bærum", "barnehage", year=2024, group="naboer")
    assert set(table["members"]) == {4}


# Unit tests on hand-made groups (no store): every rule of members_in_year and find_group.

GROUPS = {
    g.id: g
    for g in [
        GroupDef(id="net", name_nb="Nettverket", kind="network", aliases=("NETT",), ssb_code="EKX"),
        GroupDef(id="land", name_nb="Hele landet", kind="country", ssb_code="EAK"),
        GroupDef(id="kg1", name_nb="KOSTRA-gruppe 1", kind="kostra"),
        GroupDef(id="fylke", name_nb="Et fylke", kind="county"),
        GroupDef(
            id="mine", name_nb="Mine naboer", kind="user", members=(Member(code="0301", from_year=2022),)
        ),
        GroupDef(
            id="net-uten", name_nb="Nettverket uten 0301", kind="network", base="net", exclude=("0301",)
        ),
        GroupDef(id="resten", name_nb="Resten", kind="country", base="land", exclude_group="net"),
        GroupDef(id="ovrige", name_nb="Øvrige", kind="network", base="net", exclude_self=True),
        GroupDef(id="via-ovrige", name_nb="Via øvrige", kind="user", base="ovrige"),
    ]
}
LISTED = {
    "net": pd.DataFrame(
        {
            "region_code": ["1001", "1002", "1003", "0301"],
            "from_year": [None, 2020, None, None],
            "to_year": [None, None, 2021, None],
        }
    ).astype({"from_year": "Int64", "to_year": "Int64"}),
    "mine": pd.DataFrame({"region_code": ["1001"], "from_year": [None], "to_year": [None]}),
}
COUNTRY = ["1001", "1002", "1003", "0301", "2001"]


def _in(group: str, year: int, subject: str | None = None) -> frozenset[str]:
    return members_in_year(GROUPS[group], year, GROUPS, LISTED, COUNTRY, subject)


def test_listed_members_by_year_with_both_ends_included() -> None:
    assert _in("net", 2019) == {"1001", "1003", "0301"}  # 1002 joins in 2020
    assert _in("net", 2020) == {"1001", "1002", "1003", "0301"}
    assert _in("net", 2021) == {"1001", "1002", "1003", "0301"}  # 1003 leaves after 2021
    assert _in("net", 2022) == {"1001", "1002", "0301"}
    assert _in("net", 0) == {"1001", "1003", "0301"}  # open ends are open
    assert _in("net", 9999) == {"1001", "1002", "0301"}
    assert _in("net", 10000) == frozenset()  # an open end stands for 9999
    assert _in("kg1", 2022) == frozenset()  # no rows listed for it
    assert isinstance(_in("net", 2022), frozenset)


def test_listed_rows_and_the_catalogs_members_together() -> None:
    assert _in("mine", 2021) == {"1001"}
    assert _in("mine", 2022) == {"1001", "0301"}


def test_rules_over_other_groups() -> None:
    assert _in("land", 2022) == set(COUNTRY)
    assert _in("net-uten", 2022) == {"1001", "1002"}
    assert _in("resten", 2022) == {"1003", "2001"}  # 1003 left the network after 2021
    assert _in("resten", 2022, subject="1003") == {"1003", "2001"}  # no exclude_self
    assert _in("ovrige", 2022, subject="1001") == {"1002", "0301"}
    assert _in("ovrige", 2022) == {"1001", "1002", "0301"}
    assert _in("net", 2022, subject="1001") == {"1001", "1002", "0301"}  # the network keeps it
    # the subject is passed down to the base group's own rule
    assert _in("via-ovrige", 2022, subject="1002") == {"1001", "0301"}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("net", "net"),
        ("Nettverket", "net"),
        ("nett", "net"),  # an alias, in any case
        ("EKX", "net"),  # SSB's code
        ("hele landet", "land"),
        ("eak", "land"),
        ("KOSTRA-gruppe 1", "kg1"),
        ("Mine naboer", "mine"),
        ("Øvrige", "ovrige"),
    ],
)
def test_find_group_by_id_name_alias_or_code(query: str, found: str) -> None:
    assert find_group(query, GROUPS).id == found


def test_an_unknown_group_is_an_error_naming_the_groups_to_try() -> None:
    with pytest.raises(RegionNotFound) as raised:
        find_group("Ukjent", GROUPS)
    assert str(raised.value) == (
        "fant ingen sammenligningsgruppe som heter 'Ukjent'; prøv en av: net, land, mine, net-uten, resten, "
        "ovrige, via-ovrige, kostragruppe-12 eller et fylke"
    )
