"""Where each row of an SSB answer belongs: a municipality, Longyearbyen, one of SSB's
own aggregates, or nowhere kostra knows.

A full SSB answer (a statbank download or a PxWebApi answer for all regions) holds
far more than today's 357 municipalities: municipality numbers of earlier years
(0219 Bærum before 2020), Longyearbyen (2111), and SSB's aggregates: the country
(EAK), the country without Oslo (EAKUO), the counties old and new (EKAnn) and the
KOSTRA groups (EKGnn). :func:`place_regions` sorts the rows: municipal figures (and
Longyearbyen's) go to the store's observations under the number the answer used
(renumberings are followed when figures are read); the aggregates are kept apart,
as SSB published them, for ``kostra data check``; every region kostra cannot place
is listed with the reason instead of failing the whole answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import pandas as pd

from kostra.analysis.regions import RegionFinder, in_use
from kostra.catalog import ssb_regions
from kostra.errors import RegionNotFound
from kostra.names import name_keys
from kostra.store import AGGREGATE_CODE, OBSERVATION_COLUMNS

__all__ = ["UNPLACED_COLUMNS", "Placement", "place_regions"]

UNPLACED_COLUMNS: Final = ("region", "rows", "reason")
_AGGREGATE: Final = re.compile(AGGREGATE_CODE)
# Where a row's region is text only ("Landet", "KOSTRA-gruppe 13"), these name SSB's aggregates.
_GROUP_NAME: Final = re.compile(r"^(?:kostra-?\s*gruppe|ekg)\s*(\d{1,2})\b", re.I)


@dataclass(frozen=True)
class Placement:
    """The rows of one answer, sorted by where they belong."""

    observations: pd.DataFrame  # indicator_id, region_code, year, value, status (+ row)
    aggregates: pd.DataFrame  # the same columns; region_code is SSB's (EAK, EKA32, EKG13 ...)
    unplaced: pd.DataFrame  # region (as written), rows, reason

    @property
    def placed(self) -> int:
        return len(self.observations) + len(self.aggregates)


def _aggregate_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for region in ssb_regions().values():
        if region.kind == "country":
            for key in name_keys(region.name, parts=False):
                names.setdefault(key, region.code)
    for extra, code in (("Hele landet", "EAK"), ("Norge", "EAK"), ("Landet utenom Oslo", "EAKUO")):
        for key in name_keys(extra, parts=False):
            names.setdefault(key, code)
    return names


def _regions_in(regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """The municipalities and counties that had a name in ``year`` (and Longyearbyen): a
    name in a file of 2019 is the municipality of 2019 (Asker 0220, not today's 3203)."""
    municipal = regions[regions["kind"].isin(["municipality", "territory"])]
    if "valid_from" in municipal:
        municipal = municipal[in_use(municipal, year)]
    counties = [
        (r.code, r.name, "county", r.valid_from, r.valid_to)
        for r in ssb_regions().values()
        if r.kind == "county" and (r.valid_from or 0) <= year <= (r.valid_to or 9999)
    ]
    columns = ["code", "name", "kind", "valid_from", "valid_to"]
    county_frame = pd.DataFrame(counties, columns=columns)
    return pd.concat([municipal.reindex(columns=columns), county_frame], ignore_index=True)


def _place_text(
    text: str, year: int, in_year: RegionFinder, aggregates: dict[str, str]
) -> tuple[str, str] | tuple[None, str]:
    """(kind, code) for a region given by name in ``year``: kind "aggregate" or "region";
    (None, reason) when it cannot be placed."""
    group = _GROUP_NAME.match(text.strip())
    if group:
        return "aggregate", f"EKG{int(group[1]):02d}"
    for key in name_keys(text, parts=False):
        if key in aggregates:
            return "aggregate", aggregates[key]
    try:
        region = in_year.find(text)
    except RegionNotFound as exc:
        return None, f"{exc} i {year}"
    if region.kind == "county":
        return "aggregate", region.code
    return "region", region.code


def place_regions(tidy: pd.DataFrame, regions: pd.DataFrame) -> Placement:
    """Sort ``tidy`` (columns row, region, region_code, indicator_id, year, value, status;
    region_code None where the answer names the region only) into municipal figures,
    SSB's aggregates and what cannot be placed.

    ``regions`` is the store's region table (municipality numbers of every year since
    1994 with the years they were in use, Longyearbyen as kind ``territory``). A region
    given by name is the one of that name in the row's year.
    """
    kinds = dict(zip(regions["code"].astype(str), regions["kind"].astype(str), strict=False))
    names = _aggregate_names()
    known_aggregates = {c for c, r in ssb_regions().items() if r.kind != "territory"} | {
        f"EKG{n:02d}" for n in range(1, 18)
    }
    target: list[str | None] = []
    where: list[str] = []
    reasons: dict[str, str] = {}
    by_text: dict[tuple[str, int], tuple[str | None, str]] = {}
    years: dict[int, RegionFinder] = {}  # the regions of each year, indexed once
    for text, code, year in zip(tidy["region"].astype(str), tidy["region_code"], tidy["year"], strict=True):
        if isinstance(code, str) and code:
            if _AGGREGATE.fullmatch(code) and code in known_aggregates:
                where.append("aggregate")
                target.append(code)
            elif kinds.get(code) in ("municipality", "territory"):
                where.append("region")
                target.append(code)
            else:
                where.append("unplaced")
                target.append(None)
                reasons.setdefault(
                    text,
                    f"ukjent regionkode {code!r} (verken kommunenummer fra 1994 og senere "
                    "eller SSB-aggregat)",
                )
            continue
        key = (text, int(year))
        if key not in by_text:
            if key[1] not in years:
                # Numbers are not followed here: each one in the frame is that year's own.
                years[key[1]] = RegionFinder(
                    _regions_in(regions, key[1]), {}, kinds=("municipality", "county", "territory")
                )
            by_text[key] = _place_text(text, key[1], years[key[1]], names)
        kind, found = by_text[key]
        if kind is None:
            where.append("unplaced")
            target.append(None)
            reasons.setdefault(text, found)
        else:
            where.append(kind)
            target.append(found)
    placed = tidy.assign(region_code=target, _where=where)
    columns = [*OBSERVATION_COLUMNS, "row"]
    observations = placed.loc[placed["_where"] == "region", columns].reset_index(drop=True)
    aggregates = placed.loc[placed["_where"] == "aggregate", columns].reset_index(drop=True)
    lost = placed[placed["_where"] == "unplaced"]
    counts = lost.groupby("region", sort=False).size()
    unplaced = pd.DataFrame(
        {
            "region": counts.index.astype(str),
            "rows": counts.to_numpy(dtype=int),
            "reason": [reasons[str(r)] for r in counts.index],
        },
        columns=list(UNPLACED_COLUMNS),
    )
    return Placement(observations, aggregates, unplaced)
