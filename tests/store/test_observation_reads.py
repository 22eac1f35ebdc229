"""The fast reads of issue 17 give exactly what the plain reads gave.

:meth:`Store.observations` reads its text columns as DuckDB ENUMs and turns them into text
in pandas; ``Session.all_profiles`` reads only the years it needs when the session does
not hold the figures yet. Both are compared with the plain way, frame for frame, exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kostra
from kostra.store import Store

_TEXT = pd.Series(["."]).dtype


def _plain(store: Store, ids: list[str] | None, years: list[int] | None) -> pd.DataFrame:
    """The read as it was: one query, text columns as DuckDB hands them to pandas."""
    where, params = [], []
    if ids is not None:
        where.append("indicator_id IN (SELECT * FROM unnest(?))")
        params.append(ids)
    if years is not None:
        where.append("year IN (SELECT * FROM unnest(?))")
        params.append(years)
    sql = (
        "SELECT indicator_id, region_code, year, value, status, release_id, release_kind "
        "FROM current_observation"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    frame = store.frame(sql + " ORDER BY indicator_id, year, region_code", params)
    return frame.astype({"status": _TEXT})


@pytest.mark.parametrize(
    ("ids", "years"),
    [
        (None, None),  # everything: a million rows
        (None, [2024]),
        (["pop_total", "gs_gruppestorrelse"], None),
        (["pop_total"], [2015, 2020, 2024]),
        (["no_such_indicator"], None),  # no rows: the columns keep DuckDB's own dtypes
        (["pop_total"], [1990]),
    ],
)
def test_observations_read_as_before(
    template_store: Path, ids: list[str] | None, years: list[int] | None
) -> None:
    store = Store(template_store, read_only=True)
    try:
        fast, plain = store.observations(ids, years), _plain(store, ids, years)
        pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    finally:
        store.close()


def test_observations_keep_a_status_and_a_quote(store_path: Path) -> None:
    # A status ("..") and text with a quote in it survive the ENUM: the type lists the values.
    with kostra.open(store_path) as session:
        session.store.execute(
            "INSERT INTO current_observation SELECT 'x''y', region_code, year, value, '..', "
            "release_id, release_kind FROM current_observation "
            "WHERE indicator_id = 'pop_total' AND year = 2024"
        )
        fast = session.store.observations(["x'y"], [2024])
        plain = _plain(session.store, ["x'y"], [2024])
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert len(fast) == 357 and set(fast["status"]) == {".."} and set(fast["indicator_id"]) == {"x'y"}


@pytest.mark.parametrize(
    ("years", "group"),
    [([2024], "asss"), ([2016, 2020, 2024], "asss"), ([2023], "ovrige-asss"), ([2021], "landet")],
)
def test_all_profiles_first_call_equals_the_session_wide_way(
    template_store: Path, years: list[int], group: str
) -> None:
    # First call in a fresh session (reads only the years it needs) against the way a
    # session computes profiles otherwise (every year of each indicator held, group
    # statistics from group_stats): the same frame, row for row.
    with kostra.open(template_store, read_only=True) as session:
        first = session.all_profiles(years, group)
    with kostra.open(template_store, read_only=True) as session:
        indicators = [
            i
            for s in session.catalog.sectors.values()
            if not s.hidden
            for i in session.catalog.indicators_of(s.id)
        ]
        table = session._profiles(
            indicators, session.municipalities(), years, session.group(group).definition
        )
        placement = pd.DataFrame(
            [(i.id, i.sector, p) for i in indicators for p in i.profiles],
            columns=["indicator_id", "sector", "profile"],
        )
        before = table.merge(placement, on="indicator_id")
        again = session.all_profiles(years, group)  # the figures held now: the other way
    pd.testing.assert_frame_equal(first, before, check_exact=True)
    pd.testing.assert_frame_equal(again, before, check_exact=True)


@pytest.mark.parametrize(
    "years",
    [None, [2024], [2022, 2023, 2024], [2015, 2024], range(2020, 2025), [1990], [2024, 2016]],
)
def test_observations_of_some_years_are_the_rows_of_those_years(template_store: Path, years: object) -> None:
    # Session.observations cuts each indicator's rows to the years before putting the
    # indicators together; that must be the whole cut afterwards, row for row.
    ids = ["pop_total", "gs_gruppestorrelse", "no_such_indicator", "bhg_andel_1_5"]
    with kostra.open(template_store, read_only=True) as session:
        whole = session.observations(ids)
        some = session.observations(ids, years)  # type: ignore[arg-type]
    assert list(whole["indicator_id"].unique()) == [i for i in ids if i in set(whole["indicator_id"])]
    expected = whole if years is None else whole[whole["year"].isin(list(years))].reset_index(drop=True)  # type: ignore[call-overload]
    pd.testing.assert_frame_equal(some, expected, check_exact=True)
    if years is not None:  # a cut, and one that is not empty unless no year has figures
        assert len(some) < len(whole) and (len(some) == 0) == (years == [1990])


@pytest.mark.parametrize(
    "codes",
    [["3201"], ["3201", "0301", "1151"], ["1151", "0301", "3201", "0301"], ["9999"], [], ["1507", "1508"]],
)
def test_observations_for_some_regions_are_those_rows(template_store: Path, codes: list[str]) -> None:
    # The rows of some regions found through each region's positions must be the rows a
    # filter gives: the same order (not the order the regions were asked in), the same index.
    ids, years = ["pop_total", "gs_gruppestorrelse", "bhg_andel_1_5"], [2019, 2020, 2024]
    with kostra.open(template_store, read_only=True) as session:
        whole = session.observations(ids, years)
        for _ in range(2):  # found, then kept
            some = session.observations_for(ids, years, codes)
            pd.testing.assert_frame_equal(some, whole[whole["region_code"].isin(codes)], check_exact=True)
    assert some.empty == (codes in (["9999"], [])) and len(some) < len(whole)
