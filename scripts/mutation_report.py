"""Mutation scores per module from mutmut's results, for TESTING.md.

Run after ``mutmut run`` (``make mutation`` does both), from the project root::

    python scripts/mutation_report.py [--survivors DIR] [--write TESTING.md]

It reads the status of every mutant from ``mutants/**/*.meta`` and the equivalent
mutants from ``scripts/mutation_equivalent.txt`` (one a line: the mutant's name, then
why no test can tell it from the original). The score of a module is

    killed / (all mutants - equivalent)

where a timeout counts as killed (the mutant made the tests hang) and a mutant no
selected test reaches counts as not killed. ``--survivors DIR`` writes the diff of every
surviving mutant that is not listed as equivalent, one file per module, to read when
writing the tests that kill them. ``--write`` replaces the generated part of TESTING.md
(between its two markers) with the table and the list of equivalent mutants.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "scripts" / "mutation_equivalent.txt"
START, END = "<!-- mutation scores: start -->", "<!-- mutation scores: end -->"
# Issue 15's targets: analysis/ at least 90 %, the other modules at least 80 %.
TARGETS = {"kostra/analysis/": 90.0}
DEFAULT_TARGET = 80.0

# mutmut's exit codes (mutmut.stats.status_by_exit_code), reduced to what a score needs.
KILLED = {1, 3, 36, -24, 24, 152, 255, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}


@dataclass
class Module:
    path: str
    total: int = 0
    killed: int = 0
    equivalent: int = 0
    no_tests: int = 0
    unchecked: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        relevant = self.total - self.equivalent
        return 100.0 * self.killed / relevant if relevant else 100.0

    @property
    def target(self) -> float:
        return next((t for prefix, t in TARGETS.items() if self.path.startswith(prefix)), DEFAULT_TARGET)


def read_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """Mutant name -> why it is equivalent."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.strip().partition(" ")
            out[name] = reason.strip()
    return out


def read_modules(mutants: Path, equivalent: dict[str, str]) -> list[Module]:
    modules = []
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        if not codes:
            continue
        module = Module(path=str(meta.relative_to(mutants / "src"))[: -len(".meta")])
        for name, code in codes.items():
            module.total += 1
            if name in equivalent:
                module.equivalent += 1
            elif code in KILLED:
                module.killed += 1
            elif code in NO_TESTS:
                module.no_tests += 1
                module.survivors.append(name)
            elif code is None:
                module.unchecked += 1
            else:
                module.survivors.append(name)
        modules.append(module)
    return modules


def table(modules: list[Module]) -> str:
    lines = [
        "| module | mutants | killed | equivalent | survived | no test reaches | not yet run "
        "| score | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in modules:
        survived = len(m.survivors) - m.no_tests
        if m.unchecked:
            shown = "not measured"
        else:
            shown = f"{m.score:.1f} %" + ("" if m.score >= m.target else " **below**")
        lines.append(
            f"| `{m.path}` | {m.total} | {m.killed} | {m.equivalent} | {survived} | {m.no_tests} "
            f"| {m.unchecked} | {shown} | {m.target:.0f} % |"
        )
    return "\n".join(lines)


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    return done.stdout.strip() or "unknown"


def generated(modules: list[Module], equivalent: dict[str, str]) -> str:
    unchecked = sum(m.unchecked for m in modules)
    parts = [
        START,
        f"Measured {date.today().isoformat()} at commit `{_commit()}` with mutmut "
        f"({sum(m.total for m in modules)} mutants"
        + (f", {unchecked} not yet checked" if unchecked else "")
        + ").",
        "",
        table(modules),
        "",
        f"### Equivalent mutants ({len(equivalent)})",
        "",
        "Each changes the code without changing what it computes for any input the callers "
        "can give; listed in `scripts/mutation_equivalent.txt`.",
        "",
        *[f"- `{name}`: {reason}" for name, reason in sorted(equivalent.items())],
        END,
    ]
    return "\n".join(parts)


def write_survivors(modules: list[Module], out: Path) -> None:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    out.mkdir(parents=True, exist_ok=True)
    for m in modules:
        if not m.survivors:
            continue
        source = Path("src") / m.path
        with (out / (m.path.replace("/", ".") + ".diff")).open("w", encoding="utf-8") as f:
            for name in m.survivors:
                f.write(f"# {name}\n{get_diff_for_mutant(name, path=str(source))}\n\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", type=Path, help="write the surviving mutants' diffs here")
    parser.add_argument("--write", type=Path, help="update the generated part of this TESTING.md")
    args = parser.parse_args(argv)
    mutants = Path("mutants")
    if not mutants.is_dir():
        print("fant ingen mutants/; kjør `mutmut run` først (make mutation)", file=sys.stderr)
        return 2
    equivalent = read_equivalent()
    modules = read_modules(mutants, equivalent)
    print(table(modules))
    counts = Counter("unmeasured" if m.unchecked else m.score >= m.target for m in modules)
    print(
        f"\n{counts[True]} modules at or above target, {counts[False]} below, "
        f"{counts['unmeasured']} not fully run"
    )
    if args.survivors:
        write_survivors(modules, args.survivors)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        if START not in text or END not in text:
            print(f"{args.write} has no {START} ... {END} markers", file=sys.stderr)
            return 2
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        args.write.write_text(head + generated(modules, equivalent) + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
