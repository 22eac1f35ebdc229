"""Every figure has at most one origin, written in the catalog (issue 14, item 2): an SSB
table, a formula over other catalog figures, or a named provider; and ``kostra catalog
coverage`` counts exactly what the catalog says."""

from __future__ import annotations

import pytest

from kostra.api import Session
from kostra.catalog import Catalog, Formula, Indicator, load_catalog
from kostra.catalog import _check_references as check_references
from kostra.coverage import BASIS_AREA, ORIGINS, area_of, coverage, origin_counts, rests_on_ssb
from kostra.errors import ConfigError, YearNotAvailable

CATALOG = load_catalog()


def _with(indicator: Indicator, **changes: object) -> Catalog:
    changed = indicator.model_copy(update=changes)
    return Catalog(
        CATALOG.sectors,
        {**CATALOG.indicators, indicator.id: changed},
        CATALOG.groups,
        CATALOG.checksum,
        CATALOG.economics,
        CATALOG.deflator,
        CATALOG.ranking,
    )


def test_every_indicator_has_exactly_one_origin() -> None:
    wrong = {i.id: i.origins for i in CATALOG.indicators.values() if len(i.origins) != 1}
    assert not wrong


def test_a_figure_without_origin_is_refused_when_the_catalog_loads() -> None:
    ind = CATALOG.indicators["plo_legetimer_sykehjem"]
    with pytest.raises(ConfigError, match="plo_legetimer_sykehjem: har ikke noe opphav"):
        check_references(_with(ind, source=None))


def test_pleie_og_omsorg_has_at_least_15_figures_from_ssb() -> None:
    # Issue 14's acceptance: an SSB table, or a formula over SSB figures only.
    counts = origin_counts(CATALOG).set_index("area")
    assert counts.loc["pleie-og-omsorg", "from_ssb"] >= 15
    plo = [i for i in CATALOG.indicators.values() if i.sector == "pleie-og-omsorg"]
    assert sum(rests_on_ssb(CATALOG, i.id) for i in plo) == counts.loc["pleie-og-omsorg", "from_ssb"]


def test_every_figure_the_methods_read_rests_on_ssb() -> None:
    # Resource use, need adjustment, production indices and DEA read SSB's figures (or
    # formulas over them); the need indices are the ministry's (Grønt hefte), not SSB's.
    for sector, economics in CATALOG.economics.items():
        spending = [economics.net_expenditure, economics.gross_expenditure, economics.depreciation]
        production = [p.indicator for p in economics.production]
        for ref in [*spending, *production]:
            if ref is not None:
                assert rests_on_ssb(CATALOG, ref), (sector, ref)
        need = CATALOG.indicators[economics.need_index]
        assert need.provider is not None and "KDD" in need.provider, sector


def test_a_formula_over_ks_figures_does_not_count_as_ssb() -> None:
    assert rests_on_ssb(CATALOG, "plo_hjemmetj_andel_0_66")  # SSB count over SSB population
    assert not rests_on_ssb(CATALOG, "ttu_andel_heldogn_18p")  # KS' TTU counts
    assert not rests_on_ssb(CATALOG, "plo_ressursbruk")  # the need index is the ministry's


def test_every_formula_reads_catalog_figures_other_than_itself() -> None:
    for ind in CATALOG.indicators.values():
        if ind.formula is not None:
            assert ind.id not in ind.formula.inputs, ind.id
            assert set(ind.formula.inputs) <= set(CATALOG.indicators), ind.id
            assert ind.formula.note.strip(), ind.id


def test_every_source_says_where_it_was_verified() -> None:
    for ind in CATALOG.indicators.values():
        for source in ind.all_sources:
            assert len(source.verified.strip()) >= 10, ind.id


def test_origin_names_what_the_catalog_gives() -> None:
    ind = CATALOG.indicators["plo_legetimer_sykehjem"]
    assert ind.origin == "ssb" and ind.source is not None and ind.source.table == "12293"
    assert CATALOG.indicators["plo_sykefravaer"].origin == "provider"
    assert CATALOG.indicators["pop_80p"].origin == "provider"
    formula = CATALOG.indicators["plo_hjemmetj_andel_0_66"].formula
    assert formula == Formula(
        numerator=("plo_hjemmetj_mottakere_0_66",), denominator="pop_0_66", factor=100, note=formula.note
    )


def test_two_origins_are_refused_when_the_catalog_loads() -> None:
    ind = CATALOG.indicators["plo_legetimer_sykehjem"]
    with pytest.raises(ConfigError, match="plo_legetimer_sykehjem: har flere opphav"):
        check_references(_with(ind, provider="KS"))


def test_a_formula_over_an_unknown_figure_is_refused() -> None:
    ind = CATALOG.indicators["plo_heldogn_andel_80p"]
    bad = Formula(numerator=("plo_ukjent",), denominator="pop_80p", note="test")
    with pytest.raises(ConfigError, match="ukjent indikator 'plo_ukjent'"):
        check_references(_with(ind, formula=bad))


def test_coverage_counts_match_the_catalog() -> None:
    every = origin_counts(CATALOG)
    counts = every[every["area"] != BASIS_AREA]  # the basis row repeats figures counted above
    assert counts["indicators"].sum() == len(CATALOG.indicators)
    assert (every[list(ORIGINS)].sum(axis=1) == every["indicators"]).all()
    for origin in ORIGINS:
        assert counts[origin].sum() == sum(i.origin == origin for i in CATALOG.indicators.values())
    by_area = every.set_index("area")
    for ind in CATALOG.indicators.values():
        assert area_of(ind) in by_area.index
    basis = [i for i in CATALOG.indicators.values() if i.kind == "basis"]
    assert by_area.loc[BASIS_AREA, "indicators"] == len(basis)
    assert by_area.loc["befolkning", "provider"] == by_area.loc["befolkning", "indicators"]


def test_coverage_of_the_bundled_store_counts_real_figures(session: Session) -> None:
    counts = coverage(session)
    assert (counts["year"] == session.latest_year(list(CATALOG.indicators.values()))).all()
    assert ((counts["real"] >= 0) & (counts["real"] <= counts["indicators"])).all()
    by_area = counts.set_index("area")
    # The population bands are bundled from SSB 07459, and the published PLO figures too.
    assert by_area.loc["befolkning", "real"] == by_area.loc["befolkning", "indicators"]
    assert by_area.loc["pleie-og-omsorg", "real"] > 0
    with pytest.raises(YearNotAvailable, match="1990"):
        coverage(session, 1990)
