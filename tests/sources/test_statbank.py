"""Reading statbank CSV and XLSX exports: layouts, encodings, symbols and errors."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from kostra.errors import InputError
from kostra.sources.statbank import decode_text, parse_statbank_bytes, read_statbank_file, read_user_file

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_semicolon_utf8_long_layout_with_title() -> None:
    frame = read_statbank_file(FIXTURES / "statbank_12134_semicolon_utf8.csv")
    assert list(frame["region_code"]) == ["3201", "3201", "3203", "0301", "EAK"]
    assert list(frame["year"]) == [2023, 2024, 2024, 2024, 2024]
    assert frame["value"][1] == 74321
    assert np.isnan(frame["value"][3]) and frame["status"][3] == ".."
    assert set(frame["contents"]) == {"Frie inntekter per innbygger (kr)"}
    assert list(frame["row"]) == [4, 5, 6, 7, 8]


def test_comma_latin1_wide_layout_with_decimal_comma() -> None:
    frame = read_statbank_file(FIXTURES / "statbank_wide_comma_latin1.csv")
    by_key = frame.set_index(["region_code", "year"])
    assert by_key.loc[("3201", 2023), "value"] == pytest.approx(3.4)
    assert by_key.loc[("3203", 2023), "value"] == pytest.approx(-0.8)
    assert by_key.loc[("5001", 2024), "status"] == ":"
    assert frame["contents"][0] == "Netto driftresultat i prosent av brutto driftsinntekter"
    assert frame["region"][4] == "5001 Trondheim - Tråante"  # decoded from ISO-8859-1


def test_xlsx_export(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["12134: Utvalgte nøkkeltall for kommuneregnskap"])
    sheet.append([])
    sheet.append(["region", "statistikkvariabel", "2023", "2024"])
    sheet.append(["3201 Bærum", "Frie inntekter per innbygger (kr)", 71234, 74321])
    sheet.append(["3203 Asker", "Frie inntekter per innbygger (kr)", "..", 70111.0])
    path = tmp_path / "export.xlsx"
    book.save(path)
    frame = read_statbank_file(path)
    assert len(frame) == 4
    assert frame.set_index(["region_code", "year"]).loc[("3203", 2024), "value"] == 70111
    assert frame.set_index(["region_code", "year"]).loc[("3203", 2023), "status"] == ".."


def test_ssb_dash_means_zero() -> None:
    path_text = 'region;år;Andel\n"3201 Bærum";2024;-\n'
    frame = _parse(path_text)
    assert frame["value"][0] == 0.0 and frame["status"][0] == "-"


def _parse(text: str, tmp: Path | None = None) -> object:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.csv"
        path.write_text(text, encoding="utf-8")
        return read_statbank_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'region;år;Netto\n"3201 Bærum";2024;12x\n',
            r"file.csv, rad 2: '12x' i kolonnen 'Netto' er verken et tall",
        ),
        ('region;år;Netto\n"3201 Bærum";tjue;1\n', r"file.csv, rad 2: 'tjue' er ikke et årstall"),
        ("år;Netto\n2024;5\n", r"fant ingen regionkolonne"),
        ("kommunenavn;år\nBærum;2024\n", r"fant ingen kolonne med tall"),
        ("bare en linje\n", r"fant ingen tabell"),
    ],
)
def test_broken_csv_gives_one_line_naming_file_and_row(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        _parse(text)
    assert "\n" not in str(info.value)


def test_wrong_encoding() -> None:
    with pytest.raises(InputError, match="NUL-tegn"):
        decode_text("region;år\n".encode("utf-16"), "utf16.csv")
    with pytest.raises(InputError, match="kan ikke leses som utf-8"):
        decode_text("Bærum".encode("latin-1"), "latin.csv", encoding="utf-8")
    assert decode_text("Bærum".encode("latin-1"), "latin.csv") == "Bærum"
    assert decode_text("\ufeffBærum".encode(), "bom.csv") == "Bærum"


# -- issue #12: odd files read right, broken ones in one line ------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_ending(tmp_path: Path, newline: str) -> None:
    # CR alone is old Excel for Mac; it used to give "new-line character seen in unquoted field"
    text = newline.join(["region;år;Netto", '"3201 Bærum";2023;1,5', '"3203 Asker";2024;2', ""])
    path = tmp_path / "linjer.csv"
    path.write_bytes(text.encode("cp1252"))
    frame = read_statbank_file(path)
    assert list(frame["region_code"]) == ["3201", "3203"] and list(frame["value"]) == [1.5, 2.0]
    assert list(frame["row"]) == [2, 3]


def test_a_quoted_field_may_hold_a_line_break(tmp_path: Path) -> None:
    path = tmp_path / "sitat.csv"
    path.write_text('region;år;"Netto\ndriftsresultat"\n3201 Bærum;2024;4\n', encoding="utf-8")
    frame = read_statbank_file(path)
    assert frame["contents"][0] == "Netto\ndriftsresultat" and list(frame["row"]) == [3]


def test_a_field_over_the_csv_limit_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "langt.csv"
    path.write_text("region;år;Netto\n3201 Bærum;2024;" + "9" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"langt\.csv, rad 2: et felt er lengre enn 131\xa0072 tegn") as info:
        read_statbank_file(path)
    assert "\n" not in str(info.value)


def test_a_number_too_large_for_a_float_is_refused() -> None:
    with pytest.raises(InputError, match=r"file.csv, rad 2: tallet i kolonnen 'Netto' har 310 sifre"):
        _parse('region;år;Netto\n"3201 Bærum";2024;1' + "0" * 309 + "\n")
    assert _parse('region;år;Netto\n"3201 Bærum";2024;1' + "0" * 300 + "\n")["value"][0] == 1e300


def _rewrite_sheet(path: Path, edit: Callable[[str], str]) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            zout.writestr(item, body)
    path.write_bytes(data.getvalue())


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("1e400", r", rad 2: cellen i kolonnen 'Netto' er ikke et endelig tall \(inf\)"),
        ("-1E999", r", rad 2: cellen i kolonnen 'Netto' er ikke et endelig tall \(-inf\)"),
        ("NaN", r": regnearket kan ikke leses \(ValueError\)"),  # openpyxl's int("NaN")
    ],
)
def test_an_xlsx_number_that_is_not_finite_is_refused(tmp_path: Path, literal: str, message: str) -> None:
    book = Workbook()
    book.active.append(["region", "år", "Netto"])
    book.active.append(["3201 Bærum", 2024, 12345.5])
    path = tmp_path / "uendelig.xlsx"
    book.save(path)
    _rewrite_sheet(path, lambda xml: xml.replace("<v>12345.5</v>", f"<v>{literal}</v>"))
    with pytest.raises(InputError, match=r"uendelig\.xlsx" + message) as info:
        read_statbank_file(path)
    assert "\n" not in str(info.value)


def test_an_xlsx_whose_dimension_claims_the_whole_sheet(tmp_path: Path) -> None:
    # A1:XFD1048576 used to make openpyxl hand out 17 billion empty cells
    book = Workbook()
    book.active.append(["region", "år", "Netto"])
    book.active.append(["3201 Bærum", 2024, 3])
    path = tmp_path / "stor.xlsx"
    book.save(path)
    _rewrite_sheet(path, lambda xml: xml.replace('ref="A1:C2"', 'ref="A1:XFD1048576"'))
    assert list(read_statbank_file(path)["value"]) == [3.0]


def test_old_excel_and_password_protected_files(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    for name in ("gammel.xls", "passord.xlsx", "gammel.csv"):
        (tmp_path / name).write_bytes(ole)
        with pytest.raises(InputError, match=f"{name}: er en Excel 97-2003-fil"):
            read_statbank_file(tmp_path / name)


def test_a_workbook_without_worksheets(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    book.create_chartsheet("Diagram")
    book.remove(first)
    book.save(tmp_path / "diagram.xlsx")
    with pytest.raises(InputError, match=r"diagram\.xlsx: er ikke en lesbar XLSX-fil"):
        read_statbank_file(tmp_path / "diagram.xlsx")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_only_regular_files_are_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "ror.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []
    reader = threading.Thread(target=lambda: outcome.append(_try(read_user_file, fifo)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # it blocks waiting for a writer: give it one, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a named pipe blocked")
    assert isinstance(outcome[0], InputError) and "navngitt rør (FIFO)" in str(outcome[0])
    with pytest.raises(InputError, match="det er en mappe, ikke en fil"):
        read_user_file(tmp_path)
    with pytest.raises(InputError, match="filen finnes ikke"):
        read_user_file(tmp_path / "borte.csv")
    with pytest.raises(InputError, match="navnet inneholder et ugyldig tegn"):
        read_user_file(tmp_path / "nul\x00.csv")
    if Path("/dev/null").exists():
        with pytest.raises(InputError, match="det er en enhet, ikke en vanlig fil"):
            read_user_file(Path("/dev/null"))


def _try(fn: Callable[[Path], bytes], path: Path) -> BaseException | bytes:
    try:
        return fn(path)
    except BaseException as exc:  # handed to the test thread
        return exc


def test_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "stor.csv"
    path.write_bytes(b"x" * 2_000_001)
    assert len(read_user_file(path, limit=2_000_001)) == 2_000_001
    with pytest.raises(InputError, match=r"stor\.csv: er 2,0 MB, mer enn de 2,0 MB kostra leser"):
        read_user_file(path, limit=2_000_000)


def test_a_municipality_number_excel_cut_the_zero_off_gets_it_back() -> None:
    data = "region;år;Netto\n301;2024;1\n301 Oslo - Oslove;2024;2\n3201 Bærum;2024;3\n".encode()
    frame = parse_statbank_bytes(data, "excel.csv")
    assert list(frame["region_code"]) == ["0301", "0301", "3201"]


def test_statbank_xlsx_with_years_under_the_figures_and_notes_below() -> None:
    path = Path(__file__).parents[1] / "fixtures" / "ssb_full" / "13502_2024.xlsx"
    frame = parse_statbank_bytes(path.read_bytes(), path.name)
    assert set(frame["year"]) == {2024} and frame["contents"].nunique() == 2
    assert not frame["region"].str.startswith(("..", "Kilde")).any()  # the notes are no regions
    assert any(note.startswith("Kilde: Statistisk sentralbyrå") for note in frame.attrs["notes"])
