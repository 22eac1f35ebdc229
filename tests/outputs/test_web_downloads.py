"""Downloads that open in Norwegian Excel (issue #16, item 6), read from their bytes.

Every CSV file a page links to is UTF-8 with a byte order mark (else Excel reads it in
the Windows code page), ``;``-separated (Norwegian Excel's list separator), numbers with
a decimal comma, no thousands separator (a space in "1 552 889" makes it text) and an
ASCII minus. The JSON API keeps JSON numbers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from kostra.outputs.web.excel_csv import excel_csv, excel_number
from running import kostra_serve

BOM = b"\xef\xbb\xbf"
NUMBER = re.compile(r"^-?\d+(,\d+)?$")  # what Norwegian Excel reads as a number


@pytest.mark.parametrize(
    ("value", "decimals", "written"),
    [
        (1552889.0, 0, "1552889"),  # no thousands separator
        (1.0755, 3, "1,076"),  # decimal comma; half up: 1,0755 -> 1,076
        (112.5, 0, "113"),  # half up, not to even
        (-3.25, 1, "-3,3"),  # ASCII minus, half up away from zero: -3,25 -> -3,3
        (-0.04, 1, "0,0"),  # rounds to zero: no sign
        (2.0, 2, "2,00"),  # the indicator's decimals kept
        (None, 1, ""),  # missing: an empty cell
        (float("nan"), 1, ""),
    ],
)
def test_numbers_as_excel_reads_them(value: float | None, decimals: int, written: str) -> None:
    assert excel_number(value, decimals) == written


def test_the_file_has_a_bom_semicolons_and_crlf() -> None:
    content = excel_csv(["Kommune", "Verdi"], [["Bærum", "1,5"], ["A;B", None], ['Sitat "x"', "2"]])
    # Hand-written: BOM, the header, a cell with ";" quoted, a quote doubled, None empty.
    expected = '\ufeffKommune;Verdi\r\nBærum;1,5\r\n"A;B";\r\n"Sitat ""x""";2\r\n'
    assert content == expected.encode("utf-8")


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("downloads") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db, "--rate", "1000000") as (base, _):
        yield base


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def _read(response: httpx.Response) -> list[list[str]]:
    """The rows of a CSV download, checked the way Norwegian Excel opens it."""
    assert response.status_code == 200, response.text[:200]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    content = response.content
    assert content.startswith(BOM), "Excel needs the BOM to read UTF-8"
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(content[len(BOM) :].decode("utf-8"), newline=""), delimiter=";"))
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows), "every row as wide as the header"
    for row in rows[1:]:
        for cell in row:
            assert "\u00a0" not in cell and "\u2212" not in cell, cell  # no NBSP grouping, no U+2212
            if re.fullmatch(r"[-\d.,\s]+", cell):
                assert NUMBER.match(cell), f"{cell!r} is not a number Excel reads"
    return rows


# Pages with downloads, for a large and a small municipality.
PAGES = [
    "/kommune/3201/pleie-og-omsorg?year=2024",
    "/kommune/1151/grunnskole",
    "/indikator/plo_inst_brutto_per_plass?year=2024&highlight=3201",
    "/indikator/gs_gruppestorrelse?highlight=1151",  # one decimal
    "/rangering",
    "/kommune/3201",
]


def test_every_csv_a_page_offers_opens_in_norwegian_excel(http: httpx.Client) -> None:
    seen = 0
    for page in PAGES:
        response = http.get(page)
        assert response.status_code == 200, page
        html = response.text
        for link in re.findall(r'href="([^"]+\.csv[^"]*)"', html):
            _read(http.get(link.replace("&amp;", "&")))
            seen += 1
    assert seen >= 5  # the profile (two sector pages), the indicator table (two), the ranking


def test_the_profile_csv(http: httpx.Client) -> None:
    rows = _read(http.get("/api/profile.csv", params={"municipality": "3201", "sector": "plo", "year": 2024}))
    header, by_id = rows[0], {r[0]: r for r in rows[1:]}
    cost = dict(zip(header, by_id["plo_inst_brutto_per_plass"], strict=True))
    assert cost["2024"] == "1552889" and cost["Snitt ASSS"] == "1659648"  # the published figures
    assert cost["Enhet"] == "kroner" and cost["DEMODATA"] == "ja"
    use = dict(zip(header, by_id["plo_ressursbruk"], strict=True))
    assert use["2024"] == "1,076"  # the resource use indicator, three decimals
    # The API's JSON is as it was: numbers are JSON numbers with a point.
    doc = http.get("/api/profile", params={"municipality": "3201", "sector": "plo", "year": 2024}).json()
    values = {r["indicator_id"]: r["values"]["2024"] for r in doc["rows"]}
    assert values["plo_inst_brutto_per_plass"] == 1552889 and values["plo_ressursbruk"] == 1.076


def test_the_indicator_table_csv_and_excel(http: httpx.Client) -> None:
    """Each municipality's place is one more than the number with a higher value, counted
    here from the JSON API's figures."""
    params = {"year": 2024}
    rows = _read(http.get("/indikator/plo_inst_brutto_per_plass/tabell.csv", params=params))
    heading = "Brutto driftsutgifter per plass i institusjon (kroner)"
    assert rows[0] == ["Plass", "Kommunenummer", "Kommune", heading, "DEMODATA"]
    assert len(rows) == 1 + 357
    figures = http.get(
        "/api/observations", params={"indicator": "plo_inst_brutto_per_plass", "year": 2024, "limit": 1000}
    ).json()["items"]
    values = {f["region_code"]: f["value"] for f in figures if f["value"] is not None}
    by_code = {r[1]: r for r in rows[1:]}
    for code in ("3201", "1151", "0301"):
        if code not in values:
            continue
        higher = sum(1 for v in values.values() if v > values[code])
        assert by_code[code][0] == str(higher + 1), code
        assert by_code[code][3] == excel_number(values[code], 0)
    assert by_code["3201"][2:] == ["Bærum", "1552889", "nei"]  # the published figure
    assert {r[4] for r in rows[1:]} == {"ja", "nei"}  # the bundle's other figures are generated
    book = load_workbook(
        io.BytesIO(http.get("/indikator/plo_inst_brutto_per_plass/tabell.xlsx", params=params).content)
    )
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    assert sheet[0] == rows[0] and len(sheet) == len(rows)
    baerum = next(r for r in sheet if r[1] == "3201")
    assert baerum[3] == 1552889 and baerum[0] == int(by_code["3201"][0])  # numbers, not text


def test_the_ranking_csv_and_excel(http: httpx.Client) -> None:
    """The ranking as the page shows it: Bærum's place is the one its explanation gives,
    places rise as the points fall, and the points have two decimals."""
    params = {"sektor": "grunnskole", "year": 2024}
    rows = _read(http.get("/rangering/tabell.csv", params=params))
    assert rows[0] == [
        "Plass",
        "Kommunenummer",
        "Kommune",
        "Poeng",
        "Nøkkeltall med tall (prosent)",
        "DEMODATA",
    ]
    assert {r[5] for r in rows[1:]} == {"ja"}
    assert len(rows) == 1 + 357
    page = http.get("/rangering", params={**params, "kommune": "Bærum"}).text
    place = page.split("Bærum: plass ")[1].split(" ")[0]
    baerum = next(r for r in rows if r[1] == "3201")
    assert baerum[0] == place and re.fullmatch(r"\d,\d\d", baerum[3])
    ranked = [r for r in rows[1:] if r[0]]
    points = [float(r[3].replace(",", ".")) for r in ranked]
    assert points == sorted(points, reverse=True) and [int(r[0]) for r in ranked][:1] == [1]
    book = load_workbook(io.BytesIO(http.get("/rangering/tabell.xlsx", params=params).content))
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    assert sheet[0] == rows[0] and len(sheet) == len(rows)
    row = next(r for r in sheet if r[1] == "3201")
    assert row[0] == int(place) and isinstance(row[3], float)  # numbers, not text
