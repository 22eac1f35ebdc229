"""``kostra data check``: SSB's own aggregates recomputed from the municipal figures.

SSB publishes, beside each municipality's figure, the country (EAK), the country
without Oslo (EAKUO), every county (EKAnn) and every KOSTRA group (EKGnn). Each
is the sum of the numerators over the sum of the denominators of the
municipalities of that year, which for a per-inhabitant figure or a share is the
municipal figures weighted by their population at the end of the year. kostra
computes its group averages the same way, so recomputing SSB's aggregates from
the very figures SSB published with them, and finding SSB's numbers at SSB's
precision, shows that kostra's averages are SSB's method. An aggregate that
cannot be recomputed says why (no weight for a municipality of that year, the
KOSTRA groups of that year unknown or demodata, an unweighted ``*`` figure).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import numpy as np
import pandas as pd

from kostra.formatting import format_nb

__all__ = ["CHECK_COLUMNS", "Verdict", "aggregate_members", "check_aggregates", "round_half_away"]

CHECK_COLUMNS: Final = (
    "indicator_id",
    "year",
    "aggregate",
    "ssb",
    "kostra",
    "difference",
    "members",
    "verdict",
    "reason",
    "lacking",
)


LONGYEARBYEN: Final = "2111"
# Longyearbyen has some 2 600 residents, 0.05 per cent of the country; four times that
# bounds its share of any age group SSB weighs by.
LONGYEARBYEN_MAX_SHARE: Final = 0.002


class Verdict:
    """The outcome of one aggregate's check."""

    SAME: Final = "lik"  # kostra's figure, rounded as SSB rounds, is SSB's
    ROUNDING: Final = "avrunding"  # differs in the last digit only, within rounding of the inputs
    DIFFERS: Final = "avvik"  # differs beyond rounding
    NOT_CHECKABLE: Final = "ikke kontrollerbar"


def round_half_away(value: float, decimals: int) -> float:
    """Round as SSB publishes: half away from zero (26.85 -> 26.9), not to even."""
    if not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def aggregate_members(
    code: str,
    municipalities: list[str],
    kostra_groups: Mapping[str, str] | None,
    territories: Collection[str] = (LONGYEARBYEN,),
) -> list[str] | str:
    """The members of SSB's aggregate ``code`` among ``municipalities`` (the numbers of
    one year, Longyearbyen's too), or the reason they cannot be known.

    Longyearbyen counts in the country (EAK, EAKUO), as SSB's own KOSTRA code does
    (statisticsnorway/ssb-fagfunksjoner, kostra_kommunekorr.py: 2111 added by hand, every
    row in "EAK Landet"), but in no county and no KOSTRA group.
    """
    if code == "EAK":
        return municipalities
    if code == "EAKUO":
        return [c for c in municipalities if c != "0301"]
    municipalities = [c for c in municipalities if c not in territories]
    if code.startswith("EKA"):
        # A municipality's number begins with its county's number, in every year.
        return [c for c in municipalities if c[:2] == code[3:]]
    if code.startswith("EKG"):
        if kostra_groups is None:
            return "kostra kjenner ikke KOSTRA-gruppene dette året"
        unknown = [c for c in municipalities if c not in kostra_groups]
        if unknown:
            return (
                f"kostra vet ikke hvilken KOSTRA-gruppe {len(unknown)} kommuner hørte til dette året "
                f"(f.eks. {unknown[0]})"
            )
        return [c for c in municipalities if kostra_groups[c] == code]
    return f"ukjent SSB-aggregat {code!r}"


@dataclass(frozen=True)
class _Context:
    rule: pd.DataFrame
    weight_of: Mapping[tuple[str, str, int], float]
    kostra_groups: Mapping[int, Mapping[str, str] | str]
    municipalities: Mapping[int, Collection[str]]
    generated: Collection[tuple[str, int]]


def check_aggregates(
    published: pd.DataFrame,
    values: pd.DataFrame,
    weights: pd.DataFrame,
    rules: pd.DataFrame,
    kostra_groups: Mapping[int, Mapping[str, str] | str],
    municipalities: Mapping[int, Collection[str]] | None = None,
    generated: Collection[tuple[str, int]] = (),
) -> pd.DataFrame:
    """Recompute every aggregate in ``published`` and compare it with SSB's.

    published:      indicator_id, region_code (EAK, EKA32 ...), year, value (SSB's)
    values:         indicator_id, region_code, year, value: the municipal figures SSB
                    published with them (the same release), under that year's numbers,
                    missing ones (SSB's "..", ".") included
    weights:        weight_id, region_code, year, value: population on that year's borders
                    (NaN where it is not known, see :mod:`kostra.analysis.weights`)
    rules:          indicator_id, average ("weighted"/"unweighted"), weight, decimals
    kostra_groups:  per year, municipality -> EKGnn, or the reason the groups are unknown
    municipalities: per year, the municipality numbers of that year; an aggregate whose
                    members the file does not all have (a download of some regions) is
                    not checkable rather than wrong
    generated:      (weight id, year) whose weights are demodata: no verdict rests on them
    Aggregates SSB gave no number for (".." or ":") are left out.
    """
    context = _Context(
        rules.set_index("indicator_id"),
        {
            (str(w), str(c), int(y)): float(v)
            for w, c, y, v in zip(
                weights["weight_id"], weights["region_code"], weights["year"], weights["value"], strict=True
            )
        },
        kostra_groups,
        municipalities or {},
        set(generated),
    )
    by_key = {(str(i), int(y)): part for (i, y), part in values.groupby(["indicator_id", "year"], sort=False)}
    rows = []
    for ind, code, year, ssb in zip(
        published["indicator_id"],
        published["region_code"],
        published["year"],
        published["value"],
        strict=True,
    ):
        if pd.isna(ssb):
            continue
        base = {"indicator_id": str(ind), "year": int(year), "aggregate": str(code), "ssb": float(ssb)}
        rows.append({**base, **_check_one(base, by_key.get((str(ind), int(year))), context)})
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    return out.astype({"ssb": float, "kostra": float, "difference": float, "members": "Int64"})


def _not_checkable(reason: str, members: int | None = None, lacking: Sequence[str] = ()) -> dict[str, object]:
    return {
        "verdict": Verdict.NOT_CHECKABLE,
        "reason": reason,
        "members": members,
        "lacking": " ".join(lacking) or None,
    }


def _check_one(base: Mapping[str, object], part: pd.DataFrame | None, context: _Context) -> dict[str, object]:
    ind, code, year = str(base["indicator_id"]), str(base["aggregate"]), int(str(base["year"]))
    rule = context.rule
    if ind not in rule.index:
        return _not_checkable("indikatoren er ikke i katalogen")
    if rule.loc[ind, "average"] != "weighted":
        return _not_checkable(
            "ferdig beregnet forholdstall (*): kostra tar et uveid snitt av kommunene, SSB summerer "
            "teller og nevner som kostra ikke har"
        )
    if part is None:
        return _not_checkable("ingen kommunetall fra SSB dette året")
    groups = context.kostra_groups.get(year)
    grouping = groups if isinstance(groups, Mapping) else None
    with_value = part[part["value"].notna()]
    members = aggregate_members(code, sorted(with_value["region_code"].astype(str)), grouping)
    if isinstance(members, str):
        return _not_checkable(groups if code.startswith("EKG") and isinstance(groups, str) else members)
    if year in context.municipalities:
        expected = aggregate_members(code, sorted(context.municipalities[year]), grouping)
        absent = (
            sorted(set(expected) - set(part["region_code"].astype(str))) if isinstance(expected, list) else []
        )
        if absent:
            return _not_checkable(
                "filen har ikke alle kommunene i aggregatet (en nedlasting av noen regioner); last ned "
                "tabellen med alle regioner",
                len(members),
                absent,
            )
    if not members:
        return _not_checkable("ingen kommuner med tall")
    weight = rule.loc[ind, "weight"]
    weight = weight if isinstance(weight, str) and weight else None
    if weight is not None and (weight, year) in context.generated:
        return _not_checkable(
            f"vekten ({weight}) er generert (demodata) for {year}; les inn SSBs tall for den", len(members)
        )
    return _recompute(
        members,
        with_value.set_index(with_value["region_code"].astype(str))["value"],
        weight,
        year,
        context.weight_of,
        int(rule.loc[ind, "decimals"]),
        float(str(base["ssb"])),
    )


def _recompute(
    members: list[str],
    values: pd.Series,
    weight: str | None,
    year: int,
    weight_of: Mapping[tuple[str, str, int], float],
    decimals: int,
    ssb: float,
) -> dict[str, object]:
    """kostra's figure for one aggregate from its members' figures, and the verdict."""
    longyearbyen_open = (
        weight is not None
        and LONGYEARBYEN in members
        and not weight_of.get((weight, LONGYEARBYEN, year), math.nan) > 0
    )
    if longyearbyen_open:
        members = [c for c in members if c != LONGYEARBYEN]
    figures = values.loc[members].to_numpy(float)
    if weight is not None:
        w = np.array([weight_of.get((weight, c, year), math.nan) for c in members])
        lacking = [c for c, x in zip(members, w, strict=True) if not x > 0]
        if lacking:
            return _not_checkable(
                f"kommuner med tall mangler befolkning ({weight}) for {year} på årets grenser (kommuner "
                "som senere er slått sammen); les inn SSBs befolkningstall for året",
                len(members),
                lacking,
            )
        kostra = float(np.sum(figures * w) / np.sum(w))
    else:
        kostra = float(np.mean(figures))
    difference = round_half_away(kostra, decimals) - ssb
    slack, reason = 0.0, ""
    if longyearbyen_open:
        # No municipal population table counts Svalbard, so Longyearbyen's weight is mostly
        # missing. Its people are under LONGYEARBYEN_MAX_SHARE of any age group of the
        # country, so with its figure in, SSB's number can lie at most that share of the
        # way from kostra's towards Longyearbyen's figure: a difference beyond that is real.
        slack = abs(float(values.loc[LONGYEARBYEN]) - kostra) * LONGYEARBYEN_MAX_SHARE
        reason = (
            "uten Longyearbyen, som mangler befolkningstall; avviket Longyearbyen kan forklare er "
            f"høyst {format_nb(slack, decimals + 1)}"
        )
    return {
        "kostra": kostra,
        "difference": round(difference, decimals + 2),
        "members": len(members),
        "verdict": _verdict(kostra, ssb, difference, decimals, slack),
        "reason": reason,
        "lacking": None,
    }


def _verdict(kostra: float, ssb: float, difference: float, decimals: int, slack: float = 0.0) -> str:
    unit = 10.0**-decimals
    if abs(difference) < unit / 1000:
        return Verdict.SAME
    # kostra adds up figures SSB rounded, so before its own rounding its average may be off
    # by up to half a unit of the last digit: up to one unit in all is still rounding.
    if abs(kostra - ssb) <= unit * (1 + 1e-9) + slack:
        return Verdict.ROUNDING
    return Verdict.DIFFERS
