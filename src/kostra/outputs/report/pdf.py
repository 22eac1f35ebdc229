"""The report as PDF: the static HTML (charts as vector SVG) typeset by WeasyPrint,
with page numbers, a table of contents with page references, and bookmarks."""

from __future__ import annotations

from kostra.outputs.report.html import render_html
from kostra.outputs.report.model import Report

__all__ = ["render_pdf"]


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    document: bytes = HTML(string=render_html(report, interactive=False)).write_pdf()
    return document
