"""Importing statbank files into the store: every format, and broken files that
must leave the store exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from kostra.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"


def _current(session, indicator: str, code: str, year: int) -> tuple[float, str]:
    frame = session.store.observations([indicator], [year]).set_index("region_code")
    return frame.loc[code, "value"], frame.loc[code, "release_kind"]


def test_csv_semicolon_utf8(fresh) -> None:
    result = fresh.import_file(FIXTURES / "statbank_12134_semicolon_utf8.csv")
    # EAK (the country) is SSB's aggregate: kept apart from the municipalities' figures
    assert (result.rows, result.aggregates) == (4, 1) and not result.already_loaded
    assert _current(fresh, "okonomi_frie_inntekter_per_innb", "3201", 2024) == (74321.0, "file")
    assert "EAK" not in set(fresh.store.observations(["okonomi_frie_inntekter_per_innb"])["region_code"])
    landet = fresh.store.aggregates(["okonomi_frie_inntekter_per_innb"], [2024]).set_index("region_code")
    assert landet.loc["EAK", "value"] == 69876.0 and landet.loc["EAK", "release_id"] == result.release_id
    oslo = (
        fresh.store.observations(["okonomi_frie_inntekter_per_innb"], [2024])
        .set_index("region_code")
        .loc["0301"]
    )
    assert oslo["status"] == ".." and oslo["value"] != oslo["value"]  # NaN, not 0
    again = fresh.import_file(FIXTURES / "statbank_12134_semicolon_utf8.csv")
    assert again.already_loaded and again.release_id == result.release_id


def test_csv_comma_latin1_wide(fresh) -> None:
    fresh.import_file(FIXTURES / "statbank_wide_comma_latin1.csv")
    assert _current(fresh, "okonomi_netto_driftsresultat", "3203", 2023) == (-0.8, "file")


def test_xlsx(fresh, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["region", "statistikkvariabel", "år", "verdi"])
    sheet.append(["3201 Bærum", "Sykefravær pleie og omsorg", 2024, 7.77])
    path = tmp_path / "sykefravaer.xlsx"
    book.save(path)
    fresh.import_file(path)
    assert _current(fresh, "plo_sykefravaer", "3201", 2024) == (7.77, "file")


def test_jsonstat_with_release_time(fresh) -> None:
    result = fresh.import_file(FIXTURES / "ssb_12134_KOSAG110000_2024.json")
    assert result.rows == 3
    release = fresh.releases().set_index("id").loc[result.release_id]
    assert str(release["published"]).startswith("2026-03-16")


def test_names_instead_of_numbers_and_an_explicit_indicator(fresh, tmp_path: Path) -> None:
    path = tmp_path / "egen.csv"
    path.write_text("region;år;Min indikator\nBærum;2024;12,5\nAsker;2024;11\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"egen.csv, rad 2: ukjent statistikkvariabel 'Min indikator'"):
        fresh.import_file(path)
    fresh.import_file(path, indicator="plo_sykefravaer")
    assert _current(fresh, "plo_sykefravaer", "3203", 2024) == (11.0, "file")


BROKEN = {
    "wrong_encoding.csv": (
        "region;år;Frie inntekter per innbygger (kr)\n3201 Bærum;2024;1\n".encode("utf-16"),
        "NUL-tegn",
    ),
    "missing_column.csv": (
        b"region;statistikkvariabel\n3201 Baerum;Frie inntekter per innbygger (kr)\n",
        "fant ingen kolonne med tall",
    ),
    "unknown_region.csv": (
        "region;år;Frie inntekter per innbygger (kr)\n9876 Atlantis;2024;2\n".encode(),
        r"unknown_region.csv: ingen av regionene i filen er kjent for kostra \(først '9876 Atlantis': "
        r"ukjent regionkode '9876'",
    ),
    "unknown_name.csv": (
        "region;år;Frie inntekter per innbygger (kr)\nAtlantis;2024;2\nLemuria;2024;3\n".encode(),
        r"unknown_name.csv: ingen av regionene i filen er kjent for kostra \(først 'Atlantis': "
        r"fant ingen kommune eller fylke som heter 'Atlantis'",
    ),
    "not_a_number.csv": (
        "region;år;Frie inntekter per innbygger (kr)\n3201 Bærum;2024;1\n3203 Asker;2024;mye\n".encode(),
        r"not_a_number.csv, rad 3: 'mye' i kolonnen",
    ),
    "broken.json": (
        json.dumps(
            {
                "class": "dataset",
                "id": ["a"],
                "size": [2],
                "dimension": {"a": {"category": {"index": ["x", "y"]}}},
                "value": [1],
            }
        ).encode(),
        "har 1 celle, ventet 2",
    ),
    "broken.xlsx": (b"PK\x03\x04 this is not really a zip", "er ikke en lesbar XLSX-fil"),
    "empty.json": (
        json.dumps(
            {
                "class": "dataset",
                "id": ["region", "Tid"],
                "size": [0, 1],
                "role": {"geo": ["region"], "time": ["Tid"]},
                "dimension": {
                    "region": {"category": {"index": []}},
                    "Tid": {"category": {"index": ["2024"]}},
                },
                "value": [],
            }
        ).encode(),
        "har ingen tall å lese inn",
    ),
    "fractional_year.json": (
        json.dumps(
            {
                "class": "dataset",
                "extension": {"px": {"tableid": "12134"}},
                "id": ["region", "ContentsCode", "Tid"],
                "size": [1, 1, 1],
                "role": {"geo": ["region"], "metric": ["ContentsCode"], "time": ["Tid"]},
                "dimension": {
                    "region": {"category": {"index": ["3201"]}},
                    "ContentsCode": {"category": {"index": ["KOSAG110000"]}},
                    "Tid": {"category": {"index": ["2024.5"]}},
                },
                "value": [1],
            }
        ).encode(),
        "celle 1: året mangler eller er ikke et årstall",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_leave_the_store_unchanged(fresh, tmp_path: Path, name: str) -> None:
    data, message = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = fresh.store.fingerprint()
    releases = len(fresh.releases())
    with pytest.raises(InputError, match=message) as info:
        fresh.import_file(path)
    assert "\n" not in str(info.value)
    assert name in str(info.value)
    assert fresh.store.fingerprint() == before
    assert len(fresh.releases()) == releases


def test_regions_kostra_cannot_place_are_listed_not_fatal(fresh, tmp_path: Path) -> None:
    path = tmp_path / "blandet.csv"
    path.write_text(
        "region;år;Frie inntekter per innbygger (kr)\n3201 Bærum;2024;1\n9876 Atlantis;2024;2\n"
        "Lemuria;2024;3\n9876 Atlantis;2023;4\n",
        encoding="utf-8",
    )
    result = fresh.import_file(path)
    assert result.rows == 1
    unplaced = result.unplaced.set_index("region")
    assert unplaced.loc["9876 Atlantis", "rows"] == 2
    assert "ukjent regionkode '9876'" in unplaced.loc["9876 Atlantis", "reason"]
    assert "fant ingen kommune eller fylke som heter 'Lemuria'" in unplaced.loc["Lemuria", "reason"]
