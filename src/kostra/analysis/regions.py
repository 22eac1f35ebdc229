"""Finding municipalities, counties and groups by name or number, and following
municipalities across renumbering (Bærum 0219 -> 3024 -> 3201).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kostra.errors import ParameterError, RegionNotFound
from kostra.names import name_keys

__all__ = ["Region", "canonical_codes", "canonicalize", "in_use", "require_municipality", "resolve_region"]


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str

    @property
    def short_name(self) -> str:
        """The name in running text: "Oslo" for SSB's bilingual "Oslo - Oslove"."""
        return self.name.split(" - ")[0]


def canonical_codes(succession: pd.DataFrame) -> dict[str, str]:
    """Map every number to today's number of the same municipality.

    Only renumberings are followed: a municipality that merged into another is
    a different municipality, and its figures are not the new one's.
    """
    step = {
        str(r.old_code): str(r.new_code) for r in succession.itertuples(index=False) if r.kind == "renumbered"
    }
    out: dict[str, str] = {}
    for start in step:
        code, seen = start, {start}
        while code in step:
            code = step[code]
            if code in seen:  # a cycle would be a data error; stop rather than loop
                break
            seen.add(code)
        out[start] = code
    return out


def in_use(regions: pd.DataFrame, year: int) -> pd.Series:
    """Which rows of a region table (valid_from, valid_to; empty = open) were in use in ``year``."""
    return (regions["valid_from"].fillna(0) <= year) & (regions["valid_to"].fillna(9999) >= year)


def canonicalize(observations: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """The same frame with ``region_code`` replaced by today's number where one exists.

    When a figure then exists under two numbers of the same municipality (a
    demodata figure on today's borders and SSB's under the old number, or SSB's
    "." for the new number in a year before it existed), a figure with a value
    wins, then real before demodata, then the newest release.
    """
    codes = observations["region_code"]
    mapped = codes.map(mapping)
    out = observations.assign(region_code=mapped.fillna(codes))
    if not {"release_kind", "release_id"} <= set(out.columns) or not mapped.notna().any():
        return out
    keys = ["indicator_id", "region_code", "year"]
    ranked = out.assign(_empty=out["value"].isna(), _demo=out["release_kind"] == "demodata")
    ranked = ranked.sort_values(
        ["_empty", "_demo", "release_id"], ascending=[True, True, False], kind="stable"
    )
    return ranked.drop_duplicates(keys).drop(columns=["_empty", "_demo"]).sort_index()


def _shown(query: str) -> str:
    """The user's text as a message repeats it: quoted, and cut where it gets long."""
    return repr(query if len(query) <= 60 else query[:57] + "...")


def require_municipality(region: Region, what: str) -> Region:
    """``region`` if it is a municipality; a county is refused, since ``what`` compares
    municipalities (a county's own KOSTRA figures are not in kostra's store)."""
    if region.kind != "municipality":
        raise ParameterError(f"{region.name} er et fylke; {what} gjelder kommuner, ikke fylker")
    return region


def _label(row: pd.Series) -> str:
    return f"{row['code']} {row['name']}"


def resolve_region(
    query: str,
    regions: pd.DataFrame,
    mapping: Mapping[str, str],
    kinds: tuple[str, ...] = ("municipality", "county"),
) -> Region:
    """The region a user means by ``query``: a number ("3201", "0219") or a name ("baerum")."""
    text = query.strip()
    if not text:
        raise RegionNotFound("kommunenavnet er tomt; bruk navn eller nummer (f.eks. 3201)")
    candidates = regions[regions["kind"].isin(kinds)]
    by_code = candidates[candidates["code"].str.upper() == text.upper()]
    if by_code.empty:
        wanted = name_keys(text, parts=False)
        hits = [bool(wanted & name_keys(str(n))) for n in candidates["name"]]
        by_code = candidates[hits]
        if by_code["kind"].nunique() > 1:  # "Oslo" is the municipality before the county
            by_code = by_code[by_code["kind"] == kinds[0]]
    if by_code.empty:
        raise RegionNotFound(
            f"fant ingen kommune eller fylke som heter {_shown(query)}; bruk navn eller nummer (f.eks. 3201)"
        )
    codes = {mapping.get(c, c) for c in by_code["code"]}
    current = by_code[by_code["code"].isin(codes) & by_code["valid_to"].isna()]
    if len(codes) > 1 and len(current) == 1:
        codes = {str(current.iloc[0]["code"])}
    if len(codes) > 1:
        shown = current if len(current) else by_code
        options = ", ".join(sorted(_label(r) for _, r in shown.iterrows()))
        raise RegionNotFound(f"{_shown(query)} er tvetydig: {options}; bruk nummeret")
    code = codes.pop()
    row = regions[regions["code"] == code].iloc[0]
    return Region(code=code, name=str(row["name"]), kind=str(row["kind"]))
