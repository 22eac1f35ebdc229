"""Figures computed from other figures: the catalog's formulas, evaluated.

A :class:`kostra.catalog.Formula` reads other catalog figures::

    value = factor * (sum(numerator) - sum(minus)) / denominator

and, with ``relative_to``, divides each year's value by its unweighted mean over the
group's members with a value (KS' resource use indicator, where the ASSS average is 1).

A value is missing when any input is: SSB's symbols for suppressed or missing figures are
never read as zero, and a denominator of zero or less gives no value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from kostra.catalog import Formula

__all__ = ["evaluate", "evaluate_frame", "ratio"]


def ratio(formula: Formula, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """``factor * (sum(numerator) - sum(minus)) / denominator`` element by element, before
    any ``relative_to`` (the resource use indicator's ``r``). Every input is an array of
    the same shape."""
    total = np.sum([values[i] for i in formula.numerator], axis=0)
    if formula.minus:
        total = total - np.sum([values[i] for i in formula.minus], axis=0)
    if formula.denominator is None:
        return np.asarray(formula.factor * total, dtype=float)
    denominator = np.asarray(values[formula.denominator], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = formula.factor * total / np.where(denominator > 0, denominator, np.nan)
    return np.asarray(out, dtype=float)


def evaluate(
    formula: Formula, values: Mapping[str, np.ndarray], members: np.ndarray | None = None
) -> np.ndarray:
    """The formula over arrays of regions x years. ``members`` (a boolean array of the same
    shape) marks the group's members in each year; it is required with ``relative_to``."""
    out = ratio(formula, values)
    if formula.relative_to is None:
        return out
    if members is None:
        raise ValueError(f"formula relative to {formula.relative_to} needs the group's members")
    counted = members & ~np.isnan(out)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(counted, out, 0.0).sum(axis=0) / counted.sum(axis=0)
        return np.asarray(out / np.where(mean > 0, mean, np.nan), dtype=float)


def evaluate_frame(
    formula: Formula,
    figures: pd.DataFrame,
    members_by_year: Mapping[int, Collection[str]] | None = None,
) -> pd.DataFrame:
    """The formula over long figures (``indicator_id, region_code, year, value``): one row
    per region and year where every input has a value (``region_code, year, value``)."""
    columns = ["region_code", "year", "value"]
    used = figures[figures["indicator_id"].isin(formula.inputs)]
    if used.empty:
        return pd.DataFrame(columns=columns)
    wide = used.pivot_table(
        index=["region_code", "year"], columns="indicator_id", values="value", aggfunc="first", dropna=False
    )
    arrays = {
        i: (wide[i].to_numpy(dtype=float) if i in wide.columns else np.full(len(wide), np.nan))
        for i in formula.inputs
    }
    keys = wide.index.to_frame(index=False)
    members = None
    if formula.relative_to is not None:
        chosen = members_by_year or {}
        members = np.array(
            [
                code in chosen.get(int(year), ())
                for code, year in zip(keys["region_code"], keys["year"], strict=True)
            ]
        )
        # Evaluate year by year: the mean runs over one year's members.
        values = np.full(len(keys), np.nan)
        for year in keys["year"].unique():
            rows = (keys["year"] == year).to_numpy()
            part = {i: a[rows][:, None] for i, a in arrays.items()}
            values[rows] = evaluate(formula, part, members[rows][:, None])[:, 0]
    else:
        values = evaluate(formula, {i: a[:, None] for i, a in arrays.items()})[:, 0]
    out = keys.assign(value=values)
    return out[out["value"].notna()].reset_index(drop=True)[columns]
