"""The municipalities of each year, as Norway counted them (SSB/KLASS 131: 428 in 2015 and
2016, 426 in 2017, 422 in 2018 and 2019, 356 from 2020, 357 from 2024), so that SSB's
aggregates of a year can be recomputed from that year's municipalities."""

from __future__ import annotations

import pandas as pd
import pytest

from kostra.sources.bundled import read_bundled_csv

REGIONS = read_bundled_csv("regions.csv")


@pytest.mark.parametrize(
    ("year", "count"),
    [(2015, 428), (2016, 428), (2017, 426), (2018, 422), (2019, 422), (2020, 356), (2023, 356), (2024, 357)],
)
def test_number_of_municipalities_in_each_year(year: int, count: int) -> None:
    municipalities = REGIONS[REGIONS["kind"] == "municipality"]
    valid = municipalities[
        (municipalities["valid_from"].fillna(0) <= year) & (municipalities["valid_to"].fillna(9999) >= year)
    ]
    assert len(valid) == count


def test_the_2020_splits_lead_to_their_parts_not_to_an_unknown_number() -> None:
    succession = read_bundled_csv("region_succession.csv")
    assert "9999" not in set(succession["new_code"])
    onward = succession.groupby("old_code")["new_code"].apply(set)
    assert onward["5012"] == {"5055", "5056", "5059"}  # Snillfjord
    assert onward["1850"] == {"1806", "1875"}  # Tysfjord
    assert pd.isna(REGIONS.set_index("code").loc["1103", "valid_from"])  # Stavanger kept its number
