"""Comparison groups: who is a member in a given year.

A group is either a list of members with from/to years (ASSS, KOSTRA groups,
counties, user groups) or a rule over another group ("ASSS uten Oslo",
"øvrige ASSS" without the municipality analysed, "resten av landet").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from kostra.catalog import GroupDef
from kostra.errors import RegionNotFound
from kostra.names import name_keys

__all__ = ["find_group", "members_in_year"]


def find_group(query: str, groups: Mapping[str, GroupDef]) -> GroupDef:
    """The group called ``query``: its id, Norwegian name, an alias or SSB's code."""
    wanted = name_keys(query)
    for group in groups.values():
        names = (
            group.id,
            group.name_nb,
            *group.aliases,
            *((group.ssb_code,) if group.ssb_code else ()),
        )
        if any(wanted & name_keys(n) for n in names):
            return group
    known = ", ".join(g.id for g in groups.values() if g.kind in ("network", "country", "user"))
    raise RegionNotFound(
        f"fant ingen sammenligningsgruppe som heter {query!r}; prøv en av: {known}, "
        "kostragruppe-12 eller et fylke"
    )


def _listed(group_id: str, year: int, members: Mapping[str, pd.DataFrame]) -> set[str]:
    rows = members.get(group_id)
    if rows is None:
        return set()
    active = (rows["from_year"].fillna(0) <= year) & (rows["to_year"].fillna(9999) >= year)
    return set(rows.loc[active, "region_code"])


def members_in_year(
    group: GroupDef,
    year: int,
    groups: Mapping[str, GroupDef],
    members: Mapping[str, pd.DataFrame],
    municipalities: Iterable[str],
    subject: str | None = None,
) -> frozenset[str]:
    """Members of ``group`` in ``year``.

    ``members`` holds the group_member rows (region_code, from_year, to_year) by
    group id; ``municipalities`` is every municipality code, the country's
    members; ``subject`` is the municipality being analysed, left out where the
    group says so.
    """
    if group.base is not None:
        found = set(members_in_year(groups[group.base], year, groups, members, municipalities, subject))
    elif group.kind == "country":
        found = set(municipalities)
    else:
        found = _listed(group.id, year, members)
        found |= {m.code for m in group.members if m.in_year(year)}
    found -= set(group.exclude)
    if group.exclude_group is not None:
        found -= members_in_year(groups[group.exclude_group], year, groups, members, municipalities)
    if group.exclude_self and subject is not None:
        found.discard(subject)
    return frozenset(found)
