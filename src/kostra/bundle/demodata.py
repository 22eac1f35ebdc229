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

Figures the catalog defines by a formula are not drawn but computed from their
generated inputs, as kostra computes them from SSB's. Where such a figure is
published (Bærum's, or a fitted group row), the inputs are solved for it
(:func:`_solve_cell`): the numerator's drawn parts are scaled, or else the
denominator, so that the formula over the bundled inputs gives the published
figure. The resource use indicator and the need-adjusted spending therefore rest
on the same net spending and need, and agree with what KS published.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kostra.analysis.formulas import evaluate, ratio
from kostra.bundle.fitting import (
    RowTarget,
    average_interval,
    fit_group_row,
    label_interval,
)
from kostra.catalog import Catalog, DemoSpec, Indicator, Member

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
    # group id -> its members by year, for formulas relative to a group
    group_members: Mapping[str, Sequence[Member]] = field(default_factory=dict)


class SolveError(ValueError):
    """A formula's inputs cannot be set so that it gives the published figure."""


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
    if unit != "prosent":
        return out
    # A share stays within 0-100 unless the spec says otherwise: percent of income can be
    # negative (netto driftsresultat) or several hundred (langsiktig gjeld).
    share: np.ndarray = np.clip(
        out, 0.0 if spec.lower is None else -np.inf, 100.0 if spec.upper is None else np.inf
    )
    return share


class Generator:
    def __init__(
        self, catalog: Catalog, inputs: Inputs, seed: int, start: Mapping[str, np.ndarray] | None = None
    ) -> None:
        self.catalog = catalog
        self.inputs = inputs
        self.seed = seed
        # Drawn counts and basis figures to start from instead of drawing (see generate()).
        self.start = dict(start or {})
        self.grid = _Matrix(inputs.codes, inputs.years)
        self.values: dict[str, np.ndarray] = {}
        for indicator_id, part in inputs.population.groupby("indicator_id"):
            self.values[str(indicator_id)] = self.grid.wide(part)
        total = self.values["pop_total"][:, -1]
        # Small municipalities vary more: a tenth of the spread per halving of size.
        self.size_factor = np.clip((total / 20000.0) ** -0.15, 0.7, 1.8)
        self.small = total < 5000
        # Inputs already solved for a published figure, per indicator: a municipality x
        # year mask of the cells no later formula may move.
        self.pinned: dict[str, np.ndarray] = {}
        # Per derived figure: the published (or fitted) values it was solved for, and the
        # cells published as missing.
        self.targets: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}
        self.member_masks: dict[str, np.ndarray] = {}

    def run(self) -> pd.DataFrame:
        order = self.catalog.indicators_of(kinds=("count", "basis")) + self.catalog.indicators_of()
        derived = self._derivable(order)
        made: list[Indicator] = []
        # Counts and basis figures before profile figures, each once what it reads (its
        # weight, its population, a formula's inputs) is made: the fitted group rows need
        # their weights, and a formula its inputs.
        pending = [i for i in order if i.id in derived or (i.demo is not None and i.formula is None)]
        rank = {i: n for n, i in enumerate(derived)}  # narrow formulas first, see _derivable
        pending.sort(key=lambda i: (i.kind not in ("count", "basis"), i.id in derived, rank.get(i.id, 0)))
        wanted = {i.id for i in pending}
        while pending:
            ind = next((i for i in pending if self._ready(i, wanted)), None)
            if ind is None:
                raise SolveError(f"{pending[0].id}: what it reads can never be made (a cycle)")
            pending.remove(ind)
            if ind.id in derived:
                self.values[ind.id] = self._formula(ind)
            elif ind.id in self.start:
                self.values[ind.id] = self.start[ind.id].copy()
            elif ind.kind == "count" or (ind.demo is not None and ind.demo.per is not None):
                self.values[ind.id] = self._count(ind)
            else:
                self.values[ind.id] = self._indicator(ind)
            made.append(ind)
        # A later formula may have moved an input an earlier one reads (within bounds, never
        # at a published cell): every derived figure is computed again from the final inputs.
        for ind in derived.values():
            self.values[ind.id] = self._derived(ind)
        return pd.concat([self._long(ind, self.values[ind.id]) for ind in made], ignore_index=True)

    def _ready(self, ind: Indicator, wanted: set[str]) -> bool:
        reads = {ind.weight, ind.demo.per if ind.demo else None}
        reads |= set(ind.formula.inputs) if ind.formula else set()
        return all(r is None or r in self.values or r not in wanted for r in reads)

    def _derivable(self, order: Sequence[Indicator]) -> dict[str, Indicator]:
        """Formula figures whose inputs are all drawn or derived, inputs first; among
        formulas of equal depth those with fewer numerator parts first, so that a part
        solved for a narrow figure (f243 per innbygger) stays as solved when a wider one
        (the sum of five functions) is solved after it."""
        drawn = {i.id for i in order if i.demo is not None and i.formula is None} | set(self.values)
        depth: dict[str, int] = {}

        def level(indicator_id: str, trail: frozenset[str] = frozenset()) -> int | None:
            if indicator_id in drawn:
                return 0
            ind = self.catalog.indicators.get(indicator_id)
            if ind is None or ind.formula is None or indicator_id in trail:
                return None
            if indicator_id not in depth:
                levels = [level(i, trail | {indicator_id}) for i in ind.formula.inputs]
                if any(v is None for v in levels):
                    return None
                depth[indicator_id] = 1 + max(v for v in levels if v is not None)
            return depth[indicator_id]

        found = [i for i in order if i.formula is not None and level(i.id) is not None]
        found.sort(key=lambda i: (depth[i.id], len(i.formula.numerator) if i.formula else 0))
        return {i.id: i for i in found}

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
        if ind.formula is not None and ind.formula.relative_to is not None:
            # Relative to the members' mean, the group's average is 1 by definition: the
            # fitted members must average exactly that, not merely round to it.
            low, high = 1.0 - 1e-12, 1.0 + 1e-12
        if row.highest_label is not None:
            label_low, label_high = label_interval(row.highest, row.highest_label)
            low, high = max(low, label_low), min(high, label_high)
            if low >= high:
                raise ValueError(f"{ind.id}: published average and index label disagree")
        return RowTarget(low, high, row.highest, row.lowest, ind.decimals)

    def _members(self, group_id: str) -> np.ndarray:
        """The group's members in each year, as a municipality x year mask."""
        if group_id not in self.member_masks:
            mask = np.zeros((len(self.grid.row), len(self.grid.col)), dtype=bool)
            for member in self.inputs.group_members.get(group_id, ()):
                if member.code in self.grid.row:
                    for year, j in self.grid.col.items():
                        mask[self.grid.row[member.code], j] = member.in_year(year)
            self.member_masks[group_id] = mask
        return self.member_masks[group_id]

    def _formula(self, ind: Indicator) -> np.ndarray:
        """The figure computed from its inputs, with published figures met by solving
        the inputs for them."""
        formula = ind.formula
        assert formula is not None
        members = self._members(formula.relative_to) if formula.relative_to else None
        computed = evaluate(formula, self.values, members)
        real = self._real(ind.id)
        known = ~np.isnan(real) | self._published_missing(ind.id)
        targets = np.where(known, real, np.nan)
        last = computed[:, -1].copy()
        anchor_col = np.full(len(last), len(self.grid.col) - 1)
        for i in self._fit_rows(ind, last, anchor_col):
            targets[i, -1] = last[i]
        self.targets[ind.id] = targets
        self.missing[ind.id] = known & np.isnan(real)
        if not np.isnan(targets).all():
            self._solve(ind, targets, members, pin=True)
        if formula.relative_to is None:
            # Drawn inputs can combine into an implausible figure (a difference below zero):
            # such cells are moved to the figure's own bounds, without pinning the inputs.
            computed = evaluate(formula, self.values, members)
            lower, upper = self._bounds(ind)
            outside = np.isnan(targets) & ~np.isnan(computed) & ((computed < lower) | (computed > upper))
            if outside.any():
                bounded = np.full(computed.shape, np.nan)
                bounded[outside] = np.clip(computed[outside], lower, upper)
                self._solve(ind, bounded, None, pin=False)
        return self._derived(ind)

    def _derived(self, ind: Indicator) -> np.ndarray:
        """The formula over the current inputs, which must give the published figures it was
        solved for (a later formula may only move inputs at cells nobody solved for)."""
        formula = ind.formula
        assert formula is not None
        members = self._members(formula.relative_to) if formula.relative_to else None
        out = evaluate(formula, self.values, members)
        targets = self.targets[ind.id]
        aimed = ~np.isnan(targets) & ~np.isnan(out)
        off = aimed & ~np.isclose(out, targets, rtol=1e-9, atol=1e-9)
        if off.any():
            i, j = (int(v[0]) for v in np.nonzero(off))
            raise SolveError(
                f"{ind.id}: {list(self.grid.row)[i]} {list(self.grid.col)[j]} is published as "
                f"{targets[i, j]}, its formula gives {out[i, j]}"
            )
        out[~np.isnan(targets)] = targets[~np.isnan(targets)]
        out[self.missing[ind.id]] = np.nan
        return out

    @staticmethod
    def _bounds(ind: Indicator) -> tuple[float, float]:
        spec = ind.demo
        lower = -np.inf if spec is None or spec.lower is None else spec.lower
        upper = np.inf if spec is None or spec.upper is None else spec.upper
        if ind.unit == "prosent":
            lower = 0.0 if spec is None or spec.lower is None else lower
            upper = 100.0 if spec is None or spec.upper is None else upper
        if ind.kind == "count":
            lower = max(lower, 0.0)
        return lower, upper

    def _solve(self, ind: Indicator, targets: np.ndarray, members: np.ndarray | None, pin: bool) -> None:
        formula = ind.formula
        assert formula is not None
        current = ratio(formula, self.values)
        goal = targets.copy()
        if formula.relative_to is not None and members is not None:
            # Targets are relative to the members' unweighted mean: turn them into values of
            # the ratio. With other members left as drawn, the mean m solves
            # m * (n - sum of targets) = sum of the others; with every member a target
            # (a fitted group row averaging exactly 1) the drawn mean is kept.
            for j in range(goal.shape[1]):
                present = members[:, j] & ~np.isnan(current[:, j])
                aimed = present & ~np.isnan(goal[:, j])
                if not aimed.any():
                    continue
                others = present & ~aimed
                if others.any():
                    mean = current[others, j].sum() / (present.sum() - goal[aimed, j].sum())
                else:
                    mean = current[present, j].mean()
                    if abs(goal[aimed, j].mean() - 1.0) > 1e-9:
                        raise SolveError(f"{ind.id}: the published group row does not average 1")
                if not mean > 0:
                    raise SolveError(f"{ind.id}: no positive group mean meets the published figures")
                goal[aimed, j] = goal[aimed, j] * mean
        for i, j in zip(*np.nonzero(~np.isnan(goal)), strict=True):
            self._solve_cell(ind, int(i), int(j), float(goal[i, j]), pin)

    def _adjustable(self, indicator_id: str, i: int, j: int) -> bool:
        """Whether a drawn input may be moved at one cell: drawn (not real, not a
        population, not itself a formula) and not already solved for another figure."""
        ind = self.catalog.indicators[indicator_id]
        if ind.formula is not None or ind.kind == "population" or ind.demo is None:
            return False
        if not np.isnan(self._real(indicator_id)[i, j]):
            return False
        pinned = self.pinned.get(indicator_id)
        return pinned is None or not pinned[i, j]

    def _pin(self, indicator_id: str, i: int, j: int) -> None:
        mask = self.pinned.setdefault(indicator_id, np.zeros(self.values[indicator_id].shape, dtype=bool))
        mask[i, j] = True

    def _solve_cell(self, ind: Indicator, i: int, j: int, goal: float, pin: bool = True) -> None:
        """Set the inputs of one municipality and year so that the ratio equals ``goal``
        (``pin``: for a published figure, so that no later formula moves them; a figure
        merely kept within its bounds gives up when its inputs are pinned)."""
        formula = ind.formula
        assert formula is not None
        value = {k: float(self.values[k][i, j]) for k in formula.inputs}
        minus = sum(value[k] for k in formula.minus)
        denominator = value[formula.denominator] if formula.denominator else 1.0
        wanted = goal * denominator / formula.factor + minus
        free = [k for k in formula.numerator if self._adjustable(k, i, j)]
        fixed = sum(value[k] for k in formula.numerator if k not in free)
        base = sum(value[k] for k in free)
        if free and base > 0 and wanted - fixed > 0:
            scale = (wanted - fixed) / base
            for k in free:
                self.values[k][i, j] = value[k] * scale
                if pin:
                    self._pin(k, i, j)
            return
        top = sum(value[k] for k in formula.numerator) - minus
        d = formula.denominator
        if d is not None and self._adjustable(d, i, j) and top > 0 and goal > 0:
            self.values[d][i, j] = formula.factor * top / goal
            if pin:
                self._pin(d, i, j)
            return
        if not pin:
            return
        code, year = list(self.grid.row)[i], list(self.grid.col)[j]
        raise SolveError(f"{ind.id}: no drawn input can meet the published {goal} for {code} {year}")

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
    """All generated and real indicator figures as one long frame with an ``origin``.

    Solving a formula for a published figure moves counts that also weigh other figures'
    published group rows, fitted earlier with the counts as drawn. So the generator runs
    again from the counts and basis figures the first run ended with, until they no longer
    move: then every fitted row is fitted with the weights that are bundled."""
    drawn = [
        i.id
        for i in catalog.indicators_of(kinds=("count", "basis"))
        if i.demo is not None and i.formula is None
    ]
    start: dict[str, np.ndarray] = {}
    for _ in range(4):
        generator = Generator(catalog, inputs, seed, start)
        frame = generator.run()
        final = {i: generator.values[i] for i in drawn}
        if start and all(
            np.allclose(final[i], start[i], rtol=1e-12, atol=1e-9, equal_nan=True) for i in drawn
        ):
            return frame
        start = final
    raise SolveError("the counts solved for published figures do not settle")
