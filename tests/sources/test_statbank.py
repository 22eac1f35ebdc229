"""Reading statbank CSV and XLSX exports: layouts, encodings, symbols and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from kostra.errors import InputError
from kostra.sources.statbank import decode_text, read_statbank_file

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
