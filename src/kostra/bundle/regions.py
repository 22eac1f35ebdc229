"""Region tables for the bundle: municipalities with their numbers since 1994,
the succession between numbers, counties and KOSTRA groups.

Inputs are the published files in ``shared/data``: KLASS 131 codes valid in
2026 (today's names), the 1994-2024 code history (regtools), the 2024
municipality-to-county hierarchy (csdata), and the few splits the history file
cannot express (``catalog/region_splits.csv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from kostra.names import name_keys

_PERIOD = re.compile(r"^(?P<name>.*?)\s*\((?P<start>\d{4})?-(?P<end>\d{4})\)$")


@dataclass(frozen=True)
class RegionTables:
    regions: pd.DataFrame  # code, name, kind, valid_from, valid_to, county
    succession: pd.DataFrame  # old_code, new_code, year, kind


def _splits() -> pd.DataFrame:
    text = resources.files("kostra.catalog").joinpath("region_splits.csv").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str).astype({"year": int})


def _kept_numbers() -> pd.DataFrame:
    text = resources.files("kostra.catalog").joinpath("region_kept_numbers.csv").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str)


def read_history(path: Path) -> pd.DataFrame:
    """Every municipality code 1994-2024 with its validity and today's code."""
    raw = pd.read_csv(path, dtype=str)
    rows: list[tuple[str, str, int | None, int | None, str]] = []
    for group, code, text in zip(raw["GRUPPEKODE"], raw["KODE"], raw["TEKST"], strict=True):
        match = _PERIOD.match(text)
        current = group.removeprefix("K.")
        if match:
            start = int(match["start"]) if match["start"] else None
            rows.append((code, match["name"], start, int(match["end"]), current))
        else:
            rows.append((code, text, None, None, current))
    return pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_to", "current"])


def _successor(old: pd.Series, members: pd.DataFrame) -> str:
    """The code an old number continued as: same name first, else the next code valid."""
    start = int(old["valid_to"]) + 1
    labelled = members[(members["valid_from"].fillna(0) <= start) & (members["valid_to"] >= start)]
    current = members[members["valid_to"].isna()]
    candidates = pd.concat([labelled, current])
    same_name = candidates[[bool(name_keys(n) & name_keys(old["name"])) for n in candidates["name"]]]
    if len(same_name):
        return str(same_name.iloc[0]["code"])
    return str((labelled if len(labelled) else current).iloc[0]["code"])


def _succession(history: pd.DataFrame, splits: pd.DataFrame) -> pd.DataFrame:
    """Edges old -> new at the first year of the new number.

    An edge is a renumbering when the new number has exactly one predecessor that
    year and either carries the same name or has no other predecessor at all;
    otherwise the old municipality merged into the new one.
    """
    overridden = set(splits["old_code"])
    edges = []
    for _, members in history.groupby("current"):
        ended = members[members["valid_to"].notna() & ~members["code"].isin(overridden)]
        links = [
            (row["code"], row["name"], _successor(row, members), int(row["valid_to"]) + 1)
            for _, row in ended.iterrows()
        ]
        for code, name, new, year in links:
            same_year = [link for link in links if link[2] == new and link[3] == year]
            ever = [link for link in links if link[2] == new]
            new_name = members.loc[members["code"] == new, "name"].iloc[0]
            single = len(same_year) == 1
            renumbered = single and (bool(name_keys(name) & name_keys(new_name)) or len(ever) == 1)
            edges.append((code, new, year, "renumbered" if renumbered else "merged"))
    frame = pd.DataFrame(edges, columns=["old_code", "new_code", "year", "kind"])
    extra = splits.loc[:, ["old_code", "new_code", "year", "kind"]]
    return pd.concat([frame, extra], ignore_index=True).drop_duplicates(["old_code", "new_code"])


def build_region_tables(shared: Path) -> RegionTables:
    klass = pd.read_csv(shared / "ssb-recorded" / "klass131_codesAt_2026-01-01.csv", dtype=str)
    klass = klass[klass["code"] != "9999"]
    history = read_history(shared / "regions" / "kommuner-1994-2024.csv")
    splits = _splits()
    hierarchy = pd.read_csv(shared / "regions" / "nor_locations_hierarchy_b2024.csv", dtype=str)
    succession = _succession(history, splits)

    # A number is new in the year a same-named predecessor (or a split) ended;
    # a municipality that only absorbed others (Stavanger 2020) kept its number.
    names = history.set_index("code")["name"]
    starts = succession[
        (succession["kind"] != "merged")
        | np.array(
            [
                bool(name_keys(names[o]) & name_keys(names[n]))
                for o, n in zip(succession["old_code"], succession["new_code"], strict=True)
            ]
        )
    ]
    first_year = starts.groupby("new_code")["year"].min()
    # A new number made by a merger alone (Kinn 4602 from Flora and Vågsøy in 2020) starts
    # with the merger, unless the municipality merged into kept its number (Stavanger, and
    # Tingvoll, which took in a part of Halsa).
    kept = set(_kept_numbers()["code"])
    merged_into = succession[~succession["new_code"].isin(kept)].groupby("new_code")["year"].min()
    first_year = first_year.combine_first(merged_into).drop(list(kept), errors="ignore")
    current = klass.rename(columns={"code": "code", "name": "name"}).copy()
    current["valid_from"] = current["code"].map(first_year)
    current["valid_to"] = None
    old = history[history["valid_to"].notna()].loc[:, ["code", "name", "valid_from", "valid_to"]]
    municipalities = pd.concat([current, old], ignore_index=True)
    municipalities["kind"] = "municipality"
    municipalities["county"] = None
    municipalities.loc[municipalities["valid_to"].isna(), "county"] = "EKA" + municipalities["code"].str[:2]

    counties = (
        hierarchy.loc[:, ["county_code", "county_name"]]
        .dropna()
        .drop_duplicates()
        .assign(
            code=lambda f: "EKA" + f["county_code"].str.removeprefix("county_nor"),
            name=lambda f: f["county_name"].str.replace("-", " - ", n=1, regex=False),
            kind="county",
            valid_from=2024,
            valid_to=None,
            county=None,
        )
        .loc[:, ["code", "name", "kind", "valid_from", "valid_to", "county"]]
    )
    regions = pd.concat([municipalities, counties], ignore_index=True)
    regions = regions.loc[:, ["code", "name", "kind", "valid_from", "valid_to", "county"]]
    regions = regions.astype({"valid_from": "Int64", "valid_to": "Int64"})
    regions = regions.sort_values(["kind", "code"], ignore_index=True)
    return RegionTables(
        regions=regions, succession=succession.sort_values(["year", "old_code"], ignore_index=True)
    )
