"""The typesetting process: reads the print HTML on stdin, writes the PDF on stdout.

Started (``python -P typeset.py``) as soon as a report command knows it will write a PDF, it
imports WeasyPrint (more than half a second) on the other core while the report's figures
are read, then waits for the page; and when a report is written in several formats, the PDF
is typeset here while the report's own process writes the others. It imports nothing from
kostra, so it starts at once. Exit status 0 with the PDF on stdout, else the error on stderr.
"""

from __future__ import annotations

import signal
import sys


def main() -> None:
    # Ctrl-C reaches the whole process group: the parent decides; this ends with its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from weasyprint import HTML

    page = sys.stdin.buffer.read()
    if not page:  # the report failed before its PDF: nothing to do
        return
    document: bytes = HTML(string=page.decode("utf-8")).write_pdf()
    sys.stdout.buffer.write(document)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
