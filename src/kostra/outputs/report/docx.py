"""The report as Word (.docx): real headings and tables, charts as pictures,
ready to paste into a council paper. A municipality's own template can be
given as the starting document so its styles are used."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from kostra.outputs.report.charts import render_png
from kostra.outputs.report.model import Report, ReportTable

__all__ = ["render_docx"]


def _small(grid: Any) -> None:
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)


def _table(document: Any, table: ReportTable) -> None:
    """A real Word table: header row, indicator-group rows, numbers right-aligned."""
    document.add_heading(table.title, level=3)
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for heading, cells in table.rows:
        row = grid.add_row().cells
        if heading is not None and not cells:
            merged = row[0].merge(row[-1])
            merged.text = heading
            merged.paragraphs[0].runs[0].bold = True
            continue
        for i, (target, cell) in enumerate(zip(row, cells, strict=True)):
            target.text = cell.text
            if i > 0:
                target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _small(grid)
    if table.note:
        document.add_paragraph(table.note).runs[0].italic = True


def render_docx(report: Report, template: Path | None = None) -> bytes:
    document = Document(str(template)) if template else Document()
    document.add_heading(report.title, level=0)
    document.add_paragraph(
        f"Sammenlignet med {report.group}" + (f" og {', '.join(report.peers)}" if report.peers else "") + "."
    )
    if report.demodata:
        document.add_paragraph(
            "DEMODATA: Rapporten bygger helt eller delvis på genererte tall, ikke SSBs."
        ).runs[0].bold = True
    document.add_paragraph(report.source_line)
    for chapter in report.chapters:
        document.add_heading(chapter.title, level=1)
        document.add_paragraph(chapter.intro)
        for sentence in chapter.summary:
            document.add_paragraph(sentence)
        for caption, spec in chapter.charts:
            document.add_picture(io.BytesIO(render_png(spec)), width=Cm(16))
            document.add_paragraph(caption).runs[0].italic = True
        for table in chapter.tables:
            _table(document, table)
        if chapter.comments:
            document.add_heading("Kommentarer", level=3)
            for name, sentences in chapter.comments:
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(f"{name}. ").bold = True
                paragraph.add_run(" ".join(sentences))
        if chapter.flags:
            document.add_heading("Datakvalitet", level=3)
            for flag in chapter.flags:
                document.add_paragraph(flag, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
