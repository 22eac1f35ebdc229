"""Apply each of issue 15's seven one-line faults alone and check the tests notice it.

    python scripts/seven_faults.py [--tests PATH ...] [N ...]

Each fault is a textual change to one module, made in the working tree and undone
afterwards (also on Ctrl-C). By default the quick tests that pin these methods run
(tests/test_methods_pinned.py and the web rate limit's); ``--tests tests`` runs the
README's whole test command instead. Exits 1 if a fault survives.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["tests/test_methods_pinned.py", "tests/outputs/test_web_security.py"]


@dataclass(frozen=True)
class Fault:
    name: str
    path: str
    old: str
    new: str


FAULTS = (
    Fault("the pre-2019 percentile rule is never used", "src/kostra/analysis/ranking.py",
          'if rule == "percentile":', "if False:"),
    Fault("similar municipalities without standardising", "src/kostra/analysis/similar.py",
          "spread = data.std(ddof=0).replace(0.0, 1.0)", "spread = 1.0"),
    Fault("DEA input not divided by the need index", "src/kostra/comparisons.py",
          "(wide[economics.gross_expenditure] / wide[economics.need_index])",
          "(wide[economics.gross_expenditure])"),
    Fault("the web rate limit never refuses", "src/kostra/outputs/web/security.py",
          "            if tokens >= 1:", "            if True:"),
    Fault("the group's need index unweighted", "src/kostra/sector_analysis.py",
          '(joined["value"] * joined["value_pop"]).sum() / joined["value_pop"].sum()',
          'joined["value"].mean()'),
    Fault("previous rank from the same year", "src/kostra/comparisons.py",
          "_, before = rank(session, when - 1)", "_, before = rank(session, when)"),
    Fault("last year's index over this year's group average", "src/kostra/analysis/service_profile.py",
          "index_previous=(100 * previous / last_average)",
          "index_previous=(100 * previous / average)"),
)  # fmt: skip


def caught(fault: Fault, tests: list[str]) -> bool:
    path = ROOT / fault.path
    text = path.read_text(encoding="utf-8")
    if text.count(fault.old) != 1:
        raise SystemExit(f"{fault.path}: the code the fault changes is not there once: {fault.old!r}")
    path.write_text(text.replace(fault.old, fault.new), encoding="utf-8")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(text, encoding="utf-8")
    return run.returncode != 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", type=int, help="only these faults (1-7)")
    parser.add_argument("--tests", nargs="+", default=QUICK, help="what pytest runs")
    args = parser.parse_args()
    survived = 0
    for number, fault in enumerate(FAULTS, 1):
        if args.numbers and number not in args.numbers:
            continue
        ok = caught(fault, args.tests)
        survived += not ok
        print(f"{number}. {fault.name}: {'caught' if ok else 'SURVIVED'}", flush=True)
    raise SystemExit(1 if survived else 0)


if __name__ == "__main__":
    main()
