"""``import kostra`` and ``kostra --help`` are light (issue 17, item 2): they import none of
pandas, DuckDB or httpx, each checked in a fresh interpreter's ``sys.modules``; and the
public names imported on first use are the very objects of the modules they live in."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import kostra
from kostra.outputs.cli import app

HEAVY = ("pandas", "duckdb", "httpx", "numpy")


def _heavy_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code`` (told at exit: the
    command line ends its process itself, once its atexit handlers have run)."""
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules))))\n"
        f"{code}"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def _commands() -> list[list[str]]:
    """Every command path of the application: [], ["profile"], ["data", "status"] ..."""
    import typer.main

    found: list[list[str]] = [[]]

    def walk(group: object, path: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            found.append([*path, name])
            walk(command, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_import_kostra_imports_no_heavy_module() -> None:
    assert _heavy_after("import kostra") == []


def test_the_errors_need_no_heavy_module() -> None:
    assert _heavy_after("from kostra import KostraError, RegionNotFound, YearNotAvailable") == []


def test_the_command_line_loads_no_heavy_module_before_a_command_runs() -> None:
    assert _heavy_after("import kostra.outputs.cli") == []


def test_every_help_page_imports_no_heavy_module() -> None:
    commands = _commands()
    # Every command of the application is visited, the groups with their subcommands.
    assert {"profile", "report", "serve"} <= {c[0] for c in commands if c}
    assert ["data", "fetch"] in commands and ["catalog", "coverage"] in commands
    for command in commands:
        # As `kostra ... --help` runs: the process must end with status 0 (check=True).
        code = f"sys.argv = ['kostra', *{command!r}, '--help']\nimport kostra.__main__"
        assert _heavy_after(code) == [], command


def test_a_command_that_needs_pandas_still_gets_it() -> None:
    """The probe sees heavy modules when they are there (it is no test that always passes)."""
    assert {"pandas", "duckdb"} <= set(_heavy_after("import kostra\nkostra.Session"))


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("Region", "kostra.analysis.regions"),
        ("Session", "kostra.api"),
        ("default_db_path", "kostra.api"),
        ("open", "kostra.api"),
        ("Catalog", "kostra.catalog"),
        ("GroupDef", "kostra.catalog"),
        ("Indicator", "kostra.catalog"),
        ("load_catalog", "kostra.catalog"),
    ],
)
def test_a_lazy_name_is_the_object_of_its_module(name: str, module: str) -> None:
    import importlib

    assert getattr(kostra, name) is getattr(importlib.import_module(module), name)


def test_from_kostra_import_open_works_in_a_fresh_interpreter() -> None:
    code = "from kostra import open, Session\nimport kostra.api\nassert open is kostra.api.open\nprint('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        kostra.nothing_here  # noqa: B018
    assert not hasattr(kostra, "Sessions")
