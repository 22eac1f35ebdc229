"""Benchmark: the KOSTRA report for one municipality (all sectors), as a user waits for it.

    python bench/bench_report.py [--runs 3] [--quick] [--json PATH]

Whole processes, as a user runs them: ``kostra report Bærum --year 2024 --format F`` for
each format and for all four in one command, over a filled store (warm: the store is filled
from the bundle once, before anything is timed). Beside them, in the same run:

- the floor every command pays: ``python -c pass`` and ``kostra --help``;
- the floor of the PDF: WeasyPrint as its own process on the page the PDF is typeset from
  (its charts empty boxes of their size: kostra draws them with vl-convert and places them),
  written once, untimed, by the same code the PDF is made from;
- the way before: WeasyPrint on the print HTML with the charts as SVG images (it draws
  their text glyph by glyph), and its peer, Chromium printing that HTML
  (``--headless --print-to-pdf``), if installed.

Targets (issue 17): HTML < 1.5 s, Word < 2.5 s, PDF < 6 s, all four < 7 s. The batch
(``--all``) is measured by bench/bench_batch.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, Row, emit, kostra_cmd, run_once

BENCH = "bench_report.py"
CHROMIUM = "/usr/bin/chromium"
ARGS = ("Bærum", "--year", "2024")
TARGETS = {"html": 1.5, "docx": 2.5, "pdf": 6.0, "html,docx,pdf,xlsx": 7.0}
NAMES = {"html": "HTML", "docx": "Word", "pdf": "PDF", "xlsx": "Excel", "html,docx,pdf,xlsx": "all four"}

# The print HTML with the charts as SVG images, and the page the PDF is typeset from (the
# charts as empty boxes), written by the report's own code (not timed).
PRINT_HTML = """
import sys
import kostra
from kostra.outputs.report import build_report
from kostra.outputs.report.html import render_html, render_print
with kostra.open(read_only=True) as session:
    report = build_report(session, "Bærum", 2024, formats=["pdf"])
open(sys.argv[1], "w", encoding="utf-8").write(render_html(report, interactive=False))
open(sys.argv[2], "w", encoding="utf-8").write(render_print(report)[0])
"""
WEASYPRINT = "import sys; from weasyprint import HTML; HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"


def _environment(home: Path) -> dict[str, str]:
    return {**os.environ, "KOSTRA_HOME": str(home)}


def _chromium(page: Path, out: Path) -> list[str] | None:
    if not Path(CHROMIUM).exists():
        return None
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        page.as_uri(),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median counts)")
    parser.add_argument("--quick", action="store_true", help="one run each, for a quick check")
    parser.add_argument("--json", help="append the rows as JSON lines to this file")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs

    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        env = _environment(here / "home")
        out = here / "out"
        run_once(kostra_cmd("data", "status"), env, ROOT)  # fill the store from the bundle once
        page, boxes = here / "report-print.html", here / "report-boxes.html"
        subprocess.run(
            [sys.executable, "-c", PRINT_HTML, str(page), str(boxes)], env=env, cwd=ROOT, check=True
        )
        # Warm once more (the vega bundle and the OS file cache), untimed.
        run_once(kostra_cmd("report", *ARGS, "--format", "html", "--out", str(out)), env, ROOT)

        chromium_cmd = _chromium(page, here / "c.pdf")
        commands: dict[str, list[str]] = {
            "bare": [sys.executable, "-c", "pass"],
            "help": kostra_cmd("--help"),
            "weasyprint": [sys.executable, "-c", WEASYPRINT, str(boxes), str(here / "w.pdf")],
            "weasyprint_svg": [sys.executable, "-c", WEASYPRINT, str(page), str(here / "s.pdf")],
            **({"chromium": chromium_cmd} if chromium_cmd else {}),
            **{
                fmt: kostra_cmd("report", *ARGS, "--format", fmt, "--out", str(out / fmt.replace(",", "-")))
                for fmt in TARGETS | {"xlsx": 0.0}
            },
        }
        # Round after round, each command once a round: a burst of load elsewhere on the
        # machine then falls on the floors and the reports alike, not on one of them.
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                times[name].append(run_once(cmd, env, ROOT))
        timed = {name: statistics.median(values) for name, values in times.items()}
        bare, help_, weasy, weasy_svg = (
            timed["bare"],
            timed["help"],
            timed["weasyprint"],
            timed["weasyprint_svg"],
        )
        chromium = timed.get("chromium", float("nan"))
        pages = [p.stat().st_size for p in out.rglob("*.pdf")]
        shutil.rmtree(out, ignore_errors=True)

    start_note = f"python -c pass {bare:.3f} s"
    peer_note = f"WeasyPrint drawing the charts itself {weasy_svg:.2f} s" + (
        f", Chromium printing that HTML {chromium:.2f} s" if chromium_cmd else ""
    )
    rows = []
    for fmt in ("html", "docx"):
        rows.append(
            Row(
                BENCH,
                f"kostra report Bærum 2024, {NAMES[fmt]} (whole process, warm store)",
                timed[fmt],
                "kostra --help",
                help_,
                "s",
                f"{NAMES[fmt]} < {TARGETS[fmt]:g} s",
                timed[fmt] < TARGETS[fmt],
                start_note,
            )
        )
    for fmt in ("pdf", "html,docx,pdf,xlsx"):
        rows.append(
            Row(
                BENCH,
                f"kostra report Bærum 2024, {NAMES[fmt]} (whole process, warm store)",
                timed[fmt],
                "WeasyPrint alone on the page the PDF is typeset from (whole process)",
                weasy,
                "s",
                f"{NAMES[fmt]} < {TARGETS[fmt]:g} s",
                timed[fmt] < TARGETS[fmt],
                f"{peer_note}; PDF sizes {sorted(pages)} bytes",
            )
        )
    rows.append(
        Row(
            BENCH,
            "kostra report Bærum 2024, Excel (whole process, warm store)",
            timed["xlsx"],
            "kostra --help",
            help_,
            "s",
            "no target (recorded)",
            True,
            start_note,
        )
    )
    if chromium_cmd:
        rows.append(
            Row(
                BENCH,
                "WeasyPrint alone on the print HTML with the charts as SVG (the way before; whole process)",
                weasy_svg,
                "peer: Chromium printing the same HTML",
                chromium,
                "s",
                "measured before choosing a renderer (Chromium lacks target-counter page numbers in a TOC)",
                True,
            )
        )
    emit(rows, args.json)


if __name__ == "__main__":
    main()
