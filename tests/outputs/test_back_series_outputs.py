"""The years before a merger, computed from the parts, are marked wherever a series is
shown: the terminal table, the CSV, the report's Excel data sheet and the web API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kostra.outputs.web import create_app
from outputs.test_web import Client

# tests/fixtures/asker_merged_2019.csv: SSB's files carry 2019 under the numbers of that
# year; today's Asker (3203) was 0220 Asker, 0627 Røyken and 0628 Hurum.
MERGED = Path(__file__).parent.parent / "fixtures" / "asker_merged_2019.csv"
# (1 000 000*100 + 1 200 000*50 + 900 000*30) / (100 + 50 + 30) = 187 000 000 / 180
EXPECTED = 187_000_000 / 180
NAME = "Brutto driftsutgifter per plass i institusjon"


@pytest.fixture
def merged_store(cli, store_path: Path) -> Path:  # type: ignore[no-untyped-def]
    done = cli("--db", str(store_path), "data", "import", str(MERGED))
    assert done.returncode == 0, done.stderr
    return store_path


def test_the_terminal_table_stars_the_computed_years_and_says_why(cli, merged_store: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["--db", str(merged_store), "analyse", "Asker", "--sector", "pleie-og-omsorg", "--year", "2020"]
    done = cli(*args, "--from-year", "2018", env={"COLUMNS": "250"})
    assert done.returncode == 0, done.stderr
    assert "regnet ut av de sammenslåtte kommunenes tall" in done.stdout
    assert "1 038 889*" in done.stdout.replace("\u00a0", " ")  # EXPECTED, no decimals
    assert "tall før 2020 er summen av Asker, Røyken og Hurum" in done.stdout

    as_csv = cli(*args, "--from-year", "2018", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    marked = {(r["indicator_id"], r["series"], r["year"]) for r in rows if r["back_series"] == "True"}
    assert marked == {("plo_inst_brutto_per_plass", "Asker", "2019")}


def test_the_report_data_sheet_marks_the_computed_years(cli, merged_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "rapport"
    done = cli(
        "--db", str(merged_store), "report", "Asker", "--year", "2020",
        "--sectors", "pleie-og-omsorg", "--format", "xlsx", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = load_workbook(next(out.glob("*.xlsx")), read_only=True)
    sheet = next(s for s in book.worksheets if s.cell(1, 1).value == "Tjenesteområde")
    rows = list(sheet.iter_rows(values_only=True))
    heading = list(rows[0])
    col = {name: heading.index(name) for name in ("Indikator", "Kommune/gruppe", "År", "Verdi")}
    marked = heading.index("Beregnet fra sammenslåtte kommuner")
    computed = [r for r in rows[1:] if r[marked] == "ja"]
    assert {(r[col["Indikator"]], r[col["Kommune/gruppe"]], r[col["År"]]) for r in computed} == {
        (NAME, "Asker", 2019)
    }
    assert computed[0][col["Verdi"]] == pytest.approx(EXPECTED)


def test_the_web_api_marks_the_computed_years(merged_store: Path) -> None:
    client = Client(create_app(merged_store))
    answer = client.get(
        "/api/series",
        params={"municipality": "Asker", "sector": "pleie-og-omsorg", "year": 2020, "from_year": 2018},
    )
    assert answer.status_code == 200
    points = [p for p in answer.json() if p["back_series"]]
    assert [(p["indicator_id"], p["series"], p["year"]) for p in points] == [
        ("plo_inst_brutto_per_plass", "Asker", 2019)
    ]
    assert points[0]["value"] == pytest.approx(EXPECTED)
