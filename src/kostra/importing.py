"""Turning a file a user downloaded from SSB into observations for the store.

The readers in :mod:`kostra.sources` give tidy rows with the region and the
figure as SSB wrote them; here each row gets a catalog indicator and a region
code, or the whole import stops with one line naming the file and row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kostra.analysis.regions import resolve_region
from kostra.catalog import Catalog
from kostra.errors import InputError, RegionNotFound
from kostra.names import name_keys
from kostra.sources.jsonstat import Cube, read_jsonstat
from kostra.sources.statbank import read_statbank_file, read_user_file

__all__ = ["PreparedImport", "observations_from_cube", "prepare_import"]

_UNIT_SUFFIX = re.compile(r"\s*\((?:kr|prosent|antall|indeks|timer|årsverk|1000 kr)\)\s*$", re.I)


@dataclass(frozen=True)
class PreparedImport:
    observations: pd.DataFrame  # indicator_id, region_code, year, value, status
    checksum: str
    source: str
    published: datetime | None


def _label_index(catalog: Catalog) -> dict[str, str]:
    index: dict[str, str] = {}
    for ind in catalog.indicators.values():
        names = [ind.id, ind.name_nb]
        if ind.source is not None:
            names.append(ind.source.contents)
            if ind.source.label:
                names.append(ind.source.label)
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
        source = ind.source
        if source is None or cube.table_id not in (None, source.table):
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
            "year": pd.to_numeric(frame[time.id].astype(str), errors="coerce"),
            "value": frame["value"],
            "status": frame["status"],
        }
    )


def _resolve_regions(
    tidy: pd.DataFrame, regions: pd.DataFrame, mapping: dict[str, str], name: str
) -> pd.Series:
    known = set(regions["code"])
    out = []
    cache: dict[str, str] = {}
    for row, text, code in zip(tidy["row"], tidy["region"], tidy["region_code"], strict=True):
        if isinstance(code, str) and code:
            if code not in known:
                raise InputError(f"{name}, rad {row}: ukjent regionkode {code!r}")
            out.append(code)
            continue
        if text not in cache:
            try:
                cache[text] = resolve_region(str(text), regions, mapping).code
            except RegionNotFound as exc:
                raise InputError(f"{name}, rad {row}: {exc}") from None
        out.append(cache[text])
    return pd.Series(out, index=tidy.index)


def prepare_import(
    path: Path,
    catalog: Catalog,
    regions: pd.DataFrame,
    mapping: dict[str, str],
    *,
    indicator: str | None = None,
    encoding: str | None = None,
) -> PreparedImport:
    """Read ``path`` and check every row against the catalog and the regions."""
    data = read_user_file(path)
    published = None
    if path.suffix.lower() == ".json" or data.lstrip()[:1] == b"{":
        cube = read_jsonstat(data, name=path.name)
        tidy, published = observations_from_cube(cube, catalog, path.name), cube.updated
    else:
        tidy = read_statbank_file(path, encoding=encoding)
        index = _label_index(catalog)
        tidy["indicator_id"] = [_match_indicator(c, index) for c in tidy["contents"]]
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
    if len(unknown):
        first = unknown.iloc[0]
        what = (
            f"ukjent statistikkvariabel {first['contents']!r}"
            if isinstance(first["contents"], str) and first["contents"]
            else "filen sier ikke hvilken statistikkvariabel tallet er"
        )
        raise InputError(
            f"{path.name}, rad {first['row']}: {what}; oppgi katalogens indikator med --indicator"
        )
    if tidy["year"].isna().any():
        row = tidy.loc[tidy["year"].isna(), "row"].iloc[0]
        raise InputError(f"{path.name}, rad {row}: året mangler eller er ikke et tall")
    tidy["region_code"] = _resolve_regions(tidy, regions, mapping, path.name)
    duplicated = tidy.duplicated(["indicator_id", "region_code", "year"], keep=False)
    if duplicated.any():
        row = tidy.loc[duplicated, "row"].iloc[1]
        raise InputError(
            f"{path.name}, rad {row}: samme statistikkvariabel, region og år forekommer to ganger"
        )
    digest = hashlib.sha256(data + (indicator or "").encode()).hexdigest()
    observations = tidy.loc[:, ["indicator_id", "region_code", "year", "value", "status"]]
    observations = observations.astype({"year": int})
    return PreparedImport(observations, f"file:{digest}", path.name, published)
