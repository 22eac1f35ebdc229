"""Method 2: the service profile (compute_profile) as whole frames written by hand.

The group statistics are given by hand too (they are compute_group_stats' output, pinned in
test_group_average.py), so every number below is one division away from the inputs.
"""

from __future__ import annotations

import math

import pandas as pd

from kostra.analysis.service_profile import PROFILE_YEARS, compute_profile, value_column
from kostra.catalog import Indicator

NAN = math.nan

# x: a weighted figure with weight w; r: a ready-made ratio (*) that names a weight all the same,
# which the profile must not show as its weight.
INDICATORS = [
    Indicator(
        id="x",
        name_nb="Netto driftsutgifter per innbygger",
        sector="s",
        group="Prioritering og behov",
        unit="kroner",
        decimals=0,
        average="weighted",
        weight="w",
    ),
    Indicator(
        id="r", name_nb="Andel", sector="s", unit="prosent", decimals=1, average="unweighted", weight="w"
    ),
]
SUBJECTS = pd.DataFrame({"region_code": ["A", "B"], "group_key": ["g", "h"]})

# The columns of a profile, in order.
COLUMNS = [
    "year",
    "region_code",
    "indicator_id",
    "indicator_group",
    "indicator",
    "unit",
    "decimals",
    "average_rule",
    "weight",
    "value_2",
    "value_1",
    "value_0",
    "group_average",
    "group_highest",
    "group_lowest",
    "highest_region",
    "lowest_region",
    "members",
    "members_with_data",
    "members_without_weight",
    "index",
    "index_highest",
    "index_lowest",
    "index_previous",
    "demodata",
]
# What each row of the profile says about its indicator (the catalog's columns).
X = ("x", "Prioritering og behov", "Netto driftsutgifter per innbygger", "kroner", 0, "weighted", "w")
R = ("r", None, "Andel", "prosent", 1, "unweighted", None)


def _values(rows: list[tuple[str, str, int, float]], demodata: tuple[int, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "region_code", "year", "value"])
    kinds = ["demodata" if i in demodata else "file" for i in range(len(rows))]
    return frame.assign(release_kind=kinds)


def _stats(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """(group_key, indicator_id, year, average, highest, lowest, highest_region, lowest_region,
    members, members_with_data, members_without_weight, demodata)"""
    columns = [
        "group_key",
        "indicator_id",
        "year",
        "average",
        "highest",
        "lowest",
        "highest_region",
        "lowest_region",
        "members",
        "members_with_data",
        "members_without_weight",
        "demodata",
    ]
    return pd.DataFrame(rows, columns=columns)


def _expected(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype(
        {
            "year": "int64",
            "decimals": "int64",
            **{c: "float64" for c in ("value_2", "value_1", "value_0", "group_average")},
            **{c: "float64" for c in ("group_highest", "group_lowest", "index", "index_highest")},
            **{c: "float64" for c in ("index_lowest", "index_previous")},
            **{c: "int64" for c in ("members", "members_with_data", "members_without_weight")},
            "demodata": "bool",
        }
    )


# A (group g): x 10, 20, 30, 40 in 2021-2024; r only 5 in 2024.
# B (group h): x 60 in 2022 and 80 in 2024 (none in 2023); r 2 in 2023 and 3 in 2024.
VALUES = _values(
    [
        ("x", "A", 2021, 10.0),
        ("x", "A", 2022, 20.0),
        ("x", "A", 2023, 30.0),
        ("x", "A", 2024, 40.0),
        ("r", "A", 2024, 5.0),
        ("x", "B", 2022, 60.0),
        ("x", "B", 2024, 80.0),
        ("r", "B", 2023, 2.0),
        ("r", "B", 2024, 3.0),
    ]
)
STATS = _stats(
    [
        ("g", "x", 2022, 25.0, 50.0, 10.0, "H0", "L0", 4, 4, 0, False),
        ("g", "x", 2023, 60.0, 90.0, 30.0, "H1", "L1", 4, 3, 1, False),
        ("g", "x", 2024, 50.0, 120.0, 20.0, "H2", "L2", 4, 4, 0, False),
        ("g", "r", 2023, 2.0, 3.0, 1.0, "H3", "L3", 4, 2, 0, False),
        ("g", "r", 2024, 4.0, 8.0, 2.0, "H4", "L4", 4, 4, 0, False),
        ("h", "x", 2022, 30.0, 60.0, 10.0, "H8", "L8", 2, 2, 0, False),
        ("h", "x", 2023, 50.0, 70.0, 25.0, "H5", "L5", 2, 2, 0, False),
        ("h", "x", 2024, 100.0, 160.0, 40.0, "H6", "L6", 2, 2, 0, False),
        ("h", "r", 2024, 2.0, 3.0, 1.0, "H7", "L7", 2, 1, 0, True),
        # (h has no r for 2023)
    ]
)
# fmt: off
EXPECTED = _expected(
    [
        # -- 2023 (values 2021, 2022, 2023) --
        # A x: index 100*30/60 = 50; highest 100*90/60 = 150; lowest 100*30/60 = 50;
        # previous 100*20/25 = 80 (A's 2022 over g's 2022 average)
        (2023, "A", *X, 10.0, 20.0, 30.0, 60.0, 90.0, 30.0, "H1", "L1", 4, 3, 1,
         50.0, 150.0, 50.0, 80.0, False),
        # A r: no value, so no index; highest 100*3/2 = 150, lowest 100*1/2 = 50
        (2023, "A", *R, NAN, NAN, NAN, 2.0, 3.0, 1.0, "H3", "L3", 4, 2, 0,
         NAN, 150.0, 50.0, NAN, False),
        # B x: no 2023 value; highest 100*70/50 = 140, lowest 100*25/50 = 50;
        # previous 100*60/30 = 200
        (2023, "B", *X, NAN, 60.0, NAN, 50.0, 70.0, 25.0, "H5", "L5", 2, 2, 0,
         NAN, 140.0, 50.0, 200.0, False),
        # B r: h has no statistics for r in 2023: no average, members 0, no indices
        (2023, "B", *R, NAN, NAN, 2.0, NAN, NAN, NAN, None, None, 0, 0, 0,
         NAN, NAN, NAN, NAN, False),
        # -- 2024 (values 2022, 2023, 2024) --
        # A x: index 100*40/50 = 80; highest 100*120/50 = 240; lowest 100*20/50 = 40;
        # previous 100*30/60 = 50 (last year's average 60, not this year's 50: that would be 60)
        (2024, "A", *X, 20.0, 30.0, 40.0, 50.0, 120.0, 20.0, "H2", "L2", 4, 4, 0,
         80.0, 240.0, 40.0, 50.0, False),
        # A r: index 100*5/4 = 125; highest 100*8/4 = 200; lowest 100*2/4 = 50; no 2023 value
        (2024, "A", *R, NAN, NAN, 5.0, 4.0, 8.0, 2.0, "H4", "L4", 4, 4, 0,
         125.0, 200.0, 50.0, NAN, False),
        # B x: index 100*80/100 = 80; highest 160; lowest 40; no 2023 value: no previous
        (2024, "B", *X, 60.0, NAN, 80.0, 100.0, 160.0, 40.0, "H6", "L6", 2, 2, 0,
         80.0, 160.0, 40.0, NAN, False),
        # B r: index 100*3/2 = 150; highest 100*3/2 = 150; lowest 100*1/2 = 50; previous: B had
        # 2 in 2023 but h had no 2023 average: none. The group figure is demodata.
        (2024, "B", *R, NAN, 2.0, 3.0, 2.0, 3.0, 1.0, "H7", "L7", 2, 1, 0,
         150.0, 150.0, 50.0, NAN, True),
    ]
)
# fmt: on


def test_value_columns_are_named_by_years_back() -> None:
    assert PROFILE_YEARS == 3
    assert [value_column(k) for k in (0, 1, 2)] == ["value_0", "value_1", "value_2"]


def test_two_subjects_two_years_whole_frame_by_hand() -> None:
    profile = compute_profile(INDICATORS, VALUES, STATS, SUBJECTS, [2023, 2024])
    pd.testing.assert_frame_equal(profile, EXPECTED)


def test_one_year_is_the_same_rows() -> None:
    profile = compute_profile(INDICATORS, VALUES, STATS, SUBJECTS, [2024])
    pd.testing.assert_frame_equal(profile, EXPECTED.iloc[4:].reset_index(drop=True))
    profile = compute_profile(INDICATORS, VALUES, STATS, SUBJECTS, [2023])
    pd.testing.assert_frame_equal(profile, EXPECTED.iloc[:4])


def test_figures_outside_the_profile_change_nothing() -> None:
    # Added after the real rows, so that any of them read by mistake would overwrite one:
    # a figure not in the profile, years before and after the three-year window, a region
    # that is not a subject, and statistics of a group no subject is compared with.
    values = pd.concat(
        [
            VALUES,
            _values(
                [
                    ("q", "A", 2024, 999.0),
                    ("x", "A", 2020, 999.0),
                    ("x", "B", 2025, 999.0),
                    ("x", "Z", 2024, 999.0),
                    ("r", "Z", 2023, 999.0),
                ],
                demodata=(0, 1, 2, 3, 4),
            ),
        ],
        ignore_index=True,
    )
    stats = pd.concat(
        [
            STATS,
            _stats(
                [
                    ("zz", "r", 2024, 999.0, 999.0, 999.0, "Z", "Z", 9, 9, 9, True),
                    ("g", "q", 2024, 999.0, 999.0, 999.0, "Z", "Z", 9, 9, 9, True),
                    ("g", "x", 2020, 999.0, 999.0, 999.0, "Z", "Z", 9, 9, 9, True),
                ]
            ),
        ],
        ignore_index=True,
    )
    profile = compute_profile(INDICATORS, values, stats, SUBJECTS, [2023, 2024])
    pd.testing.assert_frame_equal(profile, EXPECTED)


def test_demodata_within_the_three_years_shown() -> None:
    # Profiles for 2023 (years 2021-2023 shown) and 2024 (2022-2024). Group statistics plain.
    # x: only the 2021 value is demodata  -> 2023 flagged, 2024 not (2021 is not shown)
    # r: only the 2024 value is demodata  -> 2024 flagged, 2023 not (2024 is not shown yet)
    # y: no own values; the group's 2024 figure is demodata -> 2024 flagged, 2023 not
    indicators = [
        Indicator(id=i, name_nb=i.upper(), sector="s", unit="kroner", decimals=2, average="unweighted")
        for i in ("x", "r", "y")
    ]
    values = _values(
        [
            ("x", "A", 2021, 1.0),
            ("x", "A", 2022, 2.0),
            ("x", "A", 2023, 3.0),
            ("x", "A", 2024, 4.0),
            ("r", "A", 2022, 2.0),
            ("r", "A", 2024, 4.0),
        ],
        demodata=(0, 5),
    )
    stats = _stats(
        [
            ("g", i, year, 2.0, 4.0, 1.0, "A", "A", 1, 1, 0, i == "y" and year == 2024)
            for i in ("x", "r", "y")
            for year in (2022, 2023, 2024)
        ]
    )
    subjects = pd.DataFrame({"region_code": ["A"], "group_key": ["g"]})
    profile = compute_profile(indicators, values, stats, subjects, [2023, 2024])
    assert profile[["year", "indicator_id", "demodata"]].values.tolist() == [
        [2023, "x", True],
        [2023, "r", False],
        [2023, "y", False],
        [2024, "x", False],
        [2024, "r", True],
        [2024, "y", True],
    ]
    # and the values behind them: x 2023 shows 1, 2, 3; r 2024 shows 2, none, 4;
    # index of x in 2024: 100*4/2 = 200; previous 100*3/2 = 150
    x24 = profile.iloc[3]
    assert [x24["value_2"], x24["value_1"], x24["value_0"]] == [2.0, 3.0, 4.0]
    assert (x24["index"], x24["index_previous"]) == (200.0, 150.0)
    assert profile.iloc[0][["value_2", "value_1", "value_0"]].tolist() == [1.0, 2.0, 3.0]
    r24 = profile.iloc[4]
    assert r24["value_2"] == 2.0 and math.isnan(r24["value_1"]) and r24["value_0"] == 4.0


def test_two_subjects_of_one_group_and_subjects_in_their_own_order() -> None:
    # B first, then A, both compared with g: rows follow the subjects as given.
    subjects = pd.DataFrame({"region_code": ["B", "A"], "group_key": ["g", "g"]})
    profile = compute_profile(INDICATORS[:1], VALUES, STATS, subjects, [2024])
    # B x 2024 against g: 100*80/50 = 160; A: 100*40/50 = 80
    assert profile["region_code"].tolist() == ["B", "A"]
    assert profile["index"].tolist() == [160.0, 80.0]
    assert profile["group_average"].tolist() == [50.0, 50.0]


def test_a_group_average_of_zero_gives_no_index_and_no_warning() -> None:
    # g's average, highest and lowest are all 0 (a figure nobody in the group has, e.g. a share
    # of 0 %). A has 0, B has 5. 0/0 and 5/0 are no index; the run must not warn (warnings are
    # errors in the test run), and nothing else in the rows is touched.
    indicators = INDICATORS[1:]
    values = _values(
        [("r", "A", 2023, 0.0), ("r", "A", 2024, 0.0), ("r", "B", 2023, 5.0), ("r", "B", 2024, 5.0)]
    )
    stats = _stats([("g", "r", year, 0.0, 0.0, 0.0, "A", "A", 2, 2, 0, False) for year in (2023, 2024)])
    subjects = pd.DataFrame({"region_code": ["A", "B"], "group_key": ["g", "g"]})
    profile = compute_profile(indicators, values, stats, subjects, [2024])
    a, b = profile.iloc[0], profile.iloc[1]
    for column in ("index", "index_highest", "index_lowest", "index_previous"):
        assert math.isnan(a[column])  # 0 / 0
    # B: 5 / 0 has no index either (not an infinite one), this year or last
    assert math.isnan(b["index"]) and math.isnan(b["index_previous"])
    assert math.isnan(b["index_highest"]) and math.isnan(b["index_lowest"])
    assert [b["value_1"], b["value_0"], b["group_average"]] == [5.0, 5.0, 0.0]


def test_values_and_statistics_as_categories_are_the_same_profile() -> None:
    # A first all_profiles call reads its text as categories: the same profile, whole.
    text = ["indicator_id", "region_code", "release_kind"]
    values = VALUES.astype(dict.fromkeys(text, "category"))
    stats = STATS.astype(dict.fromkeys(["group_key", "indicator_id"], "category"))
    profile = compute_profile(INDICATORS, values, stats, SUBJECTS, [2023, 2024])
    pd.testing.assert_frame_equal(profile, EXPECTED)


def test_text_columns_with_nothing_in_them_stay_as_pandas_makes_them() -> None:
    # Only ready-made ratios: no weight column to show, and no statistics at all: the
    # columns are all missing, typed as pandas types a column of None (as before).
    indicators = INDICATORS[1:]
    profile = compute_profile(indicators, VALUES, STATS.iloc[:0], SUBJECTS, [2024])
    none = pd.Series([None]).dtype
    for column in ("weight", "highest_region", "lowest_region"):
        assert profile[column].isna().all() and profile[column].dtype == none
    assert profile["indicator_id"].tolist() == ["r", "r"]
    assert profile["indicator_id"].dtype == pd.Series(["r"]).dtype
