"""The catalog is valid data and covers what the issue asks for."""

from __future__ import annotations

import pandas as pd

from kostra.catalog import INDICATOR_GROUPS, load_catalog

SERVICE_AREAS = [
    "grunnskole",
    "barnehage",
    "barnevern",
    "pleie-og-omsorg",
    "kommunehelse",
    "sosialtjeneste-og-bolig",
    "kultur-og-fritid",
    "administrasjon",
    "eiendom",
    "okonomi",
]


def test_every_service_area_has_at_least_eight_indicators() -> None:
    catalog = load_catalog()
    for sector in SERVICE_AREAS:
        assert len(catalog.indicators_of(sector)) >= 8, sector


def test_plo_profiles() -> None:
    catalog = load_catalog()
    plo = catalog.sector("Pleie og omsorg")
    assert [p.id for p in plo.profiles] == ["alle", "0-66", "67+", "ttu"]
    assert catalog.sector("plo") is plo and catalog.profile(plo, "TTU").id == "ttu"


def test_every_published_plo_indicator_is_in_the_catalog(published: pd.DataFrame) -> None:
    names = {i.name_nb for i in load_catalog().indicators_of("pleie-og-omsorg")}
    assert set(published["indicator"]) <= names


def test_indicators_are_complete() -> None:
    for ind in load_catalog().indicators_of():
        assert ind.group in INDICATOR_GROUPS, ind.id
        assert ind.profiles, ind.id
        assert ind.average == "unweighted" or ind.weight, ind.id
        if ind.source is not None:
            assert ind.source.verified.strip(), ind.id


def test_sources_carry_real_table_ids() -> None:
    sourced = [i for i in load_catalog().indicators.values() if i.source]
    assert len(sourced) >= 40
    assert {i.source.table for i in sourced if i.source} >= {"12134", "12255", "13502", "12362"}
