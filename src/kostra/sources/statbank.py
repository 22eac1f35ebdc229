"""Readers of the tables users download from SSB's statbank: CSV and XLSX.

The statbank writes a title line or two, then a header, then rows; regions as
"3201 Bærum", the figure's name either in a "statistikkvariabel" column or in
the headers ("Frie inntekter per innbygger (kr) 2024"), years either in an
"år" column or in the headers; numbers with decimal comma or point; and SSB's
status symbols for cells without a number. :func:`read_statbank_file` accepts
all of these and returns one tidy frame, or raises
:class:`~kostra.errors.InputError` naming the file, the row and the problem.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from kostra.errors import InputError, os_reason

__all__ = [
    "STATUS_SYMBOLS",
    "TIDY_COLUMNS",
    "decode_text",
    "parse_rows",
    "read_statbank_file",
    "read_user_file",
]

# SSB's symbols for cells without a publishable number, and what they mean.
STATUS_SYMBOLS: Final[dict[str, str]] = {
    "..": "tallgrunnlag mangler",
    "...": "oppgave mangler",
    ":": "vises ikke av konfidensialitetshensyn",
    ".": "ikke mulig å oppgi tall",
    "-": "null",
}
TIDY_COLUMNS: Final = ("row", "region", "region_code", "contents", "year", "value", "status")

_REGION_HEADERS = ("region", "kommune", "kokkommuneregion")
_YEAR_HEADERS = ("år", "ar", "tid", "year", "time")
_CONTENTS_HEADERS = ("statistikkvariabel", "contentscode", "contents", "statistikkvariabler")
_REGION_VALUE = re.compile(r"^(?P<code>\d{4}|EAK(?:UO)?|EKG\d{2}|EKA\d{2})(?:\s+(?P<name>.*))?$")
_YEAR_AT_END = re.compile(r"^(?P<prefix>.*?)\s*(?P<year>(?:19|20)\d{2})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class _Layout:
    region: int
    year: int | None
    contents: int | None
    values: list[int]


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "filen finnes ikke"
    if isinstance(exc, IsADirectoryError):
        return "det er en mappe, ikke en fil"
    if isinstance(exc, PermissionError):
        return "du har ikke tilgang til å lese den"
    return os_reason(exc)


def read_user_file(path: Path) -> bytes:
    """The bytes of a file the user named, or an InputError saying (in bokmål) why not."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: kan ikke leses ({_unreadable(exc)}); sjekk navnet og mappen") from exc


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode a statbank export: UTF-8 (with or without BOM), else ISO-8859-1/Windows-1252."""
    if b"\x00" in data:
        raise InputError(
            f"{name}: er ikke en tekstfil i UTF-8 eller ISO-8859-1 (den inneholder NUL-tegn, "
            "kanskje UTF-16); lagre den på nytt i UTF-8"
        )
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(
                f"{name}: kan ikke leses som {encoding} ({exc}); "
                "prøv et annet tegnsett med --encoding, eller utelat det"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for fallback in ("cp1252", "latin-1"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        if not any(0x80 <= ord(ch) <= 0x9F for ch in text):
            return text
    raise InputError(f"{name}: er ikke tekst i UTF-8 eller ISO-8859-1; lagre den på nytt i UTF-8")


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    return ";" if sample.count(";") >= sample.count(",") else ","


def _norm(header: Any) -> str:
    return str(header or "").strip().strip('"').lower()


def _find(headers: list[str], names: Sequence[str]) -> int | None:
    for i, header in enumerate(headers):
        if any(header == n or header.startswith(n + " ") for n in names):
            return i
    return None


def _layout(headers: list[str], first_row: list[Any], name: str) -> _Layout:
    region = next((i for i, h in enumerate(headers) if h.startswith(_REGION_HEADERS)), None)
    year = _find(headers, _YEAR_HEADERS)
    if region is None:
        region = next(
            (
                i
                for i, v in enumerate(first_row)
                if i != year and _REGION_VALUE.match(str(v).strip()) and not isinstance(v, int | float)
            ),
            None,
        )
    if region is None:
        raise InputError(
            f"{name}: fant ingen regionkolonne (ventet overskriften 'region' eller verdier som '3201 Bærum')"
        )
    contents = _find(headers, _CONTENTS_HEADERS)
    used = {region, year, contents}
    values = [i for i in range(len(headers)) if i not in used]
    if not values:
        raise InputError(f"{name}: fant ingen kolonne med tall")
    return _Layout(region, year, contents, values)


def _cell(raw: Any, name: str, line: int, column: str) -> tuple[float | None, str | None]:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw), None
    text = str(raw if raw is not None else "").strip().strip('"').replace("\u00a0", "").replace(" ", "")
    if text in STATUS_SYMBOLS:
        return (0.0 if text == "-" else None), text
    if text == "":
        return None, ".."
    if _NUMBER.match(text):
        return float(text.replace(",", ".")), None
    raise InputError(
        f"{name}, rad {line}: {text!r} i kolonnen {column!r} er verken et tall eller et SSB-symbol"
    )


def _year_and_contents(header: str, layout: _Layout, name: str) -> tuple[int | None, str | None]:
    if layout.year is not None:
        return None, header if layout.contents is None else None
    match = _YEAR_AT_END.match(header)
    if match is None:
        raise InputError(
            f"{name}: kolonnen {header!r} har ikke årstall i overskriften, og filen har ingen 'år'-kolonne"
        )
    prefix = match["prefix"].strip() or None
    return int(match["year"]), prefix


def parse_rows(rows: Sequence[tuple[int, list[Any]]], name: str) -> pd.DataFrame:
    """Tidy frame from (line number, cells) pairs, header included."""
    body = [(n, cells) for n, cells in rows if any(str(c or "").strip() for c in cells)]
    header_at = next(
        (i for i, (_, cells) in enumerate(body) if sum(1 for c in cells if str(c or "").strip()) >= 2),
        None,
    )
    if header_at is None or header_at + 1 >= len(body):
        raise InputError(f"{name}: fant ingen tabell (en overskriftsrad fulgt av rader med tall)")
    raw_headers = [str(c or "").strip().strip('"') for c in body[header_at][1]]
    headers = [_norm(h) for h in raw_headers]
    layout = _layout(headers, body[header_at + 1][1], name)
    per_column = {i: _year_and_contents(raw_headers[i], layout, name) for i in layout.values}
    out: list[tuple[Any, ...]] = []
    for line, cells in body[header_at + 1 :]:
        cells = list(cells) + [None] * (len(headers) - len(cells))
        region = str(cells[layout.region] or "").strip()
        if not region:
            raise InputError(f"{name}, rad {line}: regionen er tom")
        match = _REGION_VALUE.match(region)
        code = match["code"] if match else None
        for i in layout.values:
            year, contents = per_column[i]
            if layout.year is not None:
                year_text = str(cells[layout.year] or "").strip()
                if not re.fullmatch(r"(19|20)\d{2}", year_text.split(".")[0]):
                    raise InputError(f"{name}, rad {line}: {year_text!r} er ikke et årstall")
                year = int(year_text.split(".")[0])
            if layout.contents is not None:
                contents = str(cells[layout.contents] or "").strip()
            value, status = _cell(cells[i], name, line, raw_headers[i])
            out.append((line, region, code, contents, year, value, status))
    return pd.DataFrame(out, columns=list(TIDY_COLUMNS))


def _csv_rows(text: str) -> list[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text))
    return [(reader.line_num, row) for row in reader]


def _xlsx_rows(data: bytes, name: str) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(
            f"{name}: er ikke en lesbar XLSX-fil ({exc.__class__.__name__}); last den ned på nytt"
        ) from exc
    sheet = book.worksheets[0]
    rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
    book.close()
    return rows


def read_statbank_file(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a statbank CSV or XLSX export into the tidy columns of ``TIDY_COLUMNS``."""
    name = path.name
    data = read_user_file(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"} or data[:2] == b"PK":
        return parse_rows(_xlsx_rows(data, name), name)
    return parse_rows(_csv_rows(decode_text(data, name, encoding)), name)
