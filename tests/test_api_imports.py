"""What the Python API imports: only what every method needs. Fetching (httpx, SSB's and
KLASS's clients), importing files and user groups are imported by the methods that use
them, so ``kostra profile`` starts without them (issue 17)."""

from __future__ import annotations

import subprocess
import sys

DEFERRED = (
    "httpx",
    "kostra.fetching",
    "kostra.importing",
    "kostra.deriving",
    "kostra.sources.pxweb",
    "kostra.sources.klass",
    "kostra.sources.user_groups",
)


def test_the_api_and_the_report_model_do_not_import_fetching_or_importing() -> None:
    code = (
        "import sys, kostra.api, kostra.sector_analysis, kostra.comparisons, kostra.outputs.report.model; "
        f"print(','.join(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_deferred_imports_are_there_when_asked() -> None:
    # The methods' own imports resolve: each module named above exists and imports.
    code = "import importlib; [importlib.import_module(m) for m in " + repr(DEFERRED) + "]"
    subprocess.run([sys.executable, "-c", code], check=True)
