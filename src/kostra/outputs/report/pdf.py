"""The report as PDF: the print HTML typeset by WeasyPrint, with page numbers, a table of
contents with page references, and bookmarks, and the charts, drawn to PDF by vl-convert in
the drawing processes (drawing.py), placed in their boxes (typeset.py).

WeasyPrint runs in this process, or, once :func:`start_typesetting` has been called, in a
typesetting process (typeset.py) started then: it imports WeasyPrint while the report is
built, and typesets while this process writes the other formats; the charts are drawn to PDF
and sent to it while it lays out the page. Both give the same PDF
(tests/outputs/test_report.py compares them).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from kostra.errors import KostraError
from kostra.outputs.report.drawing import ChartError, pdf_later
from kostra.outputs.report.html import render_print
from kostra.outputs.report.model import Report
from kostra.outputs.report.typeset import typeset, write_frame

__all__ = ["PdfJob", "render_pdf", "start_pdf", "start_typesetting", "typesetting_started"]

_lock = threading.Lock()
_waiting: subprocess.Popen[bytes] | None = None  # started, not yet given a page


def start_typesetting() -> None:
    """Start a typesetting process now, for the next PDF (it imports WeasyPrint meanwhile).
    Without one, :func:`start_pdf` starts one when it is called."""
    global _waiting
    with _lock:
        if _waiting is None:
            _waiting = _spawn()


def typesetting_started() -> bool:
    """Whether a typesetting process waits for the next PDF (:func:`start_typesetting`)."""
    with _lock:
        return _waiting is not None


def _spawn() -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    script = str(Path(__file__).with_name("typeset.py"))
    try:
        # -P: the script's folder (html.py ...) must not shadow real modules.
        process = subprocess.Popen(
            [sys.executable, "-P", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError:
        return None
    atexit.register(_end, process)
    return process


def _end(process: subprocess.Popen[bytes]) -> None:
    """At exit: a process never given its page ends with its (closed) input."""
    if process.returncode is None:
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _forget_in_child() -> None:
    """A forked worker lets go of the parent's waiting process (the parent's to use or end)."""
    global _lock, _waiting
    _lock = threading.Lock()  # maybe held by another thread at the fork
    process, _waiting = _waiting, None
    if process is not None:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        process.returncode = 0  # not ours to wait for


os.register_at_fork(after_in_child=_forget_in_child)


class PdfJob:
    """A PDF being typeset from the print page and its charts (each a function giving its
    PDF: :func:`kostra.outputs.report.drawing.pdf_later`); :meth:`result` waits for it."""

    def __init__(self, page: str, charts: Sequence[Callable[[], bytes]] = ()) -> None:
        global _waiting
        with _lock:
            process, _waiting = _waiting, None
        self._page = page
        self._charts = charts
        self._output: list[bytes] = []
        self._chart_error: KostraError | None = None
        self._thread: threading.Thread | None = None
        self._process = process if process is not None else _spawn()
        if self._process is not None:
            self._thread = threading.Thread(target=self._talk, name="kostra-typeset", daemon=True)
            self._thread.start()

    def _talk(self) -> None:
        process = self._process
        assert process is not None
        assert process.stdin is not None
        # The page first: it is laid out while the charts are drawn and sent.
        with contextlib.suppress(OSError):  # a process that died: result() says why
            write_frame(process.stdin, self._page.encode("utf-8"))
            process.stdin.flush()  # all of it now: the charts may take a while
            for chart in self._charts:
                try:
                    drawn = chart()
                except Exception as exc:  # ChartError, or whatever kept it from being drawn
                    self._chart_error = _chart_error(exc)
                    process.kill()  # the PDF cannot be whole
                    break
                write_frame(process.stdin, drawn)
        with contextlib.suppress(OSError):
            out, err = process.communicate()
            self._output[:] = [out, err]

    def result(self) -> bytes:
        if self._process is None or self._thread is None:
            return _typeset_here(self._page, self._charts)
        self._thread.join()
        if self._chart_error is not None:
            raise self._chart_error
        out, err = self._output or [b"", b""]
        if self._process.returncode != 0 or not out:
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["ingen PDF"]
            raise KostraError(f"PDF-en kunne ikke settes: {reason[0]}")
        return out


def _chart_error(exc: Exception) -> KostraError:
    """One line: vl-convert's message may go on with a Rust backtrace."""
    reason = str(exc).strip().splitlines()[:1] or ["ukjent feil"]
    return KostraError(f"PDF-en kunne ikke lages: et diagram kunne ikke tegnes som PDF ({reason[0]})")


def _typeset_here(page: str, charts: Sequence[Callable[[], bytes]] = ()) -> bytes:
    def drawn() -> list[bytes]:
        try:
            return [chart() for chart in charts]
        except ChartError as exc:
            raise _chart_error(exc) from None

    return typeset(page, drawn)


def _print_parts(report: Report) -> tuple[str, list[Callable[[], bytes]]]:
    """The print page and its charts, which start drawing as PDF (their SVGs must be drawn
    first: this waits for them)."""
    page, svgs = render_print(report)
    return page, [pdf_later(svg) for svg in svgs]


def start_pdf(report: Report) -> PdfJob:
    """Start typesetting the report's PDF in the typesetting process; the caller goes on
    with other work meanwhile."""
    return PdfJob(*_print_parts(report))


def render_pdf(report: Report) -> bytes:
    if typesetting_started():
        return start_pdf(report).result()
    return _typeset_here(*_print_parts(report))
