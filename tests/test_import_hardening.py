"""Issue #12, "never a wrong answer": `kostra data import` on a corpus of bad files.

Every file in tests/fixtures/bad_imports is either refused or read right. A refusal
is one bokmål line with exit code 1, comes before the store is touched (the
store's file is byte for byte what it was), and no import ever leaves an
infinite or NaN figure in the store. The files are small and real; the few that
would be huge (a CSV field over csv's limit, a file over the size limit) are
made in the test, and a named pipe is made with os.mkfifo.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

import kostra
from clichecks import assert_one_bokmal_line
from kostra.catalog import Catalog, load_catalog
from kostra.errors import InputError
from kostra.importing import DEFAULT_RANGE, UNIT_RANGES, prepare_import, year_span
from kostra.outputs.cli import app
from kostra.sources import jsonstat, statbank
from kostra.store import Store

BAD = Path(__file__).parent / "fixtures" / "bad_imports"
NBSP = "\u00a0"
THIS_YEAR = date.today().year
runner = CliRunner()

# file -> what its one line must say (besides the file's name)
REFUSED = {
    # values that would corrupt statistics
    "huge_number.csv": "rad 2: tallet i kolonnen 'verdi' har 400 sifre og er for stort til å lagres",
    "nan_string.json": "JSON-stat 'value' har teksten 'NaN'",
    "infinity_string.json": "JSON-stat 'value' har teksten 'Infinity'",
    "boolean.json": "JSON-stat 'value' har sannhetsverdien true i celle 1",
    "text_value.json": "JSON-stat 'value' har teksten 'mye'",
    "overflow_literal.json": "er ikke gyldig JSON (et tall er for stort til å lagres",
    "big_float.json": "celle 1: 1e+308 er utenfor det et tall i kroner kan være",
    "out_of_range_percent.csv": f"rad 3: 7{NBSP}800 er utenfor det et tall i prosent kan være (-1{NBSP}000",
    "negative_count.csv": "rad 2: -5 er utenfor det et tall i personer kan være (0 til",
    "sparse_minus_one.json": "JSON-stat 'value' har nøkkelen '-1'",
    "sparse_out_of_range.json": "JSON-stat 'value' har celle '7', men datasettet har bare 2 celler",
    "sparse_key_not_number.json": "JSON-stat 'value' har nøkkelen 'en'",
    "old_and_new_number.csv": "Bærum står med to nummer i 2024, 0219 (rad 2) og 3201 (rad 3), med ulike tall",
    "year_2099.csv": f"rad 3: året 2099 er utenfor årene kostra leser inn (2015–{THIS_YEAR}); rett",
    # statuses
    "status_out_of_range.json": "JSON-stat 'status' har celle '9', men datasettet har bare 2 celler",
    "status_minus_one.json": "JSON-stat 'status' har nøkkelen '-1'",
    "status_not_text.json": "statusen i celle 1 er 1, ikke en tekst",
    "status_too_long.json": "i celle 1 er lengre enn 16 tegn",
    "status_wrong_length.json": "JSON-stat 'status' har 1 celle, ventet 2",
    # the cube's shape
    "duplicate_codes.json": "dimensjonen KOKkommuneregion0000 har kategorien '3201' to ganger",
    "size_not_integer.json": "'size' for dimensjonen KOKkommuneregion0000 må være et heltall, ikke '2'",
    "huge_size.json": f"sier datasettet har 4{NBSP}294{NBSP}967{NBSP}296 celler, mer enn de 10{NBSP}000",
    "sparse_size_mismatch.json": f"4{NBSP}000{NBSP}000 celler, men dokumentet har tall for 1 av dem",
    # spreadsheets
    "old_excel.xls": "er en Excel 97-2003-fil (.xls) eller en passordbeskyttet XLSX-fil",
    "chartsheet_only.xlsx": "er ikke en lesbar XLSX-fil",
}
# odd but good: read right
READ = {
    "cr_only_line_endings.csv": {"3201": 74321.0, "3203": 70111.0},
    "lying_dimension.xlsx": {"3201": 74321.0, "3203": 70111.0},
}
# refused only under a lowered limit (see the tests below)
LIMITS = {"too_many_cells.xlsx"}


@pytest.fixture(scope="module")
def db(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the module: every test here leaves it unchanged, and checks that."""
    path = tmp_path_factory.mktemp("hardening") / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


@pytest.fixture
def no_store_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal must come before the store: loading anything fails the test."""

    def written(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the store was written")

    monkeypatch.setattr(Store, "load_release", written)


def _store_state(db: Path) -> tuple[str, str, tuple[int, int, str | None]]:
    wal = db.with_name(db.name + ".wal")
    wal_digest = hashlib.sha256(wal.read_bytes()).hexdigest() if wal.exists() else ""
    with Store(db, read_only=True) as store:
        fingerprint = store.fingerprint()
    return hashlib.sha256(db.read_bytes()).hexdigest(), wal_digest, fingerprint


def _non_finite(db: Path) -> int:
    with Store(db, read_only=True) as store:
        rows = store.execute("SELECT count(*) FROM observation WHERE isnan(value) OR isinf(value)")
        return int(rows.fetchall()[0][0])


def _import(db: Path, path: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "data", "import", str(path), *args])


def refused(db: Path, path: Path, *args: str) -> str:
    """Import ``path`` through the CLI: one bokmål line, exit 1, the store unchanged."""
    before = _store_state(db)
    line = assert_one_bokmal_line(_import(db, path, *args), 1)
    assert _store_state(db) == before
    assert _non_finite(db) == 0
    return line


def test_every_file_in_the_corpus_has_a_test() -> None:
    files = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert files == set(REFUSED) | set(READ) | LIMITS


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_is_refused_in_one_line_before_the_store(db: Path, no_store_writes: None, name: str) -> None:
    line = refused(db, BAD / name)
    assert f"{name}" in line and REFUSED[name] in line, line


@pytest.mark.parametrize("name", sorted(READ))
def test_odd_but_good_file_is_read_right(store_path: Path, name: str) -> None:
    result = _import(store_path, BAD / name)
    assert result.exit_code == 0, result.output
    with kostra.open(store_path) as session:
        frame = session.store.observations(["okonomi_frie_inntekter_per_innb"], [2024])
    figures = frame[frame["release_kind"] == "file"].set_index("region_code")["value"].to_dict()
    assert figures == READ[name]
    assert _non_finite(store_path) == 0


def test_csv_field_longer_than_the_csv_limit(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "langt_felt.csv"
    path.write_text(
        "region;statistikkvariabel;år;verdi\n3201 Bærum;" + "x" * 200_000 + ";2024;1\n", encoding="utf-8"
    )
    line = refused(db, path)
    assert f"langt_felt.csv, rad 2: et felt er lengre enn 131{NBSP}072 tegn" in line


def test_unbalanced_quote_is_one_line(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "anforsel.csv"
    lines = ["region;år;Frie inntekter per innbygger (kr)", '"3201 Bærum;2024;1']
    path.write_text("\n".join(lines + ["3203 Asker;2024;2"] * 20_000) + "\n", encoding="utf-8")
    assert "anforsel.csv, rad " in refused(db, path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_hanging(db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "ror.csv"
    os.mkfifo(fifo)
    before = _store_state(db)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kostra", "--db", str(db), "data", "import", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,  # it used to block for ever, waiting for a writer
        check=False,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().startswith("Feil: ") and "\n" not in result.stderr.strip()
    assert "navngitt rør (FIFO)" in result.stderr
    assert _store_state(db) == before


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused(db: Path) -> None:
    # /dev/zero never ends: it used to fill the memory
    assert "/dev/zero: kan ikke leses (det er en enhet, ikke en vanlig fil)" in refused(db, Path("/dev/zero"))


def test_a_directory_is_refused(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mappe.csv"
    folder.mkdir()
    assert "kan ikke leses (det er en mappe, ikke en fil)" in refused(db, folder)


def test_a_file_over_the_size_limit_is_refused_unread(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "enorm.csv"
    with path.open("wb") as handle:  # sparse: takes no disk
        handle.truncate(statbank.MAX_FILE_BYTES + 1)
    line = refused(db, path)
    assert "enorm.csv: er 100,0 MB, mer enn de 100,0 MB kostra leser" in line


def test_an_xlsx_that_unpacks_too_large_is_refused(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statbank, "MAX_XLSX_UNPACKED", 1_000)
    assert "lying_dimension.xlsx: XLSX-filen pakkes ut til" in refused(db, BAD / "lying_dimension.xlsx")


def test_a_sheet_with_too_many_cells_is_refused(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 200 rows with a cell in column XFD: 3,3 million cells from 7 kB
    monkeypatch.setattr(statbank, "MAX_TABLE_CELLS", 1_000_000)
    line = refused(db, BAD / "too_many_cells.xlsx")
    assert f"too_many_cells.xlsx, rad 65: tabellen har mer enn 1{NBSP}000{NBSP}000 celler" in line


def test_the_huge_size_is_refused_before_anything_is_allocated(monkeypatch: pytest.MonkeyPatch) -> None:
    # huge_size.json: 2 kB declaring 4 294 967 296 cells (it used to allocate gigabytes).
    # The refusal takes well under a millisecond; the time is not asserted (a loaded
    # machine must not fail the test), the code path and the memory are.
    data = (BAD / "huge_size.json").read_bytes()

    def allocated(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("reached the allocation")

    for step in ("_dimensions", "_values", "_status"):
        monkeypatch.setattr(jsonstat, step, allocated)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="4\u00a0294\u00a0967\u00a0296 celler"):
            jsonstat.read_jsonstat(data, name="huge_size.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # bytes traced by Python and numpy, far from 100 MB


# -- the rules behind the refusals ---------------------------------------------------


Context = tuple[Catalog, pd.DataFrame, dict[str, str]]


@pytest.fixture(scope="module")
def context(db: Path) -> Context:
    with kostra.open(db) as session:
        return session.catalog, session.regions, session._mapping


def _csv(tmp_path: Path, rows: list[str], name: str = "fil.csv") -> Path:
    path = tmp_path / name
    path.write_text("region;statistikkvariabel;år;verdi\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_same_figure_or_a_missing_one_under_an_old_number_is_accepted(
    context: Context, tmp_path: Path
) -> None:
    ind = "Frie inntekter per innbygger (kr)"
    same = _csv(tmp_path, [f"0219 Bærum;{ind};2019;11", f"3201 Bærum;{ind};2019;11"])
    assert len(prepare_import(same, *context).observations) == 2
    missing = _csv(tmp_path, [f"0219 Bærum;{ind};2019;11", f"3201 Bærum;{ind};2019;.."], "dots.csv")
    assert len(prepare_import(missing, *context).observations) == 2
    # by name, Bærum of 2019 is 0219: a second figure for it is refused
    by_name = _csv(tmp_path, [f"0219 Bærum;{ind};2019;11", f"Bærum;{ind};2019;12"], "navn.csv")
    with pytest.raises(InputError, match=r"navn.csv, rad 3: samme statistikkvariabel, region og år"):
        prepare_import(by_name, *context)
    renumbered = _csv(tmp_path, [f"0219 Bærum;{ind};2019;11", f"3201 Bærum;{ind};2019;12"], "to.csv")
    with pytest.raises(
        InputError, match=r"Bærum står med to nummer i 2019, 0219 \(rad 2\) og 3201 \(rad 3\)"
    ):
        prepare_import(renumbered, *context)


def test_years_outside_the_span_only_when_asked_for(context: Context, tmp_path: Path) -> None:
    ind = "Frie inntekter per innbygger (kr)"
    old = _csv(tmp_path, [f"3201 Bærum;{ind};2014;11"])
    with pytest.raises(InputError, match=r"året 2014 er utenfor årene kostra leser inn \(2015–2030\)"):
        prepare_import(old, *context, today=date(2030, 6, 1))
    assert prepare_import(old, *context, allow_years=True).observations["year"].tolist() == [2014]
    future = _csv(tmp_path, [f"3201 Bærum;{ind};2099;11"], "fremtid.csv")
    assert prepare_import(future, *context, allow_years=True).observations["year"].tolist() == [2099]
    assert year_span(date(2031, 1, 1)) == (2015, 2031)


def test_every_catalog_unit_has_a_range() -> None:
    units = {ind.unit for ind in load_catalog().indicators.values()}
    assert units <= set(UNIT_RANGES), units - set(UNIT_RANGES)
    for low, high in [*UNIT_RANGES.values(), DEFAULT_RANGE]:
        assert low < high


def test_the_bundled_figures_are_inside_their_ranges(session) -> None:  # type: ignore[no-untyped-def]
    # the ranges must never refuse a figure like the ones kostra already holds
    units = {ind.id: ind.unit for ind in session.catalog.indicators.values()}
    frame = session.store.observations()
    frame = frame[frame["value"].notna()]
    low = frame["indicator_id"].map(lambda i: UNIT_RANGES.get(units[i], DEFAULT_RANGE)[0])
    high = frame["indicator_id"].map(lambda i: UNIT_RANGES.get(units[i], DEFAULT_RANGE)[1])
    outside = frame[(frame["value"] < low) | (frame["value"] > high)]
    assert outside.empty, outside.head()
