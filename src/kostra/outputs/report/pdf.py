"""The report as PDF: the static HTML (charts as vector SVG) typeset by WeasyPrint,
with page numbers, a table of contents with page references, and bookmarks.

WeasyPrint runs in this process, or, once :func:`start_typesetting` has been called, in a
typesetting process (typeset.py) started then: it imports WeasyPrint while the report is
built, and typesets while this process writes the other formats. Both give the same PDF
(tests/outputs/test_report.py compares them).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

from kostra.errors import KostraError
from kostra.outputs.report.html import render_html
from kostra.outputs.report.model import Report

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
    """A PDF being typeset; :meth:`result` waits for it."""

    def __init__(self, page: str) -> None:
        global _waiting
        with _lock:
            process, _waiting = _waiting, None
        self._page = page
        self._output: list[bytes] = []
        self._thread: threading.Thread | None = None
        self._process = process if process is not None else _spawn()
        if self._process is not None:
            self._thread = threading.Thread(target=self._talk, name="kostra-typeset", daemon=True)
            self._thread.start()

    def _talk(self) -> None:
        assert self._process is not None
        with contextlib.suppress(OSError):  # a process that died: result() says why
            out, err = self._process.communicate(self._page.encode("utf-8"))
            self._output[:] = [out, err]

    def result(self) -> bytes:
        if self._process is None or self._thread is None:
            return _typeset_here(self._page)
        self._thread.join()
        out, err = self._output or [b"", b""]
        if self._process.returncode != 0 or not out:
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["ingen PDF"]
            raise KostraError(f"PDF-en kunne ikke settes: {reason[0]}")
        return out


def _typeset_here(page: str) -> bytes:
    from weasyprint import HTML

    document: bytes = HTML(string=page).write_pdf()
    return document


def start_pdf(report: Report) -> PdfJob:
    """Start typesetting the report's PDF in the typesetting process (the charts must be
    drawn first: this waits for them); the caller goes on with other work meanwhile."""
    return PdfJob(render_html(report, interactive=False))


def render_pdf(report: Report) -> bytes:
    if typesetting_started():
        return start_pdf(report).result()
    return _typeset_here(render_html(report, interactive=False))
