"""The annual KOSTRA report in HTML, PDF, Word and Excel from one format-neutral model.

report = build_report(session, "Bærum", 2024)
paths = write_report(report, ["html", "pdf"], Path("rapporter"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kostra.errors import ConfigError
from kostra.files import write_atomically
from kostra.names import slug
from kostra.outputs.report.config import FORMATS, ReportConfig, read_report_config
from kostra.outputs.report.model import Report, build_report

__all__ = [
    "FORMATS",
    "Report",
    "ReportConfig",
    "build_report",
    "read_report_config",
    "render",
    "write_report",
]


def render(report: Report, fmt: str) -> bytes:
    """One format of the report as bytes."""
    if fmt == "html":
        from kostra.outputs.report.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        from kostra.outputs.report.pdf import render_pdf

        return render_pdf(report)
    if fmt == "docx":
        from kostra.outputs.report.docx import render_docx

        return render_docx(report)
    if fmt == "xlsx":
        from kostra.outputs.report.xlsx import render_xlsx

        return render_xlsx(report)
    raise ConfigError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_report(
    report: Report, formats: Sequence[str], out: Path, on_written: Callable[[Path], None] | None = None
) -> list[Path]:
    """Write each format to ``out`` (written aside, then renamed into place)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"kostra-{report.region_code}-{slug(report.municipality)}-{report.year}"
    paths = []
    for fmt in formats:
        data = render(report, fmt)
        target = out / f"{stem}.{fmt}"
        write_atomically(target, data)
        paths.append(target)
        if on_written:
            on_written(target)
    return paths
