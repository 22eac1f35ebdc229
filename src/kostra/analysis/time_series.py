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
    unit: str | Mapping[str, str],
    factors: Mapping[int, float] | None = None,
    need: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """values: series, year, value (and indicator_id when ``unit`` maps indicators to units).
    need: series, year, need_index (applied to kroner only)."""
    keys = ["indicator_id", "series"] if "indicator_id" in values else ["series"]
    out = values.loc[:, [*keys, "year", "value"]].copy().sort_values([*keys, "year"], kind="stable")
    units = out["indicator_id"].map(unit) if isinstance(unit, Mapping) else pd.Series(unit, index=out.index)
    kroner = (units == "kroner").to_numpy()
    adjusted = np.zeros(len(out), dtype=bool)
    if factors is not None:
        out["value"] = np.where(kroner, out["value"] * out["year"].map(factors), out["value"])
        adjusted |= kroner
    if need is not None:
        merged = out.merge(need.loc[:, ["series", "year", "need_index"]], on=["series", "year"], how="left")
        index = merged["need_index"].where(merged["need_index"] > 0).to_numpy()
        out["value"] = np.where(kroner, out["value"].to_numpy() / index, out["value"].to_numpy())
        adjusted |= kroner
    grouped = out.groupby(keys, sort=False)
    previous = grouped["value"].shift(1)
    consecutive = (out["year"] - grouped["year"].shift(1)) == 1
    share = (units == "prosent").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(share, out["value"] - previous, (out["value"] / previous - 1.0) * 100.0)
    # A percent change from zero has no value; showing it as infinite helps nobody.
    out["change"] = pd.Series(change, index=out.index).where(consecutive & np.isfinite(change))
    out["change_unit"] = np.where(share, "prosentpoeng", "prosent")
    out["adjusted"] = adjusted
    columns = [*(["indicator_id"] if "indicator_id" in keys else []), *SERIES_COLUMNS]
    return out.reset_index(drop=True).loc[:, columns]
