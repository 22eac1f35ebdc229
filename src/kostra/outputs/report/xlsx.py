"""The report as Excel: one sheet per service area with the tables as numbers (not
text) in Norwegian number formats and the provenance of each figure, plus one
sheet with the long-format data behind every chart."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
import xlsxwriter

from kostra.outputs.report.model import SSB_COLUMN, Report, ReportTable

__all__ = ["render_xlsx"]


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _number_format(decimals: int) -> str:
    # Excel stores the number; the locale shows "1 552 889" / "93,0" in a Norwegian Excel.
    return "#,##0" + ("." + "0" * decimals if decimals else "")


class _Styles:
    def __init__(self, book: Any) -> None:
        self.bold = book.add_format({"bold": True})
        self.strong = book.add_format({"bold": True, "font_color": "#b00020"})
        self.heading = book.add_format({"bold": True, "font_size": 13, "font_color": "#1f5f8b"})
        self.numbers = {d: book.add_format({"num_format": _number_format(d)}) for d in range(5)}
        self.figure = book.add_format({"num_format": "#,##0.0##"})  # shown rounded, stored whole


def _write_table(sheet: Any, row: int, table: ReportTable, styles: _Styles) -> int:
    """The table as numbers, then one provenance column per figure column."""
    sheet.write(row, 0, table.title, styles.bold)
    row += 1
    figures = table.columns[1:]
    for col, name in enumerate([*table.columns, *(f"Kilde: {c}" for c in figures)]):
        sheet.write(row, col, name, styles.bold)
    row += 1
    for group, cells in table.rows:
        if group is not None and not cells:
            sheet.write(row, 0, group, styles.bold)
            row += 1
            continue
        for col, cell in enumerate(cells):
            if cell.full:  # words, not the symbol the other formats explain in a legend
                sheet.write_string(row, col, cell.full, styles.strong if cell.strong else None)
            elif col == 0 or cell.value is None:
                sheet.write_string(row, col, cell.text)
            else:
                sheet.write_number(row, col, cell.value, styles.numbers[min(cell.decimals, 4)])
            if col > 0 and cell.source:
                sheet.write_string(row, len(cells) + col - 1, cell.source)
        row += 1
    return row + 1


# The data sheet's columns (the model's long data) as readers see them, with a note where
# the heading alone does not say it all.
DATA_COLUMNS: dict[str, tuple[str, str]] = {
    "sector": ("Tjenesteområde", ""),
    "indicator_id": ("Indikator-ID", "Indikatorens id i kostras katalog."),
    "indicator": ("Indikator", ""),
    "series": ("Kommune/gruppe", "Kommunen, sammenligningskommunene eller gruppens snitt."),
    "year": ("År", ""),
    "value": ("Verdi", ""),
    "change": ("Endring fra året før", "I prosent for beløp og antall, i prosentpoeng for andeler."),
    "change_unit": ("Enhet for endring", ""),
    "adjusted": (
        "Justert (B)",
        "ja: kronebeløp i faste priser og/eller justert for utgiftsbehov, merket (B) i rapporten.",
    ),
    "back_series": (
        "Beregnet fra sammenslåtte kommuner",
        "ja: året er før en sammenslåing; tallet er regnet ut av de sammenslåtte kommunenes tall "
        "(summer, og forholdstall som sum teller / sum nevner).",
    ),
}
DATA_WIDTHS = {"sector": 24, "indicator_id": 22, "indicator": 60, "series": 16, "change": 20}


def _write_data(sheet: Any, data: pd.DataFrame, styles: _Styles, sectors: dict[str, str]) -> None:
    """The data behind every chart, one figure a row: headings in bokmål, numbers as numbers,
    service areas by name, yes/no in words."""
    data = data.assign(
        sector=data["sector"].map(lambda s: sectors.get(s, s)),
        adjusted=data["adjusted"].map({True: "ja", False: "nei"}),
        back_series=data["back_series"].map({True: "ja", False: "nei"}),
    )
    for col, name in enumerate(data.columns):
        heading, note = DATA_COLUMNS.get(name, (name, ""))
        sheet.write(0, col, heading, styles.bold)
        if note:
            sheet.write_comment(0, col, note)
        sheet.set_column(col, col, DATA_WIDTHS.get(name, 12))
    figures = {data.columns.get_loc(c) for c in ("value", "change") if c in data.columns}
    for r, record in enumerate(data.itertuples(index=False), start=1):
        for col, value in enumerate(record):
            if isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, int | float) and value == value:
                sheet.write_number(r, col, float(value), styles.figure if col in figures else None)
            elif value is not None and not (isinstance(value, float) and value != value):
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(data), len(data.columns) - 1)


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = _Styles(book)
    used: set[str] = set()
    for chapter in report.chapters:
        sheet = book.add_worksheet(_sheet_name(chapter.title, used))
        sheet.write(0, 0, f"{chapter.title}: {report.municipality} {report.year}", styles.heading)
        sheet.write(1, 0, report.source_line)
        row = 3
        if report.ssb_note and any(SSB_COLUMN in t.columns for t in chapter.tables):
            sheet.write(2, 0, report.ssb_note)
            row = 4
        for table in chapter.tables:
            row = _write_table(sheet, row, table, styles)
        figures = max((len(t.columns) for t in chapter.tables), default=1) - 1
        sheet.set_column(0, 0, 60)
        sheet.set_column(1, figures, 14)
        sheet.set_column(figures + 1, 2 * figures, 50)
        for table in chapter.tables:
            if SSB_COLUMN in table.columns:  # room for "ikke kontrollert mot SSB"
                sheet.set_column(table.columns.index(SSB_COLUMN), table.columns.index(SSB_COLUMN), 24)
    data = pd.concat([c.long_data for c in report.chapters if not c.long_data.empty], ignore_index=True)
    sectors = {c.id: c.title for c in report.chapters}
    _write_data(book.add_worksheet(_sheet_name("Data", used)), data, styles, sectors)
    book.close()
    return buffer.getvalue()
