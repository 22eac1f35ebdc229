"""Method 7 of KOSTRA.md: time series against peers and groups.

Kroner can be shown in fixed prices (the municipal deflator) and adjusted for
expenditure need (divided by the need index); either marks the series "(B)",
as published reports do. Changes are in percent for amounts and in percentage
points for shares (unit "prosent").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["SERIES_COLUMNS", "compute_series", "is_share"]

SERIES_COLUMNS = ("series", "year", "value", "change", "change_unit", "adjusted")


def is_share(unit: str) -> bool:
    return unit == "prosent"


def compute_series(
    values: pd.DataFrame,
    unit: str,
    factors: Mapping[int, float] | None = None,
    need: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """values: series, year, value. need: series, year, need_index (kroner only)."""
    out = values.loc[:, ["series", "year", "value"]].copy().sort_values(["series", "year"])
    adjusted = False
    if unit == "kroner" and factors is not None:
        out["value"] = out["value"] * out["year"].map(factors)
        adjusted = True
    if unit == "kroner" and need is not None:
        out = out.merge(need.loc[:, ["series", "year", "need_index"]], on=["series", "year"], how="left")
        out["value"] = out["value"] / out["need_index"].where(out["need_index"] > 0)
        out = out.drop(columns="need_index")
        adjusted = True
    previous = out.groupby("series", sort=False)["value"].shift(1)
    previous_year = out.groupby("series", sort=False)["year"].shift(1)
    consecutive = (out["year"] - previous_year) == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        change = out["value"] - previous if is_share(unit) else (out["value"] / previous - 1.0) * 100.0
    out["change"] = change.where(consecutive)
    out["change_unit"] = "prosentpoeng" if is_share(unit) else "prosent"
    out["adjusted"] = adjusted
    return out.reset_index(drop=True).loc[:, list(SERIES_COLUMNS)]
