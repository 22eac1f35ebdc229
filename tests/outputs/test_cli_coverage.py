"""``kostra catalog coverage``: the catalog's origins per service area, in every format."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from clichecks import assert_one_bokmal_line
from kostra.catalog import load_catalog
from kostra.coverage import origin_counts
from kostra.outputs.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coverage") / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


def kostra_cli(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "catalog", "coverage", *args])


def test_the_table_names_every_area_and_the_origins(db: Path) -> None:
    result = kostra_cli(db)
    assert result.exit_code == 0, result.output
    for words in (
        "Pleie og omsorg",
        "Befolkning",
        "Herav grunnlagstall",
        "Fra SSB",
        "SSB",
        "Formel",
        "Uten opphav",
        "Totalt",
    ):
        assert words in result.stdout


def test_csv_and_json_carry_the_catalog_counts(db: Path) -> None:
    expected = origin_counts(load_catalog()).set_index("area")
    frame = pd.read_csv(io.StringIO(kostra_cli(db, "--format", "csv", "--year", "2024").stdout))
    records = json.loads(kostra_cli(db, "--format", "json", "--year", "2024").stdout)
    assert pd.DataFrame(records).equals(frame)
    assert (frame["year"] == 2024).all()
    got = frame.set_index("area")
    assert list(got.index) == list(expected.index)
    for column in ("indicators", "ssb", "formula", "provider", "none", "from_ssb"):
        assert (got[column] == expected[column]).all(), column


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--year", "1990"], "1990"),
        (["--format", "xml"], "xml"),
        (["--bogus"], "--bogus"),
    ],
)
def test_a_year_outside_the_data_or_an_unknown_option_is_one_line(
    db: Path, args: list[str], needle: str
) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, *args), 2)
    assert needle in line


def test_the_readme_shows_the_shipped_catalogs_coverage(db: Path) -> None:
    # The table in the README is the command's own output for the shipped catalog and
    # bundle; a catalog change that moves a count must update it.
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("The shipped catalog, with the bundled store:", 1)[1].split("```text\n", 1)[1]
    shown = [line.strip() for line in block.split("```", 1)[0].splitlines() if line.strip()]
    result = runner.invoke(app, ["--db", str(db), "catalog", "coverage"], env={"COLUMNS": "110"})
    rows = [line.strip() for line in result.stdout.splitlines() if line.startswith(("│", "┃"))]
    assert rows and rows == [line for line in shown if line.startswith(("│", "┃"))]
