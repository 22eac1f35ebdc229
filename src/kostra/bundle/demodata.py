"""The seeded generator of demodata: plausible figures where no real one is bundled.

For every catalog indicator with a ``demo`` spec it draws, for each
municipality, a persistent level (log-normal around the indicator's national
``level``, with more spread in small municipalities), then a yearly path with
the indicator's ``trend`` and ``year_noise``. Counts are rates of a population.

Real figures always win: a municipality's path runs through its real values
(the published Bærum figures, SSB's recorded figures), and in years where a
published ASSS average, highest and lowest are known, the other members'
values are fitted (:mod:`kostra.bundle.fitting`) so that kostra's group row
reproduces the published one exactly. Every draw comes from a generator seeded
by (seed, indicator id), so adding an indicator does not change the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kostra.bundle.fitting import (
    RowTarget,
    average_interval,
    fit_group_row,
    label_interval,
)
from kostra.catalog import Catalog, DemoSpec, Indicator

ORIGIN_DEMODATA = "demodata"


@dataclass(frozen=True)
class GroupRow:
    """A published group row for one indicator and year."""

    members: tuple[str, ...]
    average: float
    highest: float
    lowest: float
    highest_label: int | None = None


@dataclass
class Inputs:
    """Everything the generator starts from."""

    codes: Sequence[str]
    years: Sequence[int]
    population: pd.DataFrame  # indicator_id, region_code, year, value (real)
    real: pd.DataFrame  # indicator_id, region_code, year, value (NaN = published as missing), origin
    group_rows: Mapping[tuple[str, int], GroupRow] = field(default_factory=dict)


def _rng(seed: int, indicator_id: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(indicator_id.encode())])


class _Matrix:
    """Values of one indicator as a municipality x year array."""

    def __init__(self, codes: Sequence[str], years: Sequence[int]) -> None:
        self.row = {c: i for i, c in enumerate(codes)}
        self.col = {y: j for j, y in enumerate(years)}

    def wide(self, long: pd.DataFrame) -> np.ndarray:
        out = np.full((len(self.row), len(self.col)), np.nan)
        rows = long["region_code"].map(self.row).to_numpy(dtype=int)
        cols = long["year"].map(self.col).to_numpy(dtype=int)
        out[rows, cols] = long["value"].to_numpy()
        return out


def _path(anchor_col: np.ndarray, anchor: np.ndarray, spec: DemoSpec, noise: np.ndarray) -> np.ndarray:
    """Yearly paths through ``anchor`` (one per row) at column ``anchor_col``."""
    n_rows, n_cols = noise.shape
    linear = spec.scale == "linear"
    out = np.empty((n_rows, n_cols))
    out[np.arange(n_rows), anchor_col] = anchor
    growth = 1.0 + spec.trend
    for j in range(n_cols - 2, -1, -1):
        if linear:
            back = out[:, j + 1] - spec.trend + noise[:, j]
        else:
            back = out[:, j + 1] / growth * np.exp(noise[:, j])
        out[:, j] = np.where(j < anchor_col, back, out[:, j])
    for j in range(1, n_cols):
        if linear:
            fwd = out[:, j - 1] + spec.trend + noise[:, j]
        else:
            fwd = out[:, j - 1] * growth * np.exp(noise[:, j])
        out[:, j] = np.where(j > anchor_col, fwd, out[:, j])
    return out


def _clip(values: np.ndarray, spec: DemoSpec, unit: str) -> np.ndarray:
    """Keep values within the spec's bounds (given for the last year and moved
    back with the trend) and within 0-100 for shares."""
    if values.ndim == 1:
        factors = np.ones(1)
    elif spec.scale == "linear":
        factors = np.ones(values.shape[1])
    else:
        factors = (1.0 + spec.trend) ** np.arange(1 - values.shape[1], 1)
    lower = -np.inf if spec.lower is None else spec.lower * factors
    upper = np.inf if spec.upper is None else spec.upper * factors
    out: np.ndarray = np.clip(values, lower, upper)
    return np.clip(out, 0.0, 100.0) if unit == "prosent" else out


class Generator:
    def __init__(self, catalog: Catalog, inputs: Inputs, seed: int) -> None:
        self.catalog = catalog
        self.inputs = inputs
        self.seed = seed
        self.grid = _Matrix(inputs.codes, inputs.years)
        self.values: dict[str, np.ndarray] = {}
        for indicator_id, part in inputs.population.groupby("indicator_id"):
            self.values[str(indicator_id)] = self.grid.wide(part)
        total = self.values["pop_total"][:, -1]
        # Small municipalities vary more: a tenth of the spread per halving of size.
        self.size_factor = np.clip((total / 20000.0) ** -0.15, 0.7, 1.8)
        self.small = total < 5000

    def run(self) -> pd.DataFrame:
        frames = []
        order = self.catalog.indicators_of(kinds=("count", "basis")) + self.catalog.indicators_of()
        for ind in order:
            if ind.demo is None:
                continue
            matrix = self._count(ind) if ind.kind == "count" else self._indicator(ind)
            self.values[ind.id] = matrix
            frames.append(self._long(ind, matrix))
        return pd.concat(frames, ignore_index=True)

    def _count(self, ind: Indicator) -> np.ndarray:
        spec = ind.demo
        if spec is None or spec.per is None:
            raise ValueError(f"{ind.id}: a count needs demo.per")
        rng = _rng(self.seed, ind.id)
        effect = rng.normal(0.0, spec.spread, len(self.grid.row)) * self.size_factor
        noise = rng.normal(0.0, spec.year_noise, (len(self.grid.row), len(self.grid.col)))
        rate = spec.level * np.exp(effect)[:, None] * np.exp(noise)
        return np.maximum(1.0, np.round(self.values[spec.per] * rate))

    def _indicator(self, ind: Indicator) -> np.ndarray:
        spec = ind.demo
        assert spec is not None
        rng = _rng(self.seed, ind.id)
        n_rows, n_cols = len(self.grid.row), len(self.grid.col)
        effect = rng.normal(0.0, spec.spread, n_rows) * self.size_factor
        noise = rng.normal(0.0, spec.year_noise, (n_rows, n_cols))
        missing = rng.random((n_rows, n_cols)) < spec.missing
        if spec.scale == "linear":
            anchor = _clip(spec.level + effect, spec, ind.unit)
        else:
            anchor = _clip(spec.level * np.exp(effect - spec.spread**2 / 2), spec, ind.unit)
        anchor_col = np.full(n_rows, n_cols - 1)

        real = self._real(ind.id)
        known = ~np.isnan(real) | self._published_missing(ind.id)
        for i in np.flatnonzero(known.any(axis=1)):
            cols = np.flatnonzero(~np.isnan(real[i]))
            if len(cols):
                anchor_col[i], anchor[i] = cols[0], real[i, cols[0]]
        fitted = self._fit_rows(ind, anchor, anchor_col)

        values = np.round(_clip(_path(anchor_col, anchor, spec, noise), spec, ind.unit), ind.decimals)
        # Fitted values must survive clipping and rounding untouched.
        values[fitted, -1] = anchor[fitted]
        values[missing & self.small[:, None]] = np.nan
        values[known] = real[known]
        return values

    def _real(self, indicator_id: str) -> np.ndarray:
        part = self.inputs.real[self.inputs.real["indicator_id"] == indicator_id]
        return self.grid.wide(part)

    def _published_missing(self, indicator_id: str) -> np.ndarray:
        part = self.inputs.real[
            (self.inputs.real["indicator_id"] == indicator_id) & self.inputs.real["value"].isna()
        ]
        mask = np.zeros((len(self.grid.row), len(self.grid.col)), dtype=bool)
        mask[
            part["region_code"].map(self.grid.row).to_numpy(dtype=int),
            part["year"].map(self.grid.col).to_numpy(dtype=int),
        ] = True
        return mask

    def _fit_rows(self, ind: Indicator, anchor: np.ndarray, anchor_col: np.ndarray) -> list[int]:
        """Set the anchors of a published group's free members so the row is met."""
        last = len(self.grid.col) - 1
        fitted_rows: list[int] = []
        for (indicator_id, year), row in self.inputs.group_rows.items():
            if indicator_id != ind.id:
                continue
            col = self.grid.col[year]
            if col != last:
                raise ValueError(f"{ind.id}: group rows are supported for {self.inputs.years[-1]}")
            real = self._real(ind.id)[:, col]
            published_missing = self._published_missing(ind.id)[:, col]
            fixed: dict[str, float | None] = {}
            proposals: dict[str, float] = {}
            for code in row.members:
                i = self.grid.row[code]
                if published_missing[i] or not np.isnan(real[i]):
                    fixed[code] = None if np.isnan(real[i]) else float(real[i])
                else:
                    proposals[code] = float(anchor[i])
            weights = self._weights(ind, row.members, col)
            target = self._target(ind, row)
            fitted = fit_group_row(fixed, proposals, weights, target)
            for code, value in fitted.items():
                i = self.grid.row[code]
                anchor[i], anchor_col[i] = value, col
                fitted_rows.append(i)
        return fitted_rows

    def _weights(self, ind: Indicator, members: Sequence[str], col: int) -> dict[str, float]:
        if ind.average == "unweighted" or ind.weight is None:
            return {c: 1.0 for c in members}
        weight = self.values[ind.weight]
        return {c: float(weight[self.grid.row[c], col]) for c in members}

    @staticmethod
    def _target(ind: Indicator, row: GroupRow) -> RowTarget:
        low, high = average_interval(row.average, ind.decimals)
        if row.highest_label is not None:
            label_low, label_high = label_interval(row.highest, row.highest_label)
            low, high = max(low, label_low), min(high, label_high)
            if low >= high:
                raise ValueError(f"{ind.id}: published average and index label disagree")
        return RowTarget(low, high, row.highest, row.lowest, ind.decimals)

    def _long(self, ind: Indicator, matrix: np.ndarray) -> pd.DataFrame:
        codes = np.array(list(self.grid.row))
        years = np.array(list(self.grid.col))
        values = matrix.ravel()
        frame = pd.DataFrame(
            {
                "indicator_id": ind.id,
                "region_code": np.repeat(codes, len(years)),
                "year": np.tile(years, len(codes)),
                "value": values,
                "status": pd.Series(np.where(np.isnan(values), "..", ""), dtype=object).replace("", None),
                "origin": ORIGIN_DEMODATA,
            }
        )
        real = self.inputs.real.loc[
            self.inputs.real["indicator_id"] == ind.id, ["region_code", "year", "origin"]
        ]
        if len(real):
            frame = frame.drop(columns="origin").merge(real, on=["region_code", "year"], how="left")
            frame["origin"] = frame["origin"].fillna(ORIGIN_DEMODATA)
        return frame


def generate(catalog: Catalog, inputs: Inputs, seed: int) -> pd.DataFrame:
    """All generated and real indicator figures as one long frame with an ``origin``."""
    return Generator(catalog, inputs, seed).run()
