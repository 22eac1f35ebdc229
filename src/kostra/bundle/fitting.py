"""Choose generated member values that reproduce a published group row exactly.

Given the members of a group for one indicator and year, the values that are
known (real figures), the weights, and the published average, highest and
lowest, :func:`fit_group_row` picks values for the other members so that the
group's average, maximum and minimum computed by kostra equal the published
figures at their published precision. The generator uses it so that the
bundled demodata agrees with every published ASSS figure.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowTarget:
    """A published group row: the average must fall in ``[avg_low, avg_high]``."""

    avg_low: float
    avg_high: float
    highest: float
    lowest: float
    decimals: int


class FitError(ValueError):
    """The published row cannot be met with the given fixed values."""


def average_interval(average: float, decimals: int) -> tuple[float, float]:
    """The unrounded averages that round (half up) to ``average``."""
    half = 0.5 * 10.0**-decimals
    margin = 1e-4 * half
    return average - half + margin, average + half - margin


def label_interval(highest: float, label: int) -> tuple[float, float]:
    """The unrounded averages for which ``100 * highest / avg`` rounds (half up) to ``label``."""
    return 100 * highest / (label + 0.5) * (1 + 1e-7), 100 * highest / (label - 0.5) * (1 - 1e-7)


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.dot(values, weights) / weights.sum())


def _shift_into_range(
    values: np.ndarray, free: np.ndarray, weights: np.ndarray, target: float, lo: float, hi: float
) -> np.ndarray:
    out = values.copy()
    for _ in range(200):
        gap = target * weights.sum() - np.dot(out, weights)
        movable = free & (((gap > 0) & (out < hi)) | ((gap < 0) & (out > lo)))
        if abs(gap) < 1e-12 * weights.sum() or not movable.any():
            break
        out[movable] += gap / weights[movable].sum()
        out[free] = np.clip(out[free], lo, hi)
    return out


def _fine_tune(
    values: np.ndarray, free: np.ndarray, weights: np.ndarray, target: RowTarget, step: float
) -> np.ndarray:
    """Move free members by whole units of the last decimal until the average fits."""
    out = values.copy()
    mid = (target.avg_low + target.avg_high) / 2
    free_idx = [int(i) for i in np.flatnonzero(free)]
    moves: list[tuple[int | tuple[int, int], float]] = [(i, s) for i in free_idx for s in (step, -step)]
    moves += [((i, j), step) for i, j in itertools.permutations(free_idx, 2)]
    for _ in range(5000):
        avg = _mean(out, weights)
        if target.avg_low <= avg <= target.avg_high:
            return out
        best, best_err = None, abs(avg - mid)
        for who, delta in moves:
            trial = out.copy()
            if isinstance(who, tuple):
                trial[who[0]] += delta
                trial[who[1]] -= delta
            else:
                trial[who] += delta
            if trial[free].max() > target.highest or trial[free].min() < target.lowest:
                continue
            err = abs(_mean(trial, weights) - mid)
            if err < best_err - 1e-15:
                best, best_err = trial, err
        if best is None:
            break
        out = np.round(best, target.decimals)
    raise FitError("no rounded values give the published average")


def fit_group_row(
    fixed: dict[str, float | None],
    proposals: dict[str, float],
    weights: dict[str, float],
    target: RowTarget,
) -> dict[str, float]:
    """Values for the members in ``proposals`` that meet ``target`` exactly.

    ``fixed`` holds members whose values are known (``None`` = missing, so left
    out of the average); ``weights`` holds every member's weight (1 for an
    unweighted average). The members drawn highest and lowest take the
    published extremes where that can work; otherwise other members are tried.
    """
    present = {c: v for c, v in fixed.items() if v is not None}
    for code, value in present.items():
        if not target.lowest <= value <= target.highest:
            raise FitError(f"known value {value} of {code} lies outside the published range")
    if len(proposals) < 2:
        raise FitError("at least two free members are needed")
    by_value = sorted(proposals, key=lambda c: (proposals[c], c))
    needs_top = not any(v == target.highest for v in present.values())
    needs_bottom = not any(v == target.lowest for v in present.values())
    tops: list[str | None] = list(reversed(by_value)) if needs_top else [None]
    bottoms: list[str | None] = list(by_value) if needs_bottom else [None]
    for top in tops:
        for bottom in bottoms:
            if top is not None and top == bottom:
                continue
            try:
                result = _fit_with(present, proposals, weights, target, top, bottom)
            except FitError:
                continue
            _check(result, present, weights, target)
            return result
    raise FitError("no choice of members meets the published row")


def _fit_with(
    present: dict[str, float],
    proposals: dict[str, float],
    weights: dict[str, float],
    target: RowTarget,
    top: str | None,
    bottom: str | None,
) -> dict[str, float]:
    codes = sorted(present) + sorted(proposals)
    values = np.array([present.get(c, proposals.get(c, 0.0)) for c in codes], dtype=float)
    w = np.array([weights[c] for c in codes], dtype=float)
    free = np.array([c in proposals and c not in (top, bottom) for c in codes])
    if top is not None:
        values[codes.index(top)] = target.highest
    if bottom is not None:
        values[codes.index(bottom)] = target.lowest
    if not free.any():
        raise FitError("no member is left to meet the published average")
    inner = 10.0**-target.decimals
    lo, hi = target.lowest + inner, target.highest - inner
    fixed_sum = float(np.dot(values[~free], w[~free]))
    reachable = (
        (fixed_sum + lo * w[free].sum()) / w.sum(),
        (fixed_sum + hi * w[free].sum()) / w.sum(),
    )
    if reachable[0] > target.avg_high or reachable[1] < target.avg_low:
        raise FitError("the published average is out of reach with these extremes")
    mid = (target.avg_low + target.avg_high) / 2
    values = _shift_into_range(values, free, w, mid, lo, hi)
    values[free] = np.round(values[free], target.decimals)
    values = _fine_tune(values, free, w, target, inner)
    return {c: float(v) for c, v in zip(codes, values, strict=True) if c in proposals}


def _check(
    result: dict[str, float],
    present: dict[str, float],
    weights: dict[str, float],
    target: RowTarget,
) -> None:
    every = {**present, **result}
    values = np.array(list(every.values()))
    w = np.array([weights[c] for c in every])
    avg = _mean(values, w)
    if not (target.avg_low <= avg <= target.avg_high):
        raise FitError(f"average {avg} outside [{target.avg_low}, {target.avg_high}]")
    if values.max() != target.highest or values.min() != target.lowest:
        raise FitError("highest or lowest not met")
