"""Method 8 of KOSTRA.md: data-quality flags, as typed findings, not exceptions.

A flag says what the numbers show and no more: a jump from last year beyond a
threshold, a break from a merger, a figure changed between releases, a group
where too few members have data, or the municipality being the group's
highest or lowest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
    mine = series[(series["series"] == name) & series["change"].notna()]
    limits = np.where(mine["change_unit"] == "prosentpoeng", points, percent)
    for row, limit in zip(
        mine[mine["change"].abs().to_numpy() > limits].itertuples(),
        limits[mine["change"].abs().to_numpy() > limits],
        strict=True,
    ):
        direction = "økning" if row.change > 0 else "nedgang"
        flags.append(
            Flag(
                "jump",
                f"{labels.get(row.indicator_id, row.indicator_id)}: {name} har en {direction} på "
                f"{format_nb(abs(row.change), 1)} {row.change_unit} fra {int(row.year) - 1} til "
                f"{int(row.year)}, mer enn {format_nb(limit, 0)} {row.change_unit}; kontroller tallet.",
                row.indicator_id,
                None,
                int(row.year),
            )
        )
    return flags


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
    for row in diff[diff["region_code"] == code].itertuples():
        places = decimals.get(row.indicator_id, 1)
        old, new = format_nb(row.old_value, places), format_nb(row.new_value, places)
        flags.append(
            Flag(
                "revised",
                f"{labels.get(row.indicator_id, row.indicator_id)}: tallet for {int(row.year)} er "
                f"endret fra {old} til {new} mellom utgivelsene.",
                row.indicator_id,
                code,
                int(row.year),
            )
        )
    return flags


def flag_thin_groups(
    profile: pd.DataFrame, group: str, year: int, min_share: float = 0.5, min_count: int = 3
) -> list[Flag]:
    flags = []
    for row in profile.itertuples():
        if row.members and (
            row.members_with_data < min_count or row.members_with_data < min_share * row.members
        ):
            flags.append(
                Flag(
                    "thin_group",
                    f"{row.indicator}: bare {row.members_with_data} av {row.members} kommuner i {group} "
                    f"har tall for {year}; snittet er usikkert.",
                    row.indicator_id,
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
    for row in profile[profile["members_without_weight"] > 0].itertuples():
        flags.append(
            Flag(
                "unweighted_member",
                f"{row.indicator}: {row.members_without_weight} av {row.members_with_data} kommuner i "
                f"{group} med tall for {year} mangler befolkning å veie med (kommuner som senere er slått "
                "sammen) og er ikke med i snittet; les inn SSBs befolkningstall for året.",
                row.indicator_id,
                None,
                year,
            )
        )
    return flags


def flag_extremes(profile: pd.DataFrame, subject: str, name: str, group_phrase: str, year: int) -> list[Flag]:
    flags = []
    for row in profile.itertuples():
        if row.members_with_data < 2:
            continue
        for kind, code, word in (
            ("highest", row.highest_region, "høyest"),
            ("lowest", row.lowest_region, "lavest"),
        ):
            if code == subject:
                flags.append(
                    Flag(
                        kind,
                        f"{name} er {word} {group_phrase} på {row.indicator[0].lower()}"
                        f"{row.indicator[1:]} i {year}.",
                        row.indicator_id,
                        subject,
                        year,
                    )
                )
    return flags
