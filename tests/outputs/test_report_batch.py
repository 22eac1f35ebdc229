"""A batch of reports computes what is shared once and keeps it for every municipality
(issue 17): the report of each municipality must still be exactly the one a fresh session
builds for it alone, whatever came before it in the batch.

The model of a report holds frames, so models are compared field by field (frames with
``assert_frame_equal``, exact); a chart spec or a table cell is compared as data.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kostra
from kostra.api import Session
from kostra.comparisons import ranked_sector
from kostra.errors import YearNotAvailable
from kostra.outputs.report import build_report
from kostra.outputs.report.model import Report

# Across sizes and kinds: the largest (Oslo), large (Bærum), the smallest (Utsira), merged
# in 2020 (Asker, Hamarøy, Ålesund, Indre Østfold), split in 2024 (the old Ålesund's parts
# Haram), renumbered (Trondheim), a county's small and middle ones.
SAMPLE = [
    "Bærum",
    "Oslo",
    "Utsira",
    "Asker",
    "Ålesund",
    "Indre Østfold",
    "Trondheim",
    "Tromsø",
    "Bergen",
    "Kautokeino",
    "Røst",
    "Lillestrøm",
    "Kinn",
    "Ullensaker",
    "Sirdal",
    "Vinje",
    "Vadsø",
    "Stord",
    "Hamarøy",
    "Haram",  # last, so the other order starts with a change of land within the series (2024)
]


def _same(left: Any, right: Any, where: str) -> None:
    if isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=where)
    elif dataclasses.is_dataclass(left) and not isinstance(left, type):
        assert type(left) is type(right), where
        for f in dataclasses.fields(left):
            _same(getattr(left, f.name), getattr(right, f.name), f"{where}.{f.name}")
    elif isinstance(left, list | tuple):
        assert len(left) == len(right), where
        for n, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{where}[{n}]")
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            _same(left[key], right[key], f"{where}[{key!r}]")
    elif isinstance(left, float) and left != left:  # NaN
        assert isinstance(right, float) and right != right, where
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


def same_report(left: Report, right: Report) -> None:
    _same(left, right, left.municipality)


@pytest.fixture(scope="module")
def reports_in_batch(template_store: Path) -> dict[str, Report]:
    """The sample built one after another in one session, as a batch worker builds them."""
    with kostra.open(template_store, read_only=True) as session:
        return {m: build_report(session, m, 2024) for m in SAMPLE}


def test_the_sample_exists(session: Session) -> None:
    for municipality in SAMPLE:
        assert session.region(municipality).kind == "municipality"


def test_a_report_in_a_batch_is_the_report_built_alone(
    reports_in_batch: dict[str, Report], template_store: Path
) -> None:
    # In the opposite order, in another session: whatever one municipality leaves in the
    # session's memory, the next one's report must not change.
    with kostra.open(template_store, read_only=True) as session:
        for municipality in reversed(SAMPLE):
            same_report(reports_in_batch[municipality], build_report(session, municipality, 2024))


@pytest.mark.parametrize("municipality", ["Bærum", "Utsira", "Hamarøy", "Ålesund"])
def test_a_report_in_a_batch_is_the_report_of_a_fresh_session(
    reports_in_batch: dict[str, Report], template_store: Path, municipality: str
) -> None:
    with kostra.open(template_store, read_only=True) as session:
        same_report(reports_in_batch[municipality], build_report(session, municipality, 2024))


def test_the_comparison_sees_a_difference(reports_in_batch: dict[str, Report]) -> None:
    # The comparison itself must fail on two different reports.
    with pytest.raises(AssertionError):
        same_report(reports_in_batch["Bærum"], reports_in_batch["Asker"])
    original = reports_in_batch["Utsira"]
    chapter = original.chapters[2]
    table = chapter.tables[0]
    cells = list(table.rows[1][1])
    cells[1] = dataclasses.replace(cells[1], value=(cells[1].value or 0.0) + 1e-9)
    rows = [table.rows[0], (table.rows[1][0], cells), *table.rows[2:]]
    changed = dataclasses.replace(
        original,
        chapters=[
            *original.chapters[:2],
            dataclasses.replace(chapter, tables=[dataclasses.replace(table, rows=rows), *chapter.tables[1:]]),
            *original.chapters[3:],
        ],
    )
    with pytest.raises(AssertionError):
        same_report(original, changed)


def _explain_rank_alone(session: Session, municipality: str, sector: str, year: int) -> dict[str, object]:
    """explain_rank as it was before explain_ranks (one sector, filtering by region and
    sector at once): the reference the report's ranking chapter is held to."""
    region = session.region(municipality)
    sector_id = ranked_sector(session, sector)
    figures, sectors = session.rank(year)
    when = int(sectors["year"].iloc[0])
    mine = sectors[(sectors["region_code"] == region.code) & (sectors["sector"] == sector_id)]
    try:
        _, before = session.rank(when - 1)
    except YearNotAvailable:
        before = sectors.iloc[:0]
    earlier = before[(before["region_code"] == region.code) & (before["sector"] == sector_id)]
    detail = figures[
        (figures["region_code"] == region.code) & ((figures["sector"] == sector_id) | (sector_id == "totalt"))
    ]
    place = mine["rank"].iloc[0] if len(mine) else None
    previous = earlier["rank"].iloc[0] if len(earlier) else None
    return {
        "municipality": region.short_name,
        "sector": sector_id,
        "sector_name": "Totalt" if sector_id == "totalt" else session.catalog.sectors[sector_id].name_nb,
        "demodata": bool(sectors.attrs.get("demodata", False)),
        "year": when,
        "score": float(mine["score"].iloc[0]) if len(mine) else float("nan"),
        "rank": None if place is None or pd.isna(place) else int(place),
        "previous_rank": None if previous is None or pd.isna(previous) else int(previous),
        "of": int(sectors[(sectors["sector"] == sector_id) & sectors["ranked"]].shape[0]),
        "figures": detail.sort_values("contribution", ascending=False),
    }


@pytest.mark.parametrize("year", [2024, 2016])
def test_every_sectors_placement_at_once_is_each_placement_alone(session: Session, year: int) -> None:
    ranking = session.catalog.ranking
    assert ranking is not None
    sectors = [*ranking.key_figures, "totalt"]
    for municipality in SAMPLE:
        together = session.explain_ranks(municipality, sectors, year)
        for sector, placement in zip(sectors, together, strict=True):
            _same(
                placement,
                _explain_rank_alone(session, municipality, sector, year),
                f"{municipality} {sector}",
            )
            _same(session.explain_rank(municipality, sector, year), placement, f"{municipality} {sector}")
