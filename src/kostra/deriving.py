"""Figures computed by the catalog's formulas from real figures, stored after a fetch or an
import.

A formula figure (``kind`` any, with ``formula`` in the catalog) is real only where every
input it reads is real for that municipality and year: SSB's tables, a bundled published
figure, or an imported file, never demodata. :func:`derive` computes those cells (formulas
over formulas in order), and stores the ones that are new or changed as one release per
kind: ``ssb`` where every input came from SSB (or the bundled SSB population), ``file``
where a user's file was among them, else ``bundled`` (a bundled published figure among
them). Cells with demodata among their inputs keep the bundle's figures, which the
generator computed the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kostra.analysis.formulas import evaluate_frame
from kostra.catalog import Catalog, Indicator
from kostra.store import ReleaseKind, ReleaseSpec, Store

__all__ = ["DeriveResult", "derive", "formula_order"]

# The kind a derived figure gets is its most user-made input's: SSB (and SSB's population,
# bundled) < a bundled published figure < a user's file.
_RANK = {"ssb": 0, "bundled": 1, "file": 2}
_KINDS = ("ssb", "bundled", "file")


@dataclass(frozen=True)
class DeriveResult:
    """How many figures were computed and stored, and the releases that hold them."""

    values: int
    releases: tuple[int, ...]


def formula_order(catalog: Catalog) -> list[Indicator]:
    """The catalog's formula figures, every one after the formula figures it reads."""
    done: dict[str, Indicator] = {}

    def visit(ind: Indicator) -> None:
        if ind.id in done or ind.formula is None:
            return
        for ref in ind.formula.inputs:
            visit(catalog.indicators[ref])
        done[ind.id] = ind

    for ind in catalog.indicators.values():
        visit(ind)
    return list(done.values())


def _inputs(formulas: Sequence[Indicator]) -> set[str]:
    return {ref for ind in formulas if ind.formula for ref in ind.formula.inputs}


def _complete_years(
    formula_inputs: Sequence[str],
    present: pd.DataFrame,
    real: pd.DataFrame,
    members: dict[int, frozenset[str]],
) -> set[int]:
    """Years in which every member with all inputs (of any kind) has them all real: a
    value relative to the group's mean is real only when the whole mean is."""

    def complete(frame: pd.DataFrame, year: int) -> set[str]:
        part = frame[(frame["year"] == year) & frame["indicator_id"].isin(formula_inputs)]
        counts = part.groupby("region_code")["indicator_id"].nunique()
        return {c for c in counts[counts == len(set(formula_inputs))].index if c in members[year]}

    return {y for y in members if (whole := complete(present, y)) and whole == complete(real, y)}


def derive(
    store: Store,
    catalog: Catalog,
    years: Collection[int],
    members: Callable[[str, int], Collection[str]],
    mapping: Mapping[str, str] | None = None,
) -> DeriveResult:
    """Compute every formula figure for ``years`` whose inputs are all real, and store those
    that differ from the figures in force. ``members(group, year)`` gives a group's
    members, for formulas relative to a group; ``mapping`` takes a municipality's old
    numbers to the one it has now, so that a count imported under the number of its year
    (Asker 2023: 3025) meets the population bundled under today's (3203)."""
    formulas = formula_order(catalog)
    if not formulas or not years:
        return DeriveResult(0, ())
    wanted = sorted(_inputs(formulas) | {i.id for i in formulas})
    current = store.observations(wanted, sorted(years))
    present = current[current["value"].notna()]
    if mapping:
        present = present.assign(region_code=present["region_code"].map(lambda c: mapping.get(c, c)))
        # One figure per municipality and year: a real one before demodata, then the newest.
        present = present.assign(real=present["release_kind"] != "demodata")
        present = present.sort_values(["real", "release_id"]).drop_duplicates(
            ["indicator_id", "region_code", "year"], keep="last"
        )
    real = present[present["release_kind"] != "demodata"]
    population = {i.id for i in catalog.indicators.values() if i.kind == "population"}
    figures = real[["indicator_id", "region_code", "year", "value"]].assign(
        rank=[
            0 if indicator in population else _RANK.get(kind, 2)
            for indicator, kind in zip(real["indicator_id"], real["release_kind"], strict=True)
        ]
    )
    derived: list[pd.DataFrame] = []
    for ind in formulas:
        formula = ind.formula
        assert formula is not None
        used = figures[figures["indicator_id"].isin(formula.inputs)]
        by_year = None
        if formula.relative_to:
            by_year = {int(y): frozenset(members(formula.relative_to, int(y))) for y in years}
            whole = _complete_years(formula.inputs, present, figures, by_year)
            used = used[used["year"].isin(whole)]
        result = evaluate_frame(formula, used, by_year)
        if result.empty:
            continue
        if formula.relative_to:
            # A value relative to the group's mean reads every member's inputs of the year.
            ranks = used.groupby("year")["rank"].max().rename("rank").reset_index()
            result = result.merge(ranks, on="year", how="left")
        else:
            ranks = used.groupby(["region_code", "year"])["rank"].max().rename("rank").reset_index()
            result = result.merge(ranks, on=["region_code", "year"], how="left")
        result = result.assign(indicator_id=ind.id)
        figures = pd.concat([figures, result[figures.columns]], ignore_index=True)
        derived.append(result)
    if not derived:
        return DeriveResult(0, ())
    new = pd.concat(derived, ignore_index=True)
    before = current[["indicator_id", "region_code", "year", "value", "release_kind"]].rename(
        columns={"value": "before", "release_kind": "before_kind"}
    )
    new = new.merge(before, on=["indicator_id", "region_code", "year"], how="left")
    unchanged = np.isclose(new["value"], new["before"], rtol=1e-12, atol=1e-12)
    new = new[~(unchanged & (new["before_kind"] != "demodata"))]
    releases = []
    for rank, part in new.groupby("rank"):
        kind = _KINDS[int(rank)]
        rows = part[["indicator_id", "region_code", "year", "value"]].assign(status=None)
        rows = rows.sort_values(["indicator_id", "region_code", "year"], ignore_index=True)
        digest = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()[:20]
        spec = ReleaseSpec(
            source="kostra:formler",
            kind=cast(ReleaseKind, kind),
            checksum=f"formler-{digest}",
            note="Beregnet av kostra etter katalogens formler fra ekte tall (SSB eller innleste filer)",
        )
        loaded = store.load_release(spec, rows)
        if not loaded.already_loaded:
            releases.append(loaded.release_id)
    return DeriveResult(len(new), tuple(releases))
