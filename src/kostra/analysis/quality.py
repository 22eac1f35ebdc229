"""Method 8 of KOSTRA.md: data-quality flags, as typed findings, not exceptions.

A flag says what the numbers show and no more: a jump from last year beyond a
threshold, a break from a merger, a figure changed between releases, a group
where too few members have data, or the municipality being the group's
highest or lowest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kostra.analysis.mergers import Merger
from kostra.formatting import format_nb

__all__ = [
    "Flag",
    "flag_extremes",
    "flag_jumps",
    "flag_mergers",
    "flag_revisions",
    "flag_thin_groups",
    "flag_unweighted_members",
]

JUMP_PERCENT = 20.0
JUMP_POINTS = 5.0


@dataclass(frozen=True)
class Flag:
    # jump | merger_break | back_series | revised | thin_group | unweighted_member | highest | lowest
    kind: str
    message_nb: str
    indicator_id: str | None = None
    region_code: str | None = None
    year: int | None = None


def flag_jumps(
    series: pd.DataFrame,
    name: str,
    labels: dict[str, str],
    percent: float = JUMP_PERCENT,
    points: float = JUMP_POINTS,
) -> list[Flag]:
    """series: output of compute_series (with indicator_id); only ``name``'s series is checked."""
    flags = []
    # On arrays, not by filtering the frame twice: that took most of a chapter's flags.
    changes = series["change"].to_numpy(dtype=float)
    mine = np.flatnonzero((series["series"].to_numpy() == name) & ~np.isnan(changes))
    limits = np.where(series["change_unit"].to_numpy()[mine] == "prosentpoeng", points, percent)
    over = np.abs(changes[mine]) > limits
    rows = mine[over]
    for indicator_id, year, change, unit, limit in zip(
        *(series[c].to_numpy()[rows].tolist() for c in ("indicator_id", "year", "change", "change_unit")),
        limits[over],
        strict=True,
    ):
        direction = "økning" if change > 0 else "nedgang"
        flags.append(
            Flag(
                "jump",
                f"{labels.get(indicator_id, indicator_id)}: {name} har en {direction} på "
                f"{format_nb(abs(change), 1)} {unit} fra {int(year) - 1} til "
                f"{int(year)}, mer enn {format_nb(limit, 0)} {unit}; kontroller tallet.",
                indicator_id,
                None,
                int(year),
            )
        )
    return flags


def _columns(frame: pd.DataFrame, *names: str) -> list[list[Any]]:
    """Columns as lists of Python values, to zip into rows: the values ``itertuples`` gives,
    without its cost (pandas 3 builds each column through ``iloc``, every column of a wide
    frame for each call, which was most of a batch report's flags)."""
    return [frame[name].tolist() for name in names]


def _listed(names: list[str]) -> str:
    """ "Asker, Røyken og Hurum"."""
    return names[0] if len(names) < 2 else f"{', '.join(names[:-1])} og {names[-1]}"


def flag_mergers(
    mergers: Iterable[Merger],
    names: Mapping[str, str],
    part_names: Mapping[str, str],
    back_values: pd.DataFrame,
    gaps: pd.DataFrame,
) -> list[Flag]:
    """One flag per merger or split in a time series (:func:`kostra.analysis.mergers.mergers_of`).

    back_values, gaps: :func:`kostra.analysis.mergers.back_series`' ``values`` and ``gaps``.
    Where the years before a merger were computed from the parts, the flag says so and
    names the parts; where none could be, it is a break, as is every split.
    """
    flags = []
    for merger in mergers:
        code, year = merger.region_code, merger.year
        name = names.get(code, code)
        others = [p for p in merger.parts if p != code]
        if merger.split:
            message = (
                f"Brudd i tidsserien for {name} i {year}: kommunen ble til ved en deling "
                f"({_listed([part_names.get(p, p) for p in merger.parts])} før {year}), så tallene før "
                f"{year} gjelder et annet område og kan ikke regnes om."
            )
            flags.append(Flag("merger_break", message, None, code, year))
            continue
        computed = back_values[(back_values["region_code"] == code) & (back_values["year"] < year)]
        if computed.empty:
            message = (
                f"Brudd i tidsserien for {name} i {year}: kommunen ble slått sammen med "
                f"{'1 annet nummer' if len(others) == 1 else f'{len(others)} andre numre'}; "
                "SSB lager ikke tilbakeregnede regnskapsserier."
            )
            flags.append(Flag("merger_break", message, None, code, year))
            continue
        parts = _listed([part_names.get(p, p) for p in merger.parts])
        message = (
            f"{name}: tall før {year} er summen av {parts} (sammenslått {year}); andeler og tall per "
            "innbygger er regnet om fra summen av tellere og nevnere. SSB lager ikke slike tall."
        )
        missing = gaps[(gaps["region_code"] == code) & (gaps["year"] < year)]
        if len(missing):
            count = missing["indicator_id"].nunique()
            message += (
                f" For {count} {'indikator' if count == 1 else 'indikatorer'} kunne ikke alle år før {year} "
                "regnes om (tall mangler for en av kommunene, eller tallet kan ikke legges sammen); "
                "der er det brudd i serien."
            )
        flags.append(Flag("back_series", message, None, code, year))
    return flags


def flag_revisions(
    diff: pd.DataFrame, code: str, labels: dict[str, str], decimals: dict[str, int]
) -> list[Flag]:
    flags = []
    mine = diff[diff["region_code"] == code]
    for indicator_id, year, old_value, new_value in zip(
        *_columns(mine, "indicator_id", "year", "old_value", "new_value"), strict=True
    ):
        places = decimals.get(indicator_id, 1)
        old, new = format_nb(old_value, places), format_nb(new_value, places)
        flags.append(
            Flag(
                "revised",
                f"{labels.get(indicator_id, indicator_id)}: tallet for {int(year)} er "
                f"endret fra {old} til {new} mellom utgivelsene.",
                indicator_id,
                code,
                int(year),
            )
        )
    return flags


def flag_thin_groups(
    profile: pd.DataFrame, group: str, year: int, min_share: float = 0.5, min_count: int = 3
) -> list[Flag]:
    flags = []
    for indicator, indicator_id, members, with_data in zip(
        *_columns(profile, "indicator", "indicator_id", "members", "members_with_data"), strict=True
    ):
        if members and (with_data < min_count or with_data < min_share * members):
            flags.append(
                Flag(
                    "thin_group",
                    f"{indicator}: bare {with_data} av {members} kommuner i {group} "
                    f"har tall for {year}; snittet er usikkert.",
                    indicator_id,
                    None,
                    year,
                )
            )
    return flags


def flag_unweighted_members(profile: pd.DataFrame, group: str, year: int) -> list[Flag]:
    """Members with a figure but no population to weigh it by (a municipality of that year
    that later merged, when the store lacks its own population): left out of the average."""
    flags: list[Flag] = []
    if "members_without_weight" not in profile:
        return flags
    without = profile["members_without_weight"].to_numpy() > 0
    if not without.any():
        return flags  # the usual case, without filtering the frame
    unweighted = profile[without]
    columns = _columns(unweighted, "indicator", "indicator_id", "members_without_weight", "members_with_data")
    for indicator, indicator_id, without_weight, with_data in zip(*columns, strict=True):
        flags.append(
            Flag(
                "unweighted_member",
                f"{indicator}: {without_weight} av {with_data} kommuner i "
                f"{group} med tall for {year} mangler befolkning å veie med (kommuner som senere er slått "
                "sammen) og er ikke med i snittet; les inn SSBs befolkningstall for året.",
                indicator_id,
                None,
                year,
            )
        )
    return flags


def flag_extremes(profile: pd.DataFrame, subject: str, name: str, group_phrase: str, year: int) -> list[Flag]:
    flags = []
    columns = _columns(
        profile, "indicator", "indicator_id", "members_with_data", "highest_region", "lowest_region"
    )
    for indicator, indicator_id, with_data, highest, lowest in zip(*columns, strict=True):
        if with_data < 2:
            continue
        for kind, code, word in (("highest", highest, "høyest"), ("lowest", lowest, "lavest")):
            if code == subject:
                flags.append(
                    Flag(
                        kind,
                        f"{name} er {word} {group_phrase} på {indicator[0].lower()}{indicator[1:]} i {year}.",
                        indicator_id,
                        subject,
                        year,
                    )
                )
    return flags
