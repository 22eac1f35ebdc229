"""The README's first lines are what a new user runs: its test command is the one CI runs,
and every system package the tests need is named right there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _first_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block, "the README starts with a bash block of two commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def _ci_packages() -> list[str]:
    install = re.search(r"apt-get install (.*?)>/dev/null", CI, re.S)
    assert install
    return [w for w in install.group(1).replace("\\\n", " ").split() if not w.startswith("-")]


def test_the_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    install_and_report, tests = _first_commands()
    assert install_and_report.startswith("pip install . && kostra report Bærum")
    assert CI.rstrip().splitlines()[-1] == tests


def test_every_package_the_tests_need_is_named_beside_the_test_command() -> None:
    packages = _ci_packages()
    assert {"chromium", "libharfbuzz-subset0", "poppler-utils"} <= set(packages)
    # The paragraph right after the two commands, before the first example.
    beside = README[README.index("The second runs the tests") : README.index("For a quick look")]
    missing = [
        p for p in packages if f"`{p}" not in beside and f" {p} " not in beside and f" {p}`" not in beside
    ]
    assert not missing, f"the README does not name {missing} beside the test command"
