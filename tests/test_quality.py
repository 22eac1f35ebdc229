"""The code stays ruff- and mypy-clean (the checks CI would otherwise run separately)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "args",
    [
        ["ruff", "check", "src", "tests", "bench", "scripts"],
        ["ruff", "format", "--check", "src", "tests", "bench", "scripts"],
        ["mypy"],
    ],
)
def test_tool_is_clean(args: list[str]) -> None:
    executable = shutil.which(args[0]) or str(Path(sys.executable).parent / args[0])
    result = subprocess.run(
        [executable, *args[1:]], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
