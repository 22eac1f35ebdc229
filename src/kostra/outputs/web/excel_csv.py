"""CSV files that open as they should in Excel set up for Norway.

Norwegian Excel reads a CSV file with its list separator, the semicolon, and its decimal
comma, and takes the file to be in the legacy Windows code page unless it begins with a
byte order mark. So every CSV download the web app offers is UTF-8 with a BOM,
``;``-separated, with numbers written as Excel reads numbers: a decimal comma, no
thousands separator (a space, even a no-break one, turns "1 552 889" into text) and an
ASCII minus. A missing figure is an empty cell. Lines end in CRLF (RFC 4180).

The JSON API is not affected: its numbers stay JSON numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import pandas as pd

from kostra.formatting import format_plain, is_missing

__all__ = ["BOM", "PROFILE_HEADINGS", "excel_csv", "excel_number", "profile_csv"]

BOM = "\ufeff"

Cell = str | int | float | None


def excel_number(value: float | None, decimals: int) -> str:
    """``1552889``, ``1,076``, ``-3,2``; empty when missing. Rounded half up as every
    figure kostra shows; a value that rounds to zero has no sign."""
    if is_missing(value):
        return ""
    text = format_plain(value, decimals)
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    return text.replace(".", ",")


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The rows as a Norwegian Excel CSV file. Numbers must come formatted (see
    :func:`excel_number`); ``None`` is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


INDEX_DECIMALS = 1

PROFILE_HEADINGS = {
    "indicator_id": "Indikator-ID",
    "indicator_group": "Indikatorgruppe",
    "indicator": "Indikator",
    "unit": "Enhet",
}
_VALUES = {
    "group_average": "Snitt {group}",
    "group_highest": "Høyest {group}",
    "group_lowest": "Lavest {group}",
}
_INDEXES = {
    "index": "Indeks ({group} = 100)",
    "index_highest": "Indeks høyest",
    "index_lowest": "Indeks lavest",
    "index_previous": "Indeks året før",
}
_RULES = {"weighted": "vektet", "unweighted": "uvektet"}


def profile_csv(profile: pd.DataFrame) -> bytes:
    """A service profile (from :meth:`kostra.api.Session.profile`) for Excel: the columns
    of ``kostra profile --format csv``, headed in bokmål, numbers as Excel reads them."""
    group = str(profile.attrs.get("group", "gruppen"))
    years = [c for c in profile.columns if str(c).isdigit()]
    header = [
        *PROFILE_HEADINGS.values(),
        *years,
        *(h.format(group=group) for h in _VALUES.values()),
        *(h.format(group=group) for h in _INDEXES.values()),
        f"Høyest i {group}",
        f"Lavest i {group}",
        "Kommuner i gruppen",
        "Kommuner med tall",
        "Kommuner uten vekt",
        "Snittet",
        "DEMODATA",
    ]
    rows: list[list[Cell]] = []
    for row in profile.to_dict("records"):
        decimals = int(row["decimals"])
        rows.append(
            [
                *(_text(row[c]) for c in PROFILE_HEADINGS),
                *(excel_number(row[y], decimals) for y in years),
                *(excel_number(row[c], decimals) for c in _VALUES),
                *(excel_number(row[c], INDEX_DECIMALS) for c in _INDEXES),
                _text(row.get("highest_region_name", row.get("highest_region"))),
                _text(row.get("lowest_region_name", row.get("lowest_region"))),
                excel_number(row["members"], 0),
                excel_number(row["members_with_data"], 0),
                excel_number(row.get("members_without_weight", 0) or 0, 0),
                _RULES.get(str(row["average_rule"]), _text(row["average_rule"])),
                "ja" if row["demodata"] else "nei",
            ]
        )
    return excel_csv(header, rows)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and is_missing(value)) else str(value)
