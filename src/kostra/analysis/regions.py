"""Finding municipalities, counties and groups by name or number, and following
municipalities across renumbering (Bærum 0219 -> 3024 -> 3201).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kostra.errors import ParameterError, RegionNotFound
from kostra.names import name_keys

__all__ = [
    "Region",
    "RegionFinder",
    "canonical_codes",
    "canonicalize",
    "in_use",
    "require_municipality",
    "resolve_region",
]


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


def resolve_region(
    query: str,
    regions: pd.DataFrame,
    mapping: Mapping[str, str],
    kinds: tuple[str, ...] = ("municipality", "county"),
) -> Region:
    """The region a user means by ``query``: a number ("3201", "0219") or a name ("baerum")."""
    return RegionFinder(regions, mapping, kinds).find(query)


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    kind: str
    current: bool  # no end of validity


class RegionFinder:
    """:func:`resolve_region` for many queries: the names' spellings are worked out once
    (each query compared every name's spellings, some milliseconds a query)."""

    def __init__(
        self,
        regions: pd.DataFrame,
        mapping: Mapping[str, str],
        kinds: tuple[str, ...] = ("municipality", "county"),
    ) -> None:
        self._mapping = mapping
        self._kinds = kinds
        candidates = regions[regions["kind"].isin(kinds)]
        self._rows = [
            _Row(str(code), str(name), str(kind), bool(open_ended))
            for code, name, kind, open_ended in zip(
                candidates["code"],
                candidates["name"],
                candidates["kind"],
                candidates["valid_to"].isna(),
                strict=True,
            )
        ]
        self._by_code: dict[str, list[int]] = {}
        self._by_key: dict[str, list[int]] = {}
        for at, row in enumerate(self._rows):
            self._by_code.setdefault(row.code.upper(), []).append(at)
            for key in name_keys(row.name):
                self._by_key.setdefault(key, []).append(at)
        # A number is named as the first row of the whole table with it says.
        self._named: dict[str, tuple[str, str]] = {}
        for code, name, kind in zip(regions["code"], regions["name"], regions["kind"], strict=True):
            self._named.setdefault(str(code), (str(name), str(kind)))

    def find(self, query: str) -> Region:
        """The region ``query`` means, or :class:`RegionNotFound` saying why none or which ones."""
        text = query.strip()
        if not text:
            raise RegionNotFound("kommunenavnet er tomt; bruk navn eller nummer (f.eks. 3201)")
        found = [self._rows[at] for at in self._by_code.get(text.upper(), [])]
        if not found:
            wanted = name_keys(text, parts=False)
            hits = sorted({at for key in wanted for at in self._by_key.get(key, [])})
            found = [self._rows[at] for at in hits]
            if len({row.kind for row in found}) > 1:  # "Oslo" is the municipality before the county
                found = [row for row in found if row.kind == self._kinds[0]]
        if not found:
            raise RegionNotFound(
                f"fant ingen kommune eller fylke som heter {_shown(query)}; "
                "bruk navn eller nummer (f.eks. 3201)"
            )
        codes = {self._mapping.get(row.code, row.code) for row in found}
        current = [row for row in found if row.code in codes and row.current]
        if len(codes) > 1 and len(current) == 1:
            codes = {current[0].code}
        if len(codes) > 1:
            shown = current or found
            options = ", ".join(sorted(f"{row.code} {row.name}" for row in shown))
            raise RegionNotFound(f"{_shown(query)} er tvetydig: {options}; bruk nummeret")
        code = codes.pop()
        name, kind = self._named[code]
        return Region(code=code, name=name, kind=kind)
