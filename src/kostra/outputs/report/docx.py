"""The report as Word (.docx): real headings and tables, charts as pictures,
ready to paste into a council paper. A municipality's own template can be
given as the starting document so its styles are used. Pages are A4 in every
section; headings go 1 (chapters), 2 (tables, comments, data quality) without
skipping a level.

Tables are written as WordprocessingML and parsed once each, and styles are
set by id: python-docx's cell-by-cell and style-by-name calls took most of a
second for a full report.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.shared import Cm

from kostra.outputs.report.drawing import render_png
from kostra.outputs.report.model import Cell, Report, ReportTable

__all__ = ["render_docx"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TABLE_TEXT = 16  # half-points: 8 pt
# A4 with 2 cm margins: 17 cm of text width (1 cm = 567 twips).
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.0)
TEXT_WIDTH = 9638  # twips: 17 cm
CHART_WIDTH = Cm(16)
CELL_MARGIN = 85  # twips each side of a cell's text (0.15 cm), written on every table
# Character widths in em of DejaVu Sans, the widest of the sans fonts Word and LibreOffice
# use or fall back to (Calibri, Carlito, Arial and Liberation Sans are all narrower), so a
# column sized by them holds its figures on one line whichever font draws them.
_EM = {
    **dict.fromkeys("0123456789", 0.636),
    **dict.fromkeys(" ,.:;\u00a0\u202f", 0.318),
    "-": 0.361,
    "\u2212": 0.838,
    "\u2013": 0.5,
    "%": 0.95,
    "(": 0.39,
    ")": 0.39,
    "/": 0.337,
    "*": 0.5,
}
_BOLD = 1.12  # DejaVu Sans Bold against Book


class _Styles:
    """Style ids of the document's (maybe a municipality's own) template, looked up once."""

    def __init__(self, document: Any) -> None:
        by_name = {style.name: style.style_id for style in document.styles}
        self.headings = {level: by_name.get(f"Heading {level}") for level in range(1, 3)}
        self.title = by_name.get("Title")
        self.bullet = by_name.get("List Bullet")
        self.table = by_name.get("Table Grid")


def _paragraph(document: Any, text: str, style_id: str | None = None) -> Any:
    paragraph = document.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id  # by id: by name, python-docx scans every style each time
    return paragraph


def _text_width(text: str, *, bold: bool = False) -> int:
    """The width of one line of table text in twips (at most: see _EM)."""
    em = sum(_EM.get(ch, 0.75 if ch.isupper() else 0.62) for ch in text)
    return math.ceil(em * TABLE_TEXT * 10 * (_BOLD if bold else 1.0))  # 1 pt = 20 twips


def _column_width(cells: list[Cell], heading: str) -> int:
    """Room for the column's widest figure on one line; its heading may wrap between words."""
    words = [w for w in re.split(r"\s+|(?<=[-/])", heading) if w]
    widest = max(
        [_text_width(c.text, bold=c.strong) for c in cells] + [_text_width(w, bold=True) for w in words],
        default=0,
    )
    return math.ceil(widest * 1.05) + 2 * CELL_MARGIN + 20


def _even_out(widths: list[int], room: int) -> list[int]:
    """The narrowest columns raised towards the widest, as far as ``room`` allows."""
    ordered = sorted(widths)
    level = ordered[0]
    for k in range(1, len(ordered) + 1):  # the k narrowest at one level, the rest as they are
        top = ordered[k] if k < len(ordered) else ordered[-1]
        reach = (room - sum(ordered[k:])) // k
        level = max(level, min(reach, top))
        if reach < top:
            break
    return [max(w, level) for w in widths]


def _widths(table: ReportTable) -> list[int]:
    """Column widths in twips across the text width. Each figure column is as wide as its
    widest figure in Norwegian format (and its heading's longest word), the first (label)
    column takes the rest; when the labels need less, every column shares what is over."""
    body = [cells for heading, cells in table.rows if not (heading is not None and not cells)]
    numbers = [
        _column_width([cells[i] for cells in body], table.columns[i]) for i in range(1, len(table.columns))
    ]
    if sum(numbers) > TEXT_WIDTH:  # cannot happen with the report's tables; shrink evenly
        numbers = [n * TEXT_WIDTH // sum(numbers) for n in numbers]
    label = TEXT_WIDTH - sum(numbers)
    wanted = _column_width([cells[0] for cells in body], table.columns[0]) if numbers else label
    if wanted < label:  # room to spare: figure columns alike, then every column a share
        numbers = _even_out(numbers, TEXT_WIDTH - wanted)
        share = (TEXT_WIDTH - sum(numbers) - wanted) // len(table.columns)
        numbers = [n + share for n in numbers]
        label = TEXT_WIDTH - sum(numbers)
    return [label, *numbers]


def _cell(text: str, width: int, columns: int = 1, *, bold: bool = False, right: bool = False) -> str:
    span = f'<w:gridSpan w:val="{columns}"/>' if columns > 1 else ""
    align = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
    weight = "<w:b/>" if bold else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}</w:tcPr>'
        f'<w:p>{align}<w:r><w:rPr>{weight}<w:sz w:val="{TABLE_TEXT}"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
    )


def _table_xml(table: ReportTable, style_id: str | None) -> str:
    """A real Word table: a header row repeated on every page, indicator-group rows
    across the table, numbers right-aligned, 8 pt text. Widths are given both per
    column and per cell (Word reads the cells, LibreOffice the columns), with a fixed
    layout so neither fits the columns anew."""
    widths = _widths(table)
    style = f'<w:tblStyle w:val="{style_id}"/>' if style_id else ""
    rows = [
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        + "".join(_cell(text, w, bold=True) for text, w in zip(table.columns, widths, strict=True))
        + "</w:tr>"
    ]
    for heading, cells in table.rows:
        if heading is not None and not cells:
            rows.append(f"<w:tr>{_cell(heading, sum(widths), len(widths), bold=True)}</w:tr>")
        else:
            rows.append(
                "<w:tr>"
                + "".join(
                    _cell(c.text, w, bold=c.strong, right=i > 0)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
                + "</w:tr>"
            )
    return (
        f'<w:tbl xmlns:w="{W}"><w:tblPr>{style}<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        "<w:tblGrid>"
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        + "</w:tblGrid>"
        + "".join(rows)
        + "</w:tbl>"
    )


def _a4(document: Any) -> None:
    """Every section A4 portrait with 2 cm margins (python-docx's default is US Letter)."""
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN


def _table(document: Any, table: ReportTable, styles: _Styles) -> None:
    _paragraph(document, table.title, styles.headings[2])
    # Before the body's final section properties, where python-docx puts its own tables.
    document.element.body._insert_tbl(parse_xml(_table_xml(table, styles.table)))
    if table.note:
        _paragraph(document, table.note).runs[0].italic = True


def _front_matter(document: Any, report: Report, styles: _Styles) -> None:
    """Title, comparison, the DEMODATA warning, sources and what the SSB marks mean."""
    _paragraph(document, report.title, styles.title)
    _paragraph(
        document,
        f"Sammenlignet med {report.group}" + (f" og {', '.join(report.peers)}" if report.peers else "") + ".",
    )
    if report.demodata:
        _paragraph(
            document, "DEMODATA: Rapporten bygger helt eller delvis på genererte tall, ikke SSBs."
        ).runs[0].bold = True
    _paragraph(document, report.source_line)
    if report.ssb_note:
        _paragraph(document, report.ssb_note).runs[0].italic = True


def render_docx(report: Report, template: Path | None = None) -> bytes:
    document = Document(str(template)) if template else Document()
    _a4(document)
    styles = _Styles(document)
    _front_matter(document, report, styles)
    for chapter in report.chapters:
        _paragraph(document, chapter.title, styles.headings[1])
        _paragraph(document, chapter.intro)
        for sentence in chapter.summary:
            _paragraph(document, sentence)
        for caption, spec in chapter.charts:
            document.add_picture(io.BytesIO(render_png(spec)), width=CHART_WIDTH)
            _paragraph(document, caption).runs[0].italic = True
        for table in chapter.tables:
            _table(document, table, styles)
        for caption, spec in chapter.maps:
            document.add_picture(io.BytesIO(render_png(spec)), width=CHART_WIDTH)
            _paragraph(document, caption).runs[0].italic = True
        if chapter.comments:
            _paragraph(document, "Kommentarer", styles.headings[2])
            for name, sentences in chapter.comments:
                paragraph = _paragraph(document, "", styles.bullet)
                paragraph.add_run(f"{name}. ").bold = True
                paragraph.add_run(" ".join(sentences))
        if chapter.flags:
            _paragraph(document, "Datakvalitet", styles.headings[2])
            for flag in chapter.flags:
                _paragraph(document, flag, styles.bullet)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
