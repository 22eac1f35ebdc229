"""Formula figures over real inputs are computed and stored after an import or a fetch
(issue 14): kostra's figure is SSB's inputs through the catalog's formula, and the
coverage counts it as real."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

from kostra.coverage import coverage
from kostra.deriving import derive, formula_order
from kostra.sources.pxweb import PxWebClient, RetryPolicy


def _current(session, indicator: str, code: str, year: int) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    frame = session.store.observations([indicator], [year]).set_index("region_code")
    return float(frame.loc[code, "value"]), str(frame.loc[code, "release_kind"])


def _import(session, tmp_path: Path, indicator: str, rows: str) -> int:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{indicator}.csv"
    path.write_text("region;år;tall\n" + rows, encoding="utf-8")
    return session.import_file(path, indicator=indicator).derived


def test_an_imported_count_gives_the_share_it_is_the_numerator_of(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    population, kind = _current(fresh, "pop_0_66", "3203", 2023)
    assert kind == "bundled"  # SSB's population, bundled
    derived = _import(fresh, tmp_path, "plo_hjemmetj_mottakere_0_66", "Asker;2023;1500\n")
    assert derived >= 1
    value, kind = _current(fresh, "plo_hjemmetj_andel_0_66", "3203", 2023)
    assert kind == "file" and value == 100 * 1500 / population
    # 67+ = all ages minus 0-66 needs both counts real: not yet
    assert _current(fresh, "plo_hjemmetj_mottakere_67p", "3203", 2023)[1] == "demodata"
    _import(fresh, tmp_path, "plo_hjemmetj_mottakere_alle", "Asker;2023;5210\n")
    assert _current(fresh, "plo_hjemmetj_mottakere_67p", "3203", 2023) == (3710.0, "file")


def test_deriving_again_stores_nothing_new(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _import(fresh, tmp_path, "plo_hjemmetj_mottakere_0_66", "Asker;2023;1500\n")
    releases = len(fresh.releases())
    again = derive(fresh.store, fresh.catalog, [2023], lambda g, y: fresh.members(g, y))
    assert again.values == 0 and again.releases == () and len(fresh.releases()) == releases


def test_a_resource_use_figure_needs_every_members_inputs_real(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One municipality's real spending is not enough: the indicator is relative to the
    # ASSS mean, which would still rest on demodata.
    _import(fresh, tmp_path, "bv_netto_sektor_per_innb", "Bærum;2024;3000\n")
    assert _current(fresh, "bv_ressursbruk", "3201", 2024)[1] == "demodata"


def test_with_every_members_inputs_real_the_resource_use_is_real(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    members = sorted(fresh.members("asss", 2024))
    spending = {code: 3000 + 100 * n for n, code in enumerate(members)}
    lines = "".join(f"{code};2024;{value}\n" for code, value in spending.items())
    _import(fresh, tmp_path, "bv_netto_sektor_per_innb", lines)
    _import(fresh, tmp_path, "bv_avskrivninger_per_innb", "".join(f"{c};2024;0\n" for c in members))
    assert _current(fresh, "bv_ressursbruk", "3201", 2024)[1] == "demodata"  # need still generated
    _import(fresh, tmp_path, "behov_barnevern", "".join(f"{c};2024;1\n" for c in members))
    mean = sum(spending.values()) / len(spending)
    for code in members:
        assert _current(fresh, "bv_ressursbruk", code, 2024) == (pytest.approx(spending[code] / mean), "file")


def test_formulas_are_ordered_after_the_formulas_they_read(fresh) -> None:  # type: ignore[no-untyped-def]
    order = [i.id for i in formula_order(fresh.catalog)]
    position = {i: n for n, i in enumerate(order)}
    for ind in formula_order(fresh.catalog):
        assert ind.formula is not None
        for ref in ind.formula.inputs:
            if ref in position:
                assert position[ref] < position[ind.id], (ref, ind.id)


def test_fetched_figures_are_derived_and_counted_real(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    before = coverage(fresh, 2024).set_index("area")["real"]
    with httpx.Client(timeout=2.0) as http:
        retry = RetryPolicy(attempts=2, backoff_seconds=0.01)
        client = PxWebClient(http, base + "/api/pxwebapi/v2", retry=retry)
        report = fresh.fetch([2024], ["sosialtjeneste-og-bolig"], regions=False, pxweb=client)
    assert report.derived > 0
    after = coverage(fresh, 2024).set_index("area")["real"]
    assert after["sosialtjeneste-og-bolig"] > before["sosialtjeneste-og-bolig"]
    # sos_netto_243_per_innb_18_66 = 1 000 * f243 (SSB, 1 000 kr) / innbyggere 18-66
    frame = fresh.store.observations(["netto_f243", "pop_18_66", "sos_netto_243_per_innb_18_66"], [2024])
    wide = frame.pivot_table(index="region_code", columns="indicator_id", values="value")
    kinds = frame.pivot_table(
        index="region_code", columns="indicator_id", values="release_kind", aggfunc="first"
    )
    asker = wide.loc["3203"]
    assert kinds.loc["3203", "netto_f243"] == "ssb"
    assert asker["sos_netto_243_per_innb_18_66"] == 1000 * asker["netto_f243"] / asker["pop_18_66"]
    assert kinds.loc["3203", "sos_netto_243_per_innb_18_66"] == "ssb"
    assert isinstance(wide, pd.DataFrame)
