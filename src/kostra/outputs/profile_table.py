"""Rendering a service profile (from :meth:`kostra.api.Session.profile`) as a
terminal table, CSV or JSON. Values are shown with each indicator's decimals.

The renderers take the profile frame or its plain values (:class:`ProfileData`, what the
command line keeps between commands: see :mod:`kostra.profile_cache`), and need no pandas
for the latter."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table

from kostra.formatting import format_nb, format_plain, is_missing
from kostra.profile_cache import frame_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_COLUMNS",
    "INDEX_COLUMNS",
    "VALUE_COLUMNS",
    "ProfileData",
    "profile_columns",
    "render_profile_csv",
    "render_profile_json",
    "render_profile_table",
]

INDEX_DECIMALS = 1
VALUE_COLUMNS = ("group_average", "group_highest", "group_lowest")
INDEX_COLUMNS = ("index", "index_highest", "index_lowest", "index_previous")
CSV_COLUMNS = (
    "indicator_id",
    "indicator_group",
    "indicator",
    "unit",
    # the three year columns go here
    "group_average",
    "group_highest",
    "group_lowest",
    "index",
    "index_highest",
    "index_lowest",
    "index_previous",
    "highest_region",
    "lowest_region",
    "members",
    "members_with_data",
    "members_without_weight",
    "average_rule",
    "demodata",
)


@dataclass(frozen=True)
class ProfileData:
    """A profile table as plain values: its columns, its rows in that order (Python's own
    numbers, NaN where the frame has none) and the frame's ``attrs``."""

    columns: list[str]
    rows: list[list[Any]]
    attrs: dict[str, Any]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> ProfileData:
        """The values of a profile frame (numpy's numbers in ``attrs`` as Python's)."""
        attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in frame.attrs.items()}
        return cls(*frame_rows(frame), attrs)

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _data(profile: pd.DataFrame | ProfileData) -> ProfileData:
    return profile if isinstance(profile, ProfileData) else ProfileData.of(profile)


def _years(profile: pd.DataFrame | ProfileData) -> list[str]:
    return [str(c) for c in profile.columns if str(c).isdigit()]


def profile_columns(profile: pd.DataFrame | ProfileData) -> list[str]:
    """The export columns in order, with the profile's year columns in their place."""
    return list(CSV_COLUMNS[:4]) + _years(profile) + list(CSV_COLUMNS[4:])


def render_profile_csv(profile: pd.DataFrame | ProfileData) -> str:
    data = _data(profile)
    years = _years(data)
    header = profile_columns(data)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in data.records():
        decimals = int(row["decimals"])
        out: list[Any] = []
        for column in header:
            value = row[column]
            if column in years or column in VALUE_COLUMNS:
                out.append(format_plain(value, decimals))
            elif column in INDEX_COLUMNS:
                out.append(format_plain(value, INDEX_DECIMALS))
            elif column == "demodata":
                out.append("true" if value else "false")
            else:
                out.append("" if is_missing(value) else value)
        writer.writerow(out)
    return buffer.getvalue()


def _json_number(value: Any, decimals: int) -> float | None:
    text = format_plain(value, decimals)
    return float(text) if text else None


def render_profile_json(profile: pd.DataFrame | ProfileData) -> str:
    data = _data(profile)
    years = _years(data)
    records = data.records()
    rows = []
    for row in records:
        decimals = int(row["decimals"])
        rows.append(
            {
                "indicator_id": row["indicator_id"],
                "indicator_group": row["indicator_group"],
                "indicator": row["indicator"],
                "unit": row["unit"],
                "decimals": decimals,
                "values": {y: _json_number(row[y], decimals) for y in years},
                **{c: _json_number(row[c], decimals) for c in VALUE_COLUMNS},
                **{c: _json_number(row[c], INDEX_DECIMALS) for c in INDEX_COLUMNS},
                "highest_region": row["highest_region"] if not is_missing(row["highest_region"]) else None,
                "lowest_region": row["lowest_region"] if not is_missing(row["lowest_region"]) else None,
                "members": int(row["members"]),
                "members_with_data": int(row["members_with_data"]),
                "members_without_weight": int(row.get("members_without_weight", 0) or 0),
                "average_rule": row["average_rule"],
                "demodata": bool(row["demodata"]),
            }
        )
    doc = {**data.attrs, "demodata": any(bool(row["demodata"]) for row in records), "rows": rows}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_profile_table(profile: pd.DataFrame | ProfileData, title: str, caption: str) -> Table:
    data = _data(profile)
    years = _years(data)
    group = str(data.attrs.get("group", "gruppen"))
    records = data.records()
    unweighed = [row["indicator"] for row in records if row.get("members_without_weight", 0) > 0]
    if unweighed:
        names = ", ".join(dict.fromkeys(unweighed))
        caption += (
            f"\nMerk: i snittet for {names} mangler kommuner med tall befolkning å veie med (kommuner som "
            "senere er slått sammen) og er ikke med; les inn SSBs befolkningstall for året."
        )
    table = Table(title=title, caption=caption, caption_justify="left", show_lines=False)
    table.add_column("Indikator", overflow="fold", min_width=40, max_width=70)
    for year in years:
        table.add_column(year, justify="right", no_wrap=True)
    for label in (
        f"Snitt {group}",
        f"Høyest {group}",
        f"Lavest {group}",
        f"Indeks ({group} = 100)",
    ):
        table.add_column(label, justify="right", no_wrap=True)
    current = None
    for row in records:
        if row["indicator_group"] != current:
            current = row["indicator_group"]
            table.add_row(f"[bold]{current or 'Øvrige'}[/bold]", *[""] * (len(years) + 4))
        decimals = int(row["decimals"])
        star = " *" if row["average_rule"] == "unweighted" else ""
        name = f"{row['indicator']} ({row['unit']}){star}"
        table.add_row(
            name,
            *[format_nb(row[y], decimals) for y in years],
            *[format_nb(row[c], decimals) for c in VALUE_COLUMNS],
            format_nb(row["index"], 0),
        )
    return table
