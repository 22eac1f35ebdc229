"""Turning a file a user downloaded from SSB into observations for the store.

The readers in :mod:`kostra.sources` give tidy rows with the region and the
figure as SSB wrote them; here each row gets a catalog indicator and a region
code, or the whole import stops with one line naming the file and row.

An import never stores a number it cannot stand behind. Besides what the
readers refuse (a file that is not a regular file or is too large, a malformed
CSV, XLSX or JSON-stat, booleans and texts where numbers belong), every row is
checked here: a year inside kostra's span (:func:`year_span`), a finite value
inside what a figure of its unit can be (:data:`UNIT_RANGES`), one figure per
indicator, region and year, and one municipality under one number per year
(0219 and 3201 are both Bærum). All of it happens before the store is touched,
so a refused file leaves the store byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from kostra.catalog import Catalog
from kostra.errors import InputError
from kostra.names import name_keys
from kostra.placing import place_regions
from kostra.sources.jsonstat import Cube, read_jsonstat
from kostra.sources.numbers_nb import count_nb
from kostra.sources.statbank import parse_statbank_bytes, read_user_file
from kostra.store import LoadResult

__all__ = [
    "FIRST_YEAR",
    "UNIT_RANGES",
    "ImportResult",
    "PreparedImport",
    "observations_from_cube",
    "prepare_import",
    "year_span",
]

# The first year kostra reads without being asked: KOSTRA's current accounts
# scheme, SSB's tables 12xxx and the bundled data all start in 2015.
FIRST_YEAR: Final = 2015

# What a figure of each catalog unit can be, (lowest, highest), with room to spare;
# a value outside is a wrong column, a wrong scale or a broken file. Every unit of
# the catalog is here (tests/test_import_hardening.py checks it); a unit added
# later gets DEFAULT_RANGE until it is given its own.
UNIT_RANGES: Final[Mapping[str, tuple[float, float]]] = {
    # Shares are 0-100 in principle, but a coverage passes 100 when children from other
    # municipalities are counted, ratios to income run to several hundred per cent
    # (langsiktig gjeld) and below zero (netto driftsresultat, egenfinansiering).
    "prosent": (-1_000, 1_000),
    # Per inhabitant, place, recipient or m²: the largest are a few million kroner (a
    # place with round-the-clock care), net figures can be negative.
    "kroner": (-1_000_000_000, 1_000_000_000),
    # Need and resource indices around 1 (landet = 1) or 100 (reserve capacity).
    "indeks": (0, 1_000),
    # Counts of people, places and man-years, and rates per 1 000 or 10 000: never
    # negative, and never above ten million (Norway has 5,6 million inhabitants).
    "personer": (0, 10_000_000),
    "antall": (0, 10_000_000),
    "barn": (0, 10_000_000),
    "elever": (0, 10_000_000),
    "pasienter": (0, 10_000_000),
    "plasser": (0, 10_000_000),
    "boliger": (0, 10_000_000),
    "stillinger": (0, 10_000_000),
    "årsverk": (0, 10_000_000),
    "besøk": (0, 10_000_000),
    # Floor area of municipal buildings (the country's is some 40 million m²).
    "kvm": (0, 1_000_000_000),
    # Energy per m² and year: a few hundred kWh.
    "kWh": (0, 100_000),
    # Accounts in 1 000 kroner: Oslo's largest function is some tens of billions of kroner.
    "1000 kroner": (-1_000_000_000, 1_000_000_000),
    # Grunnskolepoeng run 0-60, exam marks 1-6, survey scores 1-5; other scales stay far
    # below 1 000.
    "poeng": (0, 1_000),
    "karakterpoeng": (0, 1_000),
    "skår": (0, 1_000),
    # Library loans per inhabitant.
    "utlån": (0, 10_000_000),
    # Hours per week (a week has 168) and months of support.
    "timer": (0, 1_000),
    "måneder": (0, 1_200),
}
DEFAULT_RANGE: Final = (-1e12, 1e12)

_STARTS_AS_JSON = re.compile(rb"\s*\{")
_UNIT_SUFFIX = re.compile(r"\s*\((?:kr|prosent|antall|indeks|timer|årsverk|1000 kr)\)\s*$", re.I)


@dataclass(frozen=True)
class PreparedImport:
    observations: pd.DataFrame  # indicator_id, region_code, year, value, status
    checksum: str
    source: str
    published: datetime | None
    aggregates: pd.DataFrame = field(default_factory=pd.DataFrame)  # SSB's EAK, EKAnn, EKGnn ...
    unplaced: pd.DataFrame = field(default_factory=pd.DataFrame)  # region, rows, reason
    skipped_contents: tuple[str, ...] = ()  # figures of the file the catalog does not have
    note: str | None = None  # SSB's footnotes to the table


@dataclass(frozen=True)
class ImportResult(LoadResult):
    """What an import loaded, and what of the file it left out."""

    values: int = 0  # of ``rows``, those with a number (the rest carry SSB's symbols)
    aggregates: int = 0  # SSB's own aggregates kept for `kostra data check`
    unplaced: pd.DataFrame = field(default_factory=pd.DataFrame)  # region, rows, reason
    skipped_contents: tuple[str, ...] = ()
    derived: int = 0  # figures the catalog's formulas computed from the file's (and others')


def year_span(today: date | None = None) -> tuple[int, int]:
    """The years an import accepts unless told otherwise: :data:`FIRST_YEAR` to this year.

    SSB publishes a year's KOSTRA figures on 15 March the year after, so no real
    figure can carry a later year than the current one (the current year itself is
    let through for a municipality's own figures, or a file made on New Year's
    Eve). A year after that would become every command's default year.
    """
    return FIRST_YEAR, (today or date.today()).year


def _number_nb(value: float) -> str:
    """A value for a message: whole numbers with thousands spaces, else 6 digits."""
    if math.isfinite(value) and abs(value) < 1e15 and value == int(value):
        return count_nb(int(value))
    return f"{value:.6g}".replace(".", ",")


def _label_index(catalog: Catalog) -> dict[str, str]:
    index: dict[str, str] = {}
    for ind in catalog.indicators.values():
        names = [ind.id, ind.name_nb]
        for source in ind.all_sources:
            names.append(source.contents)
            if source.label:
                names.append(source.label)
        for name in names:
            for key in name_keys(_UNIT_SUFFIX.sub("", name)):
                index.setdefault(key, ind.id)
    return index


def _match_indicator(contents: str | None, index: dict[str, str]) -> str | None:
    if not contents:
        return None
    for key in name_keys(_UNIT_SUFFIX.sub("", contents)):
        if key in index:
            return index[key]
    return None


def observations_from_cube(cube: Cube, catalog: Catalog, name: str) -> pd.DataFrame:
    """Tidy rows (row, region, region_code, contents, indicator_id, year, value, status)
    of a JSON-stat cube, each matched to the catalog indicator whose SSB source
    (ContentsCode and other dimension values) it is; unmatched cells get None."""
    geo, metric, time = (cube.dimension(role) for role in ("geo", "metric", "time"))
    if geo is None or time is None:
        raise InputError(f"{name}: JSON-stat-datasettet mangler dimensjon for region (geo) eller tid (time)")
    frame = cube.frame
    contents = frame[metric.id].astype(str) if metric else pd.Series("", index=frame.index)
    indicator = pd.Series(None, index=frame.index, dtype=object)
    for ind in catalog.indicators.values():
        for source in ind.all_sources:
            if cube.table_id not in (None, source.table):
                continue
            mask = np.array(contents == source.contents, dtype=bool)
            for dim, value in source.filters.items():
                if dim in frame:
                    mask &= np.array(frame[dim].astype(str) == value, dtype=bool)
            indicator[mask & indicator.isna().to_numpy()] = ind.id
    return pd.DataFrame(
        {
            "row": range(1, len(frame) + 1),
            "region": frame[geo.id].astype(str),
            "region_code": frame[geo.id].astype(str),
            "contents": contents,
            "indicator_id": indicator,
            "year": _years(frame[time.id].astype(str)),
            "value": frame["value"],
            "status": frame["status"],
        }
    )


def _years(codes: pd.Series) -> pd.Series:
    """Four-digit year codes as numbers; anything else ("2024M01", "2024.5") as NaN."""
    return pd.to_numeric(codes.where(codes.str.fullmatch(r"\d{4}")), errors="coerce")


def _check_years(tidy: pd.DataFrame, where: str, allow_years: bool, today: date | None) -> None:
    if tidy["year"].isna().any():
        row = tidy.loc[tidy["year"].isna(), "row"].iloc[0]
        raise InputError(f"{where} {row}: året mangler eller er ikke et årstall")
    if allow_years:
        return
    first, last = year_span(today)
    outside = (tidy["year"] < first) | (tidy["year"] > last)
    if outside.any():
        bad = tidy.loc[outside].iloc[0]
        raise InputError(
            f"{where} {bad['row']}: året {int(bad['year'])} er utenfor årene kostra leser inn "
            f"({first}–{last}); rett årstallet, eller les inn likevel med --any-year"
        )


def _check_values(tidy: pd.DataFrame, catalog: Catalog, where: str) -> None:
    """Every value finite and inside what a figure of its indicator's unit can be."""
    values = tidy["value"].to_numpy(dtype=float)
    ranges = {i.id: UNIT_RANGES.get(i.unit, DEFAULT_RANGE) for i in catalog.indicators.values()}
    low = tidy["indicator_id"].map({k: r[0] for k, r in ranges.items()}).to_numpy(dtype=float)
    high = tidy["indicator_id"].map({k: r[1] for k, r in ranges.items()}).to_numpy(dtype=float)
    infinite = np.isinf(values)
    outside = infinite | (values < low) | (values > high)  # NaN (missing) is neither
    if not outside.any():
        return
    i = int(np.flatnonzero(outside)[0])
    row, value, indicator = tidy["row"].iloc[i], values[i], tidy["indicator_id"].iloc[i]
    unit = catalog.indicator(indicator).unit
    if infinite[i]:
        raise InputError(f"{where} {row}: tallet er uendelig stort; sjekk cellen")
    raise InputError(
        f"{where} {row}: {_number_nb(value)} er utenfor det et tall i {unit} kan være "
        f"({_number_nb(low[i])} til {_number_nb(high[i])}) for {indicator}; sjekk tallet, kolonnen og enheten"
    )


def _check_two_numbers(
    tidy: pd.DataFrame, regions: pd.DataFrame, mapping: Mapping[str, str], name: str, place: str
) -> None:
    """Refuse one municipality under two numbers (0219 and 3201) in one year with two
    different figures: only one of them can be right, and the store would keep either.
    A number with no figure beside one with a figure is SSB's way (".." for a number
    not in use that year) and is let through."""
    current = tidy["region_code"].map(dict(mapping)).fillna(tidy["region_code"])
    renumbered = current != tidy["region_code"]
    if not renumbered.any():
        return
    keyed = tidy.assign(_current=current)[tidy["value"].notna()]
    keys = ["indicator_id", "_current", "year"]
    clashing = keyed[keyed.duplicated(keys, keep=False)]
    if clashing.empty:
        return
    # each row has a number of its own here: the same number twice was refused before
    differing = clashing[clashing.groupby(keys, sort=False)["value"].transform("nunique") > 1]
    if differing.empty:
        return
    first = differing.iloc[0]
    same = (differing[keys] == first[keys]).all(axis=1) & (differing["value"] != first["value"])
    second = differing[same].iloc[0]
    names = dict(zip(regions["code"], regions["name"], strict=False))
    who = names.get(first["_current"], first["_current"])
    raise InputError(
        f"{name}: {who} står med to nummer i {int(first['year'])}, {first['region_code']} "
        f"({place} {first['row']}) og {second['region_code']} ({place} {second['row']}), med ulike "
        f"tall for {first['indicator_id']}; behold bare raden med nummeret kommunen hadde det året"
    )


def prepare_import(
    path: Path,
    catalog: Catalog,
    regions: pd.DataFrame,
    mapping: dict[str, str],
    *,
    indicator: str | None = None,
    encoding: str | None = None,
    allow_years: bool = False,
    today: date | None = None,
) -> PreparedImport:
    """Read ``path`` and check every row against the catalog and the regions.

    Years outside :func:`year_span` (2015 to the current year) are refused unless
    ``allow_years`` is set (the CLI's ``--any-year``); ``today`` fixes the current
    year for tests. Raises :class:`InputError` (one line naming the file, and the
    row or cell) before anything is written.
    """
    data = read_user_file(path)
    published = None
    note = None
    is_json = path.suffix.lower() == ".json" or _STARTS_AS_JSON.match(data) is not None
    if is_json:
        cube = read_jsonstat(data, name=path.name)
        tidy, published = observations_from_cube(cube, catalog, path.name), cube.updated
        note = " | ".join(cube.notes) or None
    else:
        tidy = parse_statbank_bytes(data, path.name, encoding=encoding)
        note = " | ".join(tidy.attrs.get("notes", [])) or None
        index = _label_index(catalog)
        matched = {c: _match_indicator(c, index) for c in tidy["contents"].unique()}
        tidy["indicator_id"] = tidy["contents"].map(matched)
    place = "celle" if is_json else "rad"
    where = f"{path.name}, {place}"
    if tidy.empty:
        raise InputError(f"{path.name}: har ingen tall å lese inn")
    if indicator is not None:
        catalog.indicator(indicator)
        distinct = {c for c in tidy["contents"] if c}
        if len(distinct) > 1:
            raise InputError(
                f"{path.name}: har {len(distinct)} ulike statistikkvariabler; --indicator passer bare "
                "for en fil med én"
            )
        tidy["indicator_id"] = indicator
    unknown = tidy[tidy["indicator_id"].isna()]
    if len(unknown) == len(tidy):
        first = unknown.iloc[0]
        what = (
            f"ukjent statistikkvariabel {first['contents']!r}"
            if isinstance(first["contents"], str) and first["contents"]
            else "filen sier ikke hvilken statistikkvariabel tallet er"
        )
        raise InputError(f"{where} {first['row']}: {what}; oppgi katalogens indikator med --indicator")
    # A full SSB table holds figures the catalog does not use; they are left out and named.
    skipped = tuple(dict.fromkeys(str(c) for c in unknown["contents"] if isinstance(c, str) and c))
    tidy = tidy[tidy["indicator_id"].notna()].reset_index(drop=True)
    _check_years(tidy, where, allow_years, today)
    _check_values(tidy, catalog, where)
    placement = place_regions(tidy, regions)
    if not placement.placed:
        first = placement.unplaced.iloc[0]
        raise InputError(
            f"{path.name}: ingen av regionene i filen er kjent for kostra (først {first['region']!r}: "
            f"{first['reason']})"
        )
    for part in (placement.observations, placement.aggregates):
        duplicated = part.duplicated(["indicator_id", "region_code", "year"], keep=False)
        if duplicated.any():
            row = part.loc[duplicated, "row"].iloc[1]
            raise InputError(f"{where} {row}: samme statistikkvariabel, region og år forekommer to ganger")
    _check_two_numbers(placement.observations, regions, mapping, path.name, place)
    digest = hashlib.sha256(data + (indicator or "").encode()).hexdigest()
    columns = ["indicator_id", "region_code", "year", "value", "status"]
    observations = placement.observations.loc[:, columns].astype({"year": int, "value": float})
    aggregates = placement.aggregates.loc[:, columns].astype({"year": int, "value": float})
    return PreparedImport(
        observations,
        f"file:{digest}",
        path.name,
        published,
        aggregates=aggregates,
        unplaced=placement.unplaced,
        skipped_contents=skipped,
        note=note,
    )
