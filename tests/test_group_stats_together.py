"""Group statistics asked together (a report's chapters): computed at once for all the
indicators, each chapter's share is exactly what computing it alone gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kostra
from kostra.api import Session


@pytest.fixture(scope="module")
def alone(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Session:
    path = tmp_path_factory.mktemp("alone") / "kostra.duckdb"
    path.write_bytes(template_store.read_bytes())
    return kostra.open(path, read_only=True)


@pytest.fixture(scope="module")
def together(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Session:
    path = tmp_path_factory.mktemp("together") / "kostra.duckdb"
    path.write_bytes(template_store.read_bytes())
    return kostra.open(path, read_only=True)


@pytest.mark.parametrize(
    ("group", "years", "subjects"),
    [
        ("asss", [2020, 2021, 2022, 2023, 2024], ["0301"]),
        ("ovrige-asss", [2023, 2024], ["3201", "4601"]),  # each municipality left out of its own
        ("kostragruppe-13", [2019, 2024], ["3201"]),
        ("landet", [2015, 2016, 2017], ["3201"]),
    ],
)
def test_each_sectors_share_is_its_statistics_computed_alone(
    alone: Session, together: Session, group: str, years: list[int], subjects: list[str]
) -> None:
    definition = together.group(group).definition
    sectors = [s.id for s in together.catalog.sectors.values() if not s.hidden]
    every = [i.id for s in sectors for i in together.catalog.indicators_of(s)]
    # Outside the block: what is asked together is this thread's, whatever the session.
    expected = {
        s: alone.group_stats(alone.catalog.indicators_of(s), years, alone.group(group).definition, subjects)
        for s in sectors
    }
    with together.asked_together([*every, "no_such_indicator"]):
        for sector in sectors:
            indicators = together.catalog.indicators_of(sector)
            got = together.group_stats(indicators, years, definition, subjects)
            pd.testing.assert_frame_equal(got, expected[sector], check_exact=True)
            assert len(got) > 0
    # The statistics of all of them were computed once for these years, group and subjects.
    assert len(together._cache.together) >= 1


def test_outside_the_block_each_question_is_computed_alone(together: Session) -> None:
    definition = together.group("asss").definition
    indicators = together.catalog.indicators_of("grunnskole")
    before = len(together._cache.together)
    together.group_stats(indicators, [2011, 2012], definition, ["3201"])
    assert len(together._cache.together) == before
