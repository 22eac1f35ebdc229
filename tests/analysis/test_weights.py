"""Population weights on a year's own borders, pinned to the real succession of
municipalities (src/kostra/data/region_succession.csv, from KLASS 131 changes)."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.analysis.weights import year_border_weights
from kostra.sources.bundled import read_bundled_csv

SUCCESSION = read_bundled_csv("region_succession.csv")

POPULATION = pd.DataFrame(
    [
        ("pop_total", "3201", 2019, 128_000.0),  # today's Bærum, counted for 2019
        ("pop_total", "3203", 2019, 94_000.0),  # today's Asker = Asker + Røyken + Hurum of 2019
        ("pop_total", "0220", 2019, 61_500.0),  # Asker 2019 on its own, as an SSB table gives it
        ("pop_total", "1508", 2023, 57_000.0),  # Ålesund from 2024
        ("pop_total", "1580", 2023, 9_300.0),  # Haram from 2024
        ("pop_total", "3201", 2023, 130_900.0),
        ("pop_total", "5001", 2019, 212_000.0),  # today's Trondheim = Trondheim + Klæbu of 2019
        ("pop_80p", "3201", 2023, 7_100.0),
    ],
    columns=["indicator_id", "region_code", "year", "value"],
)


def _weights(*needed: tuple[str, str, int]) -> pd.DataFrame:
    frame = pd.DataFrame(list(needed), columns=["weight_id", "region_code", "year"])
    return year_border_weights(frame, POPULATION, SUCCESSION).set_index(["weight_id", "region_code", "year"])


@pytest.mark.parametrize(
    ("code", "year", "value", "how"),
    [
        # renumbered twice, same land: 0219 (-2019) -> 3024 (2020-2023) -> 3201 (2024-)
        ("0219", 2019, 128_000.0, "successors"),
        ("3024", 2023, 130_900.0, "successors"),
        # split in 2024: Ålesund 2020-2023 is today's Ålesund plus Haram
        ("1507", 2023, 66_300.0, "successors"),
        # its own figure where the store has one
        ("0220", 2019, 61_500.0, "own"),
        ("3201", 2023, 130_900.0, "own"),
    ],
)
def test_a_weight_follows_the_land(code: str, year: int, value: float, how: str) -> None:
    row = _weights(("pop_total", code, year)).loc[("pop_total", code, year)]
    assert (row["value"], row["how"]) == (value, how)


@pytest.mark.parametrize(
    ("code", "year"),
    [
        ("0627", 2019),  # Røyken merged into Asker in 2020: only part of 3203
        ("1504", 2019),  # Ålesund 2019 merged into 1507 (2020), which split again in 2024
        ("5012", 2019),  # Snillfjord, divided between three municipalities in 2020
        ("3024", 2022),  # no population of 3201 for 2022 in this frame: never a guess
        # Klæbu merged into 5001 Trondheim in 2020, and 5001 itself continued (Trondheim
        # since 2018): today's 5001 is Trondheim plus Klæbu, so Klæbu's 2019 weight is not
        # today's Trondheim's 212 000
        ("5030", 2019),
    ],
)
def test_a_part_of_a_later_merger_has_no_weight_unless_the_store_has_its_own(code: str, year: int) -> None:
    row = _weights(("pop_total", code, year)).loc[("pop_total", code, year)]
    assert row["how"] == "missing" and pd.isna(row["value"])


def test_each_weight_series_is_looked_up_separately() -> None:
    out = _weights(("pop_80p", "3024", 2023), ("pop_80p", "1507", 2023))
    assert out.loc[("pop_80p", "3024", 2023), "value"] == 7_100.0
    assert out.loc[("pop_80p", "1507", 2023), "how"] == "missing"  # no pop_80p for 1508/1580


def test_every_row_is_answered_after_one_the_store_has() -> None:
    # the first row is the store's own figure; the ones after it still get theirs
    out = _weights(("pop_total", "3201", 2023), ("pop_total", "0219", 2019), ("pop_total", "0627", 2019))
    assert list(out["how"]) == ["own", "successors", "missing"]
    assert list(out["value"].iloc[:2]) == [130_900.0, 128_000.0]


def test_the_region_table_decides_whether_a_number_continued_through_a_merger() -> None:
    # "A" is the only number merged into "N" in 2020. Without a region table a merger with
    # one listed part means N itself was the other part (as 5001 Trondheim took in Klæbu),
    # so A 2019 is only part of today's N: no weight. The region table says N was new in
    # 2020, so A 2019 is all of today's N: N's population, 5 000.
    succession = pd.DataFrame([("A", "N", 2020, "merged")], columns=["old_code", "new_code", "year", "kind"])
    population = pd.DataFrame(
        [("pop_total", "N", 2019, 5_000.0)], columns=["indicator_id", "region_code", "year", "value"]
    )
    regions = pd.DataFrame(
        [("A", None, 2019.0), ("N", 2020.0, None)], columns=["code", "valid_from", "valid_to"]
    )
    needed = pd.DataFrame([("pop_total", "A", 2019)], columns=["weight_id", "region_code", "year"])
    without = year_border_weights(needed, population, succession).iloc[0]
    assert without["how"] == "missing" and pd.isna(without["value"])
    with_table = year_border_weights(needed, population, succession, regions).iloc[0]
    assert (with_table["how"], with_table["value"]) == ("successors", 5_000.0)


def test_the_whole_frame_in_the_order_asked_and_a_missing_value_is_no_figure() -> None:
    # C split in 2022 into D and M; M also took in E. D and M both have populations for 2021
    # (as on today's borders), but M's holds E's people too: C's 2021 weight is missing, not
    # D + M. G split into H and J, which took in nothing else: H + J = 300 + 200 = 500.
    # K's own 2021 figure is SSB's ".." (no value): it is no figure, and K became L: L's 100.
    succession = pd.DataFrame(
        [
            ("C", "D", 2022, "split"),
            ("C", "M", 2022, "split"),
            ("E", "M", 2022, "merged"),
            ("G", "H", 2022, "split"),
            ("G", "J", 2022, "split"),
            ("K", "L", 2022, "renumbered"),
            ("P", "Q", 2022, "split"),
            ("P", "R", 2022, "split"),
        ],
        columns=["old_code", "new_code", "year", "kind"],
    )
    population = pd.DataFrame(
        [
            ("pop_total", "D", 2021, 1_000.0),
            ("pop_total", "M", 2021, 2_000.0),
            ("pop_total", "H", 2021, 300.0),
            ("pop_total", "J", 2021, 200.0),
            ("pop_total", "K", 2021, float("nan")),
            ("pop_total", "L", 2021, 100.0),
            ("pop_total", "E", 2021, 50.0),
            ("pop_total", "Q", 2021, 10.0),  # and none for R: P's weight is missing, not 10
        ],
        columns=["indicator_id", "region_code", "year", "value"],
    )
    needed = pd.DataFrame(
        [("pop_total", c, 2021) for c in ["C", "G", "K", "E", "P"]],
        columns=["weight_id", "region_code", "year"],
    )
    expected = pd.DataFrame(
        {
            "weight_id": ["pop_total"] * 5,
            "region_code": ["C", "G", "K", "E", "P"],
            "year": [2021] * 5,
            "value": [float("nan"), 500.0, 100.0, 50.0, float("nan")],
            "how": ["missing", "successors", "successors", "own", "missing"],
        }
    )
    pd.testing.assert_frame_equal(year_border_weights(needed, population, succession), expected)
    empty = year_border_weights(needed.iloc[:0], population, succession)
    assert list(empty.columns) == ["weight_id", "region_code", "year", "value", "how"] and empty.empty
