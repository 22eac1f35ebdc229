"""Releases: unrevised or revised by fetch date, and the figures that changed between two."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from kostra.analysis.releases import DIFF_COLUMNS, compute_release_diff, release_revision

NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    ("fetched", "revision"),
    [
        (date(2025, 3, 15), "unrevised"),  # the day SSB publishes 2024's unrevised figures
        (date(2025, 6, 14), "unrevised"),  # the last day before the revised ones
        (datetime(2025, 6, 14, 23, 59), "unrevised"),  # a fetch time counts by its day
        (date(2025, 6, 15), "revised"),  # revised figures are out on 15 June
        (datetime(2025, 6, 15, 0, 1), "revised"),
        (date(2025, 6, 20), "revised"),
        (date(2026, 1, 2), "revised"),
    ],
)
def test_figures_are_unrevised_until_15_june_of_the_next_year(fetched: date, revision: str) -> None:
    assert release_revision(2024, fetched) == revision


def _values(rows: list[tuple[str, int, float]], indicator: str = "kr", year: int = 2024) -> pd.DataFrame:
    """rows: (region_code, release_id, value) for one indicator and year."""
    frame = pd.DataFrame(rows, columns=["region_code", "release_id", "value"])
    return frame.assign(indicator_id=indicator, year=year).loc[
        :, ["indicator_id", "region_code", "year", "release_id", "value"]
    ]


Row = tuple[str, int, int, float, float, float, float]


def _expected(rows: list[Row]) -> pd.DataFrame:
    """rows: (region_code, old_release, new_release, old_value, new_value, change, relative_change)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "region_code",
            "old_release",
            "new_release",
            "old_value",
            "new_value",
            "change",
            "relative_change",
        ],
    )
    frame = frame.assign(indicator_id="kr", year=2024).loc[:, list(DIFF_COLUMNS)]
    return frame.astype({c: float for c in ("old_value", "new_value", "change", "relative_change")})


def test_changed_figures_largest_relative_change_first() -> None:
    # Release 1 = unrevised, release 2 = revised; rows given in no particular order.
    values = _values(
        [
            ("5001", 2, 10.0),
            ("0301", 1, 80.0),
            ("0301", 2, 100.0),
            ("4601", 1, 50.0),
            ("4601", 2, 50.0),  # unchanged: not listed
            ("1103", 1, 0.0),
            ("1103", 2, -5.0),
            ("3201", 1, NAN),
            ("3201", 2, 7.0),  # a figure where there was none
            ("5001", 1, 40.0),
            ("1108", 1, -20.0),
            ("1108", 2, -30.0),
            ("1506", 1, 1.0),
            ("1506", 2, 3.0),
            ("5501", 1, NAN),
            ("5501", 2, NAN),  # missing in both: unchanged
            ("1804", 1, 12.0),
            ("1804", 2, NAN),  # a figure that disappeared
            ("3301", 2, 9.0),  # only in the newest release: nothing to compare with
            ("4204", 1, 9.0),  # only in the older release
        ]
    )
    expected = _expected(
        [
            # A figure that appeared or disappeared comes first (in region order), then one
            # from 0 (relative change +inf, even when the figure fell), then the rest.
            ("1804", 1, 2, 12.0, NAN, NAN, NAN),
            ("3201", 1, 2, NAN, 7.0, NAN, NAN),
            ("1103", 1, 2, 0.0, -5.0, -5.0, INF),  # -5 - 0 = -5
            ("1506", 1, 2, 1.0, 3.0, 2.0, 2.0),  # (3 - 1) / 1 = 2
            ("5001", 1, 2, 40.0, 10.0, -30.0, -0.75),  # (10 - 40) / 40 = -0.75
            ("1108", 1, 2, -20.0, -30.0, -10.0, -0.5),  # (-30 - -20) / |-20| = -0.5: a fall
            ("0301", 1, 2, 80.0, 100.0, 20.0, 0.25),  # (100 - 80) / 80 = 0.25
        ]
    )
    pd.testing.assert_frame_equal(compute_release_diff(values), expected)


def test_whole_numbers_come_back_as_floats() -> None:
    values = _values([("0301", 1, 80), ("0301", 2, 100)])  # an integer value column
    expected = _expected([("0301", 1, 2, 80.0, 100.0, 20.0, 0.25)])  # 20 / 80 = 0.25
    pd.testing.assert_frame_equal(compute_release_diff(values), expected)


def test_equal_relative_changes_keep_figure_order() -> None:
    # 36 regions; region i goes from 10 to 10 + (i % 3) * 10: relative change 0, 1 or 2.
    # Unchanged ones drop out; among equals the order is the regions' own (a stable sort).
    codes = [f"{1000 + i}" for i in range(36)]
    rows = [(c, 1, 10.0) for c in codes] + [(c, 2, 10.0 + (i % 3) * 10.0) for i, c in enumerate(codes)]
    out = compute_release_diff(_values(rows))
    twice = [c for i, c in enumerate(codes) if i % 3 == 2]  # 10 -> 30: (30 - 10) / 10 = 2
    once = [c for i, c in enumerate(codes) if i % 3 == 1]  # 10 -> 20: (20 - 10) / 10 = 1
    assert list(out["region_code"]) == twice + once
    assert list(out["relative_change"]) == [2.0] * 12 + [1.0] * 12


def test_an_infinite_old_figure_gives_no_relative_change_and_no_warning() -> None:
    # Warnings are errors in the test run: (5 - inf) / inf must not warn.
    out = compute_release_diff(_values([("0301", 1, INF), ("0301", 2, 5.0)]))
    assert np.isnan(out.loc[0, "relative_change"]) and out.loc[0, "change"] == -INF


THREE = _values(
    [
        ("0301", 1, 10.0),
        ("0301", 2, 20.0),
        ("0301", 3, 40.0),
        ("4601", 1, 10.0),  # not in release 2 (e.g. a partial file import)
        ("4601", 3, 30.0),
        ("5001", 1, 10.0),
        ("5001", 2, 10.0),
        ("5001", 3, 10.0),  # never changed
    ]
)


def test_by_default_each_figure_newest_release_against_the_one_before() -> None:
    expected = _expected(
        [
            ("4601", 1, 3, 10.0, 30.0, 20.0, 2.0),  # (30 - 10) / 10 = 2
            ("0301", 2, 3, 20.0, 40.0, 20.0, 1.0),  # (40 - 20) / 20 = 1
        ]
    )
    pd.testing.assert_frame_equal(compute_release_diff(THREE), expected)


@pytest.mark.parametrize(
    ("old", "new", "rows"),
    [
        # 4601 is not in release 2, so it is not compared between 1 and 2.
        (1, 2, [("0301", 1, 2, 10.0, 20.0, 10.0, 1.0)]),  # (20 - 10) / 10 = 1
        (None, 2, [("0301", 1, 2, 10.0, 20.0, 10.0, 1.0)]),
        # Between 2 and 3: 4601 has no figure in 2 (release 1 lies before the range).
        (2, 3, [("0301", 2, 3, 20.0, 40.0, 20.0, 1.0)]),  # (40 - 20) / 20 = 1
        (2, None, [("0301", 2, 3, 20.0, 40.0, 20.0, 1.0)]),
    ],
)
def test_chosen_releases(old: int | None, new: int | None, rows: list[Row]) -> None:
    pd.testing.assert_frame_equal(compute_release_diff(THREE, old, new), _expected(rows))


def test_releases_far_apart_compare_the_two_chosen() -> None:
    expected = _expected(
        [
            ("0301", 1, 3, 10.0, 40.0, 30.0, 3.0),  # (40 - 10) / 10 = 3
            ("4601", 1, 3, 10.0, 30.0, 20.0, 2.0),  # (30 - 10) / 10 = 2
        ]
    )
    pd.testing.assert_frame_equal(compute_release_diff(THREE, 1, 3), expected)
