"""Population by the target groups KOSTRA divides by, from SSB's table 07459.

The shared file holds residents on 1 January by single year of age on 2024
borders. KOSTRA's per-inhabitant figures for year Y divide by residents at the
end of Y, so the value stored for year Y is the count on 1 January Y+1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

# indicator id -> (lowest age, highest age); 200 means "and older".
AGE_BANDS: Final[dict[str, tuple[int, int]]] = {
    "pop_total": (0, 200),
    "pop_0_5": (0, 5),
    "pop_1_2": (1, 2),
    "pop_1_5": (1, 5),
    "pop_3_5": (3, 5),
    "pop_6_9": (6, 9),
    "pop_6_15": (6, 15),
    "pop_0_17": (0, 17),
    "pop_0_20": (0, 20),
    "pop_0_22": (0, 22),
    "pop_0_24": (0, 24),
    "pop_6_20": (6, 20),
    "pop_0_66": (0, 66),
    "pop_18p": (18, 200),
    "pop_18_24": (18, 24),
    "pop_18_66": (18, 66),
    "pop_18_67": (18, 67),
    "pop_20_66": (20, 66),
    "pop_25_66": (25, 66),
    "pop_67p": (67, 200),
    "pop_80p": (80, 200),
}


def read_population(shared: Path, years: range) -> pd.DataFrame:
    """Long frame: indicator_id, region_code, year, value (residents at the end of year)."""
    raw = pd.read_csv(
        shared / "population" / "population_municip_b2024_by_age_2005_2036.csv.gz",
        dtype={"kommunenummer": str},
    )
    raw = raw[raw["calyear"].isin([y + 1 for y in years])]
    if raw["imputed"].any():
        raise ValueError("population for the bundled years must be observed, not projected")
    frames = []
    for indicator_id, (low, high) in AGE_BANDS.items():
        band = raw[(raw["age"] >= low) & (raw["age"] <= high)]
        summed = band.groupby(["kommunenummer", "calyear"], as_index=False)["pop_jan1_n"].sum()
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": indicator_id,
                    "region_code": summed["kommunenummer"],
                    "year": summed["calyear"] - 1,
                    "value": summed["pop_jan1_n"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
