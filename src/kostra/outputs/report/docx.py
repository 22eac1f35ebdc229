"""The report as Word (.docx): real headings and tables, charts as pictures,
ready to paste into a council paper. A municipality's own template can be
given as the starting document so its styles are used.

Tables are written as WordprocessingML and parsed once each, and styles are
set by id: python-docx's cell-by-cell and style-by-name calls took most of a
second for a full report.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.shared import Cm

from kostra.outputs.report.drawing import render_png
from kostra.outputs.report.model import Report, ReportTable

__all__ = ["render_docx"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TABLE_TEXT = 16  # half-points: 8 pt
TEXT_WIDTH = 9072  # twips: 16 cm, the width charts are given too


class _Styles:
    """Style ids of the document's (maybe a municipality's own) template, looked up once."""

    def __init__(self, document: Any) -> None:
        by_name = {style.name: style.style_id for style in document.styles}
        self.headings = {level: by_name.get(f"Heading {level}") for level in range(1, 4)}
        self.title = by_name.get("Title")
        self.bullet = by_name.get("List Bullet")
        self.table = by_name.get("Table Grid")


def _paragraph(document: Any, text: str, style_id: str | None = None) -> Any:
    paragraph = document.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id  # by id: by name, python-docx scans every style each time
    return paragraph


def _widths(columns: int) -> list[int]:
    """Column widths in twips across the 16 cm text width: the indicator name gets the most."""
    first = TEXT_WIDTH * 2 // 5 if columns > 1 else TEXT_WIDTH
    rest = (TEXT_WIDTH - first) // max(columns - 1, 1)
    return [first] + [rest] * (columns - 1)


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
    column and per cell (Word reads the cells, LibreOffice the columns)."""
    widths = _widths(len(table.columns))
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
                    _cell(c.text, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
                + "</w:tr>"
            )
    return (
        f'<w:tbl xmlns:w="{W}"><w:tblPr>{style}<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        "<w:tblGrid>"
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        + "</w:tblGrid>"
        + "".join(rows)
        + "</w:tbl>"
    )


def _table(document: Any, table: ReportTable, styles: _Styles) -> None:
    _paragraph(document, table.title, styles.headings[3])
    # Before the body's final section properties, where python-docx puts its own tables.
    document.element.body._insert_tbl(parse_xml(_table_xml(table, styles.table)))
    if table.note:
        _paragraph(document, table.note).runs[0].italic = True


def render_docx(report: Report, template: Path | None = None) -> bytes:
    document = Document(str(template)) if template else Document()
    styles = _Styles(document)
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
    for chapter in report.chapters:
        _paragraph(document, chapter.title, styles.headings[1])
        _paragraph(document, chapter.intro)
        for sentence in chapter.summary:
            _paragraph(document, sentence)
        for caption, spec in chapter.charts:
            document.add_picture(io.BytesIO(render_png(spec)), width=Cm(16))
            _paragraph(document, caption).runs[0].italic = True
        for table in chapter.tables:
            _table(document, table, styles)
        if chapter.comments:
            _paragraph(document, "Kommentarer", styles.headings[3])
            for name, sentences in chapter.comments:
                paragraph = _paragraph(document, "", styles.bullet)
                paragraph.add_run(f"{name}. ").bold = True
                paragraph.add_run(" ".join(sentences))
        if chapter.flags:
            _paragraph(document, "Datakvalitet", styles.headings[3])
            for flag in chapter.flags:
                _paragraph(document, flag, styles.bullet)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
