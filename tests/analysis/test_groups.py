"""Group membership by year and the rule-based groups."""

from __future__ import annotations

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
