"""Run every benchmark in one go and write the table at the top of bench/RESULTS.md.

    python bench/run_all.py [--quick] [--only bench_cli.py,...] [--no-write]

Each benchmark runs as its own process, one after another (never two at once: they share
the machine's two cores), and appends its rows, each a measurement beside its floor or peer
from the same run, to one JSON-lines file. The table written from it says when, on which
commit and under what load the run was made, so a figure is never read without its floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine

BENCHES = [
    "bench_cli.py",
    "bench_profiles.py",
    "bench_report.py",
    "bench_batch.py",
    "bench_web.py",
    "bench_concurrency.py",
    "bench_import.py",
    "bench_jsonstat.py",
    "bench_rank.py",
]
START = "<!-- run_all: start -->"
END = "<!-- run_all: end -->"


def _number(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if value >= 100 else f"{value:.3g}" if value < 10 else f"{value:.1f}"
    return f"{text} {unit}"


def table(rows: list[dict[str, object]], started: dict[str, object], ended: dict[str, object]) -> str:
    """The Markdown section for RESULTS.md."""
    lines = [
        START,
        "## One run of every benchmark (issue 17)",
        "",
        f"Run on {started['date']}, commit {started['commit']}, {started['cores']} cores, Python "
        f"{started['python']}; load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.2f}' for x in started['load'])} before and "  # type: ignore[attr-defined]
        f"{', '.join(f'{x:.2f}' for x in ended['load'])} after. "  # type: ignore[attr-defined]
        "Each figure stands beside its floor or peer measured in the same run; the ratio is "
        "figure / floor (for req/s, a ratio below 1 means fewer requests than the floor).",
        "",
        "| benchmark | what | figure | floor or peer | floor | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['bench']}` | {row['what']} | {_number(float(row['value']), str(row['unit']))} "  # type: ignore[arg-type]
            f"| {row['floor_what']} | {_number(float(row['floor']), str(row['unit']))} "  # type: ignore[arg-type]
            f"| {float(row['ratio']):.2f} | {row['target']} | {'yes' if row['met'] else '**no**'} |"  # type: ignore[arg-type]
        )
    notes = [f"- `{r['bench']}`, {r['what']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        lines += ["", *notes]
    lines += ["", END]
    return "\n".join(lines)


def write(section: str, results: Path) -> None:
    text = results.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail
    else:  # first run: the section goes under the title
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{section}\n{body}"
    results.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's short version")
    parser.add_argument("--only", default="", help="comma-separated script names")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md")
    parser.add_argument("--web-only", default="", help="bench_web.py --only: comma-separated URL names")
    args = parser.parse_args()
    chosen = [b for b in BENCHES if not args.only or b in args.only.split(",")]
    started = machine()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rows.jsonl"
        failed = []
        for bench in chosen:
            command = [sys.executable, str(ROOT / "bench" / bench), "--json", str(out)]
            if args.quick:
                command.append("--quick")
            if bench == "bench_web.py" and args.web_only:
                command += ["--only", args.web_only]
            print(f"== {bench}", flush=True)
            begun = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=os.environ.copy())
            print(f"== {bench}: {time.perf_counter() - begun:.0f} s, exit {done.returncode}", flush=True)
            if done.returncode != 0:
                failed.append(bench)
        lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
        rows = [json.loads(line) for line in lines]
    section = table(rows, started, machine())
    print(section)
    if not args.no_write and not args.quick:
        write(section, ROOT / "bench" / "RESULTS.md")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
