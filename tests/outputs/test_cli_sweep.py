"""The whole command line, swept: every command x every service area x every output format,
for a large and a small municipality, and years before, inside and after the data.

Parametrized from the catalog, so a new service area or profile is swept the day it exists.
Every run must end with the exit code a user expects, never a traceback; where the figures
shown are generated, the output says DEMODATA (standard output for tables, standard error
beside CSV and JSON, so machine-readable output stays clean). A year kostra has no figures
for is refused in one bokmål line that names the years it has.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from clichecks import assert_one_bokmal_line
from kostra.catalog import load_catalog
from kostra.outputs.cli import app

CATALOG = load_catalog()
SECTORS = [s.id for s in CATALOG.sectors.values() if not s.hidden]
PROFILES = [(s.id, p.id) for s in CATALOG.sectors.values() if not s.hidden for p in s.profiles]
DEA_SECTORS = [s for s in SECTORS if s in CATALOG.economics and CATALOG.economics[s].production]
RANKED = list(CATALOG.ranking.key_figures) if CATALOG.ranking else []
MUNICIPALITIES = ["Bærum", "Utsira"]  # the reference user (128 000) and the smallest (about 200)
FORMATS = ["table", "csv", "json"]
SPAN = "2015–2024"  # the bundled dataset's years, as the refusals name them
YEARS_INSIDE = [2015, 2020, 2024]
YEARS_OUTSIDE = [2000, 2014, 2030]

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def run(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The command line in-process (the same entry point and error boundary as `kostra`)."""
    db = tmp_path_factory.mktemp("sweep") / "kostra.duckdb"
    shutil.copy(template_store, db)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", str(db), *args])

    return invoke


def test_the_bundle_is_demodata_in_every_sector(session) -> None:
    # The premise of the DEMODATA checks below: every service area's figures are partly generated.
    for sector in SECTORS:
        ids = [i.id for i in CATALOG.indicators_of(sector)]
        assert session.uses_demodata(ids, [2024]), sector


def _shown(result: Result) -> str:
    return result.stdout + result.stderr


def ok(result: Result, fmt: str = "table", *, figures: bool = True) -> None:
    """Exit 0, no traceback, output that parses, and the DEMODATA mark where it belongs."""
    assert result.exit_code == 0, _shown(result)
    assert "Traceback" not in _shown(result)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert len(rows) >= 2 and len(rows[0]) >= 2, result.stdout[:300]
    elif fmt == "json":
        assert json.loads(result.stdout)
    else:
        assert result.stdout.strip()
    if figures:
        assert "DEMODATA" in (result.stdout if fmt == "table" else result.stderr)
        if fmt != "table":
            assert "DEMODATA" not in result.stdout  # machine-readable output stays clean


def refused(result: Result, *needles: str, code: int = 2) -> str:
    """One red line on standard error, in bokmål, naming ``needles``."""
    line = assert_one_bokmal_line(result, code)
    for needle in needles:
        assert needle in line
    return line


# -- every command x every service area x every format ---------------------------------------


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("sector", "profile"), PROFILES)
def test_profile(run: Run, sector: str, profile: str, fmt: str, municipality: str) -> None:
    ok(run("profile", municipality, "-s", sector, "-p", profile, "-f", fmt), fmt)


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", SECTORS)
def test_analyse(run: Run, sector: str, fmt: str, municipality: str) -> None:
    ok(run("analyse", municipality, "-s", sector, "-f", fmt), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", [*RANKED, None])
def test_rank(run: Run, sector: str | None, fmt: str) -> None:
    ok(run("rank", *(["-s", sector] if sector else []), "-f", fmt), fmt)


@pytest.mark.parametrize("sector", [s for s in SECTORS if s not in RANKED])
def test_rank_of_an_area_without_key_figures_is_refused(run: Run, sector: str) -> None:
    refused(run("rank", "-s", sector), sector, *RANKED[:1])
    refused(run("rank", "-m", "Bærum", "-s", sector), sector)


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", [*RANKED, None])
def test_rank_explained(run: Run, sector: str | None, fmt: str, municipality: str) -> None:
    result = run("rank", "-m", municipality, *(["-s", sector] if sector else []), "-f", fmt)
    if fmt == "table":
        assert municipality in result.stdout
    ok(result, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", DEA_SECTORS)
def test_dea(run: Run, sector: str, fmt: str) -> None:
    result = run("dea", "-s", sector, "-f", fmt)
    ok(result, fmt)
    if fmt == "csv":  # every municipality is listed, placed or with what it lacks
        assert len(result.stdout.strip().splitlines()) == 1 + 357


def test_dea_without_production_figures_is_refused(run: Run) -> None:
    without = [s for s in SECTORS if s not in DEA_SECTORS]
    for sector in without:
        refused(run("dea", "-s", sector), sector, *DEA_SECTORS[:1])


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_similar(run: Run, fmt: str, municipality: str) -> None:
    ok(run("similar", municipality, "-f", fmt), fmt)


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
@pytest.mark.parametrize("sector", SECTORS)
def test_report(run: Run, sector: str, municipality: str, tmp_path: Path) -> None:
    result = run("report", municipality, "--sectors", sector, "--format", "html,xlsx", "--out", str(tmp_path))
    ok(result)
    written = sorted(tmp_path.iterdir())
    assert [p.suffix for p in written] == [".html", ".xlsx"]
    assert "DEMODATA" in written[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", [*SECTORS, "befolkning", None])
def test_data_status(run: Run, sector: str | None, fmt: str) -> None:
    ok(run("data", "status", *(["-s", sector] if sector else []), "-f", fmt), fmt, figures=False)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sector", [*SECTORS, None])
def test_data_check(run: Run, sector: str | None, fmt: str) -> None:
    # The bundle has none of SSB's aggregates: the command says how to get them, and succeeds.
    result = run("data", "check", *(["-s", sector] if sector else []), "-f", fmt)
    assert result.exit_code == 0 and "Traceback" not in _shown(result), _shown(result)
    assert "kostra data import" in _shown(result).replace("\n", " ")


@pytest.mark.parametrize("fmt", FORMATS)
def test_data_diff(run: Run, fmt: str) -> None:
    # The bundle has one release per figure: nothing changed, which is an answer, not an error.
    result = run("data", "diff", "--year", "2024", "-f", fmt)
    assert result.exit_code == 0 and "Traceback" not in _shown(result), _shown(result)


def test_groups(run: Run) -> None:
    ok(run("groups"), figures=False)


# -- years before, inside and after the data, for every command that takes one --------------


def _year_commands(year: int) -> dict[str, list[str]]:
    y = str(year)
    return {
        "profile": ["profile", "Bærum", "-s", "pleie-og-omsorg", "-p", "67+", "-y", y],
        "analyse": ["analyse", "Utsira", "-s", "grunnskole", "-y", y],
        "analyse --from-year": ["analyse", "Bærum", "-s", "barnehage", "--from-year", y],
        "rank": ["rank", "-y", y],
        "rank --municipality": ["rank", "-m", "Bærum", "-s", "barnevern", "-y", y],
        "dea": ["dea", "-s", "barnehage", "-y", y],
        "similar": ["similar", "Bærum", "-y", y],
        "report": ["report", "Utsira", "--sectors", "kultur-og-fritid", "-y", y],
        "groups": ["groups", "-y", y],
        "data diff": ["data", "diff", "-y", y],
        "data check": ["data", "check", "-y", y, "-s", "barnehage"],
    }


YEAR_COMMANDS = list(_year_commands(2024))


@pytest.mark.parametrize("command", YEAR_COMMANDS)
@pytest.mark.parametrize("year", YEARS_OUTSIDE)
def test_a_year_without_figures_is_refused_naming_the_years(run: Run, command: str, year: int) -> None:
    args = _year_commands(year)[command]
    line = refused(run(*args), str(year))
    assert SPAN in line or (command == "analyse --from-year" and year > 2024)


@pytest.mark.parametrize("command", YEAR_COMMANDS)
@pytest.mark.parametrize("year", YEARS_INSIDE)
def test_a_year_with_figures_is_answered(run: Run, command: str, year: int, tmp_path: Path) -> None:
    args = _year_commands(year)[command]
    if command == "report":
        args += ["--out", str(tmp_path)]
    result = run(*args)
    assert result.exit_code == 0, _shown(result)
    assert "Traceback" not in _shown(result)
