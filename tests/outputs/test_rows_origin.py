"""Every chapter says whose rows its service profile has (issue 14, item 1): KS' ASSS list,
with where the catalog read it, or kostra's own selection where KS publishes no profile;
kostra's figures beyond KS' list are shown apart and marked."""

from __future__ import annotations

import pytest

from kostra.api import Session
from kostra.catalog import load_catalog
from kostra.outputs.report.model import build_report, rows_origin

CATALOG = load_catalog()
KS_AREAS = {
    "grunnskole",
    "barnehage",
    "barnevern",
    "pleie-og-omsorg",
    "kommunehelse",
    "sosialtjeneste-og-bolig",
    "eiendom",
}
OWN_AREAS = {"kultur-og-fritid", "administrasjon", "okonomi"}


@pytest.mark.parametrize("sector_id", sorted(KS_AREAS))
def test_a_ks_area_names_where_its_list_was_read(sector_id: str) -> None:
    sector = CATALOG.sectors[sector_id]
    text = rows_origin(sector)
    assert text.startswith("Tjenesteprofilens rader er KS' ASSS-liste (")
    listed = [p for p in sector.profiles if p.from_ks]
    assert listed and all(
        p.list_source and ("ks.no" in p.list_source or "KOSTRA-analyse" in p.list_source) for p in listed
    )
    for profile in sector.profiles:
        rows = [i for i in CATALOG.indicators_of(sector_id) if profile.id in i.profiles]
        assert rows, (sector_id, profile.id)  # no empty profile
    if any(p.supplementary for p in sector.profiles):
        assert "kostras egne indikatorer utover KS' liste" in text


@pytest.mark.parametrize("sector_id", sorted(OWN_AREAS))
def test_an_area_without_a_ks_profile_says_the_selection_is_kostras(sector_id: str) -> None:
    sector = CATALOG.sectors[sector_id]
    assert not any(p.from_ks for p in sector.profiles)
    assert rows_origin(sector).endswith("indikatorene er kostras eget utvalg.")


def test_every_area_is_one_or_the_other() -> None:
    shown = {s.id for s in CATALOG.sectors.values() if not s.hidden}
    assert shown == KS_AREAS | OWN_AREAS


def test_the_report_chapters_carry_it(session: Session) -> None:
    report = build_report(session, "Bærum", 2024, "asss", ("Asker",), ["grunnskole", "kultur-og-fritid"])
    chapters = {c.id: c for c in report.chapters}
    grunnskole, kultur = chapters["grunnskole"], chapters["kultur-og-fritid"]
    assert "KS' ASSS-liste" in grunnskole.intro and "grunnskole-tabeller-og-figurer" in grunnskole.intro
    assert "kostras eget utvalg" in kultur.intro
