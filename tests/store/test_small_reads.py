"""Store.observations reads a few indicators and years in one query (issue 17: a profile
reads some 25 000 rows) and more through DuckDB ENUMs; both ways give the same frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kostra.store
from kostra.store import Store

CASES = [
    (["pop_total"], [2024]),
    (["pop_total", "gs_gruppestorrelse", "bhg_andel_1_5"], [2022, 2023, 2024]),
    (["gs_gruppestorrelse", "pop_total"], [2024, 2016, 2020]),  # asked out of order
    (["pop_total", "pop_total"], [2024, 2024]),  # twice
    (["no_such_indicator"], [2024]),  # no rows
    (["pop_total"], [1990]),  # no rows either
    (["pop_total", "no_such_indicator"], []),
    ([], [2024]),
]


@pytest.mark.parametrize(("ids", "years"), CASES)
def test_small_reads_are_the_enum_reads(
    template_store: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str], years: list[int]
) -> None:
    store = Store(template_store, read_only=True)
    try:
        monkeypatch.setattr(kostra.store, "SMALL_READ", 10**9)
        small = store.observations(ids, years)
        monkeypatch.setattr(kostra.store, "SMALL_READ", -1)
        enum = store.observations(ids, years)
    finally:
        store.close()
    pd.testing.assert_frame_equal(small, enum, check_exact=True)
    assert small.empty == (not ids or not years or ids == ["no_such_indicator"] or years == [1990])


def test_a_profile_sized_read_is_small() -> None:
    # A profile: about 20 indicators and weights over 3 years = 60, under the limit.
    assert 20 * 3 <= kostra.store.SMALL_READ < 400


@pytest.mark.parametrize(("ids", "years"), CASES)
def test_a_read_as_categories_has_the_same_values(
    template_store: Path, ids: list[str], years: list[int]
) -> None:
    store = Store(template_store, read_only=True)
    try:
        text = store.observations(ids, years)
        codes = store.observations(ids, years, categories=True)
    finally:
        store.close()
    if text.empty:
        assert codes.empty
        return
    for column in ("indicator_id", "region_code", "release_kind"):
        assert isinstance(codes[column].dtype, pd.CategoricalDtype)
    # the same rows in the same order (by indicator, year and region), text made of the codes
    pd.testing.assert_frame_equal(
        codes.astype({c: text[c].dtype for c in text.columns}), text, check_exact=True
    )
    assert text.equals(text.sort_values(["indicator_id", "year", "region_code"]).reset_index(drop=True))
