"""The annual KOSTRA report in HTML, PDF, Word and Excel from one format-neutral model.

report = build_report(session, "Bærum", 2024)
paths = write_report(report, ["html", "pdf"], Path("rapporter"))
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from kostra.errors import InputError, ParameterError, os_reason
from kostra.files import write_atomically
from kostra.names import slug
from kostra.outputs.report.config import FORMATS, ReportConfig, read_report_config
from kostra.outputs.report.model import Report, build_report

__all__ = [
    "FORMATS",
    "Report",
    "ReportConfig",
    "build_report",
    "prepare_out",
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
    raise ParameterError(f"ukjent rapportformat {fmt!r}; velg blant {', '.join(FORMATS)}")


def prepare_out(out: Path) -> Path:
    """Create the folder ``out`` if needed and check that files can be written there, so a bad
    ``--out`` fails at once, in one line, before any report is built."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} er en fil, ikke en mappe; velg en mappe for rapportene med --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise InputError(
            f"kan ikke skrive rapporter til {out} ({os_reason(exc)}); velg en annen mappe med --out"
        ) from None
    return out


def write_report(
    report: Report, formats: Sequence[str], out: Path, on_written: Callable[[Path], None] | None = None
) -> list[Path]:
    """Write each format to ``out`` (written aside, then renamed into place). With the PDF
    and other formats, once a typesetting process has been started (the report command does,
    for one report; a batch's workers keep both cores busy already), the PDF is typeset there
    while the others are written."""
    prepare_out(out)
    stem = f"kostra-{report.region_code}-{slug(report.municipality)}-{report.year}"
    pending = None
    if "pdf" in formats and len(set(formats)) > 1:
        from kostra.outputs.report.pdf import start_pdf, typesetting_started

        pending = start_pdf(report) if typesetting_started() else None
    paths = {}
    # The PDF last when it is typeset elsewhere: the others are written meanwhile.
    for fmt in sorted(formats, key=lambda f: pending is not None and f == "pdf"):
        data = pending.result() if fmt == "pdf" and pending is not None else render(report, fmt)
        target = out / f"{stem}.{fmt}"
        write_atomically(target, data)
        paths[fmt] = target
        if on_written:
            on_written(target)
    return [paths[fmt] for fmt in formats]
