"""Session.reading_years: figures read for some years only give the same answers as figures
read for every year (a report reads the years its chapters show, not 2015-2024)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import kostra
from kostra.api import Session

SECTORS = ["grunnskole", "pleie-og-omsorg", "okonomi", "kommunehelse"]


def _answers(session: Session, municipality: str, year: int, group: str) -> list[object]:
    out: list[object] = []
    for sector in SECTORS:
        analysis = session.analyse(municipality, sector, year, group, ("Asker", "Oslo"))
        out.append(json.dumps(analysis.to_dict(), sort_keys=True, default=str))
        out += [analysis.profile, analysis.series]
    out.append(session.observations(["pop_total", "gs_andel_spesialundervisning"], range(year - 2, year + 1)))
    return out


@pytest.mark.parametrize(
    ("municipality", "year", "group"),
    [("Bærum", 2024, "asss"), ("Asker", 2019, "ovrige-asss"), ("Utsira", 2016, "kostragruppe-13")],
)
def test_the_years_read_do_not_change_an_answer(
    template_store: Path, municipality: str, year: int, group: str
) -> None:
    with kostra.open(template_store, read_only=True) as every_year:
        expected = _answers(every_year, municipality, year, group)
    with kostra.open(template_store, read_only=True) as some_years:
        with some_years.reading_years(range(year - 4, year + 1)):
            got = _answers(some_years, municipality, year, group)
            # A question of years outside the window reads every year, as outside the block.
            outside = some_years.observations(["pop_total"], [year - 6, year])
        assert some_years._cache.windowed, "the window was not used"
    with kostra.open(template_store, read_only=True) as every_year:
        pd.testing.assert_frame_equal(outside, every_year.observations(["pop_total"], [year - 6, year]))
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        if isinstance(theirs, pd.DataFrame):
            assert isinstance(mine, pd.DataFrame)
            pd.testing.assert_frame_equal(mine, theirs)
        else:
            assert mine == theirs


def test_a_window_without_figures_reads_every_year(template_store: Path) -> None:
    ids = ["pop_total", "gs_andel_spesialundervisning"]
    with kostra.open(template_store, read_only=True) as every_year:
        every_year.observations(["pop_total"], [2024])
        expected = every_year.observations(ids, [1990])
    with kostra.open(template_store, read_only=True) as some_years:
        some_years.observations(["pop_total"], [2024])
        with some_years.reading_years([1990, 1991]):
            got = some_years.observations(ids, [1990])
    pd.testing.assert_frame_equal(got, expected)
