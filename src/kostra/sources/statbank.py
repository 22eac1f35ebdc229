"""Readers of the tables users download from SSB's statbank: CSV and XLSX.

The statbank writes a title line or two, then a header, then rows; regions as
"3201 Bærum", the figure's name either in a "statistikkvariabel" column or in
the headers ("Frie inntekter per innbygger (kr) 2024"), years either in an
"år" column or in the headers; numbers with decimal comma or point; and SSB's
status symbols for cells without a number. :func:`read_statbank_file` accepts
all of these and returns one tidy frame, or raises
:class:`~kostra.errors.InputError` naming the file, the row and the problem.

What a user names is read by :func:`read_user_file`, which reads only regular
files (a named pipe would block forever, ``/dev/zero`` never ends) and only up
to :data:`MAX_FILE_BYTES`; CSV lines may end in CR LF, LF or CR alone (old
Excel for Mac), and an XLSX is checked for what it unpacks to before openpyxl
reads it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from kostra.errors import InputError, os_reason
from kostra.sources.numbers_nb import count_nb

__all__ = [
    "MAX_FILE_BYTES",
    "STATUS_SYMBOLS",
    "TIDY_COLUMNS",
    "decode_text",
    "parse_rows",
    "parse_statbank_bytes",
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
# Longer than any region's name ("Porsanger - Porsáŋgu - Porsanki" has 31 characters).
_LONGEST_REGION_NAME: Final = 40
_NOTE_STARTS: Final = ("..", ".", ":", "-", "(", "[", "*", "Kilde", "Merknad", "Note", "Fotnote")
_DROPPED_ZERO = re.compile(r"^[1-9]\d{2}(?:\s+\D.*)?$")
_YEAR_AT_END = re.compile(r"^(?P<prefix>.*?)\s*(?P<year>(?:19|20)\d{2})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")

# The largest file kostra reads. One statbank extract is at most 800 000 cells
# (SSB's limit), some 50 MB as CSV with region names in every row; 100 MB leaves
# room for that and refuses what would take minutes and gigabytes to parse.
MAX_FILE_BYTES: Final = 100_000_000
# An XLSX is a zip of XML: what it may unpack to. A few kilobytes of zip can
# unpack to gigabytes ("zip bomb").
MAX_XLSX_UNPACKED: Final = 500_000_000
# The cells (fields) one CSV or sheet may hold, counted as rows are read: an
# 800 000-cell extract is some 4 million, while a sheet's stated dimension
# (A1:XFD1048576) or a line of semicolons can ask for billions of empty ones.
MAX_TABLE_CELLS: Final = 20_000_000
# The start of an OLE2 compound file: Excel 97-2003 (.xls), or an XLSX saved with a password.
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as a file (None: it is a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "det er en mappe, ikke en fil"
    if stat.S_ISFIFO(mode):
        return "det er et navngitt rør (FIFO), ikke en vanlig fil"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "det er en enhet, ikke en vanlig fil"
    if stat.S_ISSOCK(mode):
        return "det er en socket, ikke en vanlig fil"
    return "det er ikke en vanlig fil"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f}".replace(".", ",")


def read_user_file(path: Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file the user named, or an InputError saying (in bokmål) why not.

    Only a regular file is opened (``os.stat`` first, so a FIFO is never opened
    and cannot block), and only ``limit`` bytes are read. What was opened is
    checked again with ``fstat``, in case the name was swapped in between.
    """

    def refuse(reason: str, what_to_do: str = "sjekk navnet og mappen") -> InputError:
        return InputError(f"{path}: kan ikke leses ({reason}); {what_to_do}")

    def too_big(size: int) -> InputError:
        return InputError(
            f"{path}: er {_megabytes(size)} MB, mer enn de {_megabytes(limit)} MB kostra leser; "
            "et uttrekk fra statistikkbanken er langt mindre, så sjekk at det er riktig fil, "
            "eller del uttrekket i flere filer"
        )

    not_a_file = "oppgi en fil lastet ned fra statistikkbanken"
    try:
        info = os.stat(path)
    except OSError as exc:
        raise refuse(_unreadable(exc)) from exc
    except ValueError as exc:  # a NUL character in the name
        raise refuse("navnet inneholder et ugyldig tegn") from exc
    if (why := _not_regular(info.st_mode)) is not None:
        raise refuse(why, not_a_file)
    if info.st_size > limit:
        raise too_big(info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            if (why := _not_regular(os.fstat(handle.fileno()).st_mode)) is not None:
                raise refuse(why, not_a_file)
            data = handle.read(limit + 1)
    except OSError as exc:
        raise refuse(_unreadable(exc)) from exc
    if len(data) > limit:  # the file grew after os.stat
        raise too_big(len(data))
    return data


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode a statbank export: UTF-8 (with or without BOM), else ISO-8859-1/Windows-1252."""
    if data.startswith(_OLE2_MAGIC):
        raise _old_excel(name)
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


def _old_excel(name: str) -> InputError:
    return InputError(
        f"{name}: er en Excel 97-2003-fil (.xls) eller en passordbeskyttet XLSX-fil; åpne den i "
        "Excel og lagre den som CSV (UTF-8), eller som .xlsx uten passord"
    )


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:20])
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
        value = float(raw)
        if not math.isfinite(value):  # an XLSX cell can hold 1e400 or NaN
            raise InputError(
                f"{name}, rad {line}: cellen i kolonnen {column!r} er ikke et endelig tall ({raw!r}); "
                "skriv inn tallet, eller SSBs symbol '..' der tallet mangler"
            )
        return value, None
    text = str(raw if raw is not None else "").strip().strip('"').replace("\u00a0", "").replace(" ", "")
    if text in STATUS_SYMBOLS:
        return (0.0 if text == "-" else None), text
    if text == "":
        return None, ".."
    if _NUMBER.match(text):
        value = float(text.replace(",", "."))
        if not math.isfinite(value):
            digits = sum(ch.isdigit() for ch in text)
            raise InputError(
                f"{name}, rad {line}: tallet i kolonnen {column!r} har {count_nb(digits)} sifre og er "
                "for stort til å lagres; sjekk cellen"
            )
        return value, None
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise InputError(
        f"{name}, rad {line}: {shown!r} i kolonnen {column!r} er verken et tall eller et SSB-symbol"
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


def _year_row(cells: Sequence[Any], width: int) -> list[str | None] | None:
    """The years of a second header row (an empty first cell, then years), or None."""
    texts = [str(c).strip() if c is not None else "" for c in cells] + [""] * (width - len(cells))
    given = [t for t in texts if t]
    if texts[0] or not given or not all(re.fullmatch(r"(19|20)\d{2}", t) for t in given):
        return None
    return [t or None for t in texts]


def _with_years(headers: list[str], years: list[str | None]) -> list[str]:
    """Header texts "<figure> <year>", the figure carried right over its merged cells."""
    out, figure = [], ""
    for header, year in zip(headers, years, strict=False):
        figure = header or figure
        out.append(f"{figure} {year}" if year else header)
    return out


def _is_note(region: str, values: Sequence[Any]) -> bool:
    """A footnote under the table (the legend of the symbols, the source): a sentence in
    the first column and nothing in the number columns. A region's name is short and
    never starts with a symbol, so a region whose figures are all blank is still read
    (as missing, "..")."""
    if not all(v is None or str(v).strip() == "" for v in values):
        return False
    if not region:
        return True
    return _REGION_VALUE.match(region) is None and (
        len(region) > _LONGEST_REGION_NAME or region.startswith(_NOTE_STARTS)
    )


def _headers(body: Sequence[tuple[int, list[Any]]], name: str) -> tuple[list[str], int]:
    """The column headers and where the rows begin: the first row with two cells filled,
    and the row of years below it in statbank's XLSX."""
    header_at = next(
        (i for i, (_, cells) in enumerate(body) if sum(1 for c in cells if str(c or "").strip()) >= 2),
        None,
    )
    if header_at is None or header_at + 1 >= len(body):
        raise InputError(f"{name}: fant ingen tabell (en overskriftsrad fulgt av rader med tall)")
    raw_headers = [str(c or "").strip().strip('"') for c in body[header_at][1]]
    first = header_at + 1
    years = _year_row(body[first][1], len(raw_headers))
    if years is not None:
        # Statbank's XLSX: figures in one header row (each over all its year columns, the
        # cell merged), the years in the row below.
        raw_headers = _with_years(raw_headers, years)
        first += 1
        if first >= len(body):
            raise InputError(f"{name}: fant ingen tabell (en overskriftsrad fulgt av rader med tall)")
    return raw_headers, first


def parse_rows(rows: Sequence[tuple[int, list[Any]]], name: str) -> pd.DataFrame:
    """Tidy frame from (line number, cells) pairs, header included."""
    body = [(n, cells) for n, cells in rows if any(str(c or "").strip() for c in cells)]
    raw_headers, first = _headers(body, name)
    headers = [_norm(h) for h in raw_headers]
    layout = _layout(headers, body[first][1], name)
    per_column = {i: _year_and_contents(raw_headers[i], layout, name) for i in layout.values}
    out: list[tuple[Any, ...]] = []
    notes: list[str] = []
    for line, cells in body[first:]:
        cells = list(cells) + [None] * (len(headers) - len(cells))
        region = _region_text(cells[layout.region])
        if _is_note(region, [cells[i] for i in layout.values]):
            if region:
                notes.append(region)
            continue
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
    frame = pd.DataFrame(out, columns=list(TIDY_COLUMNS))
    frame.attrs["notes"] = notes  # SSB's footnotes under the table
    return frame


def _region_text(cell: Any) -> str:
    """The region cell as text. Excel drops the leading zero of a number it reads as a
    number (0301 -> 301): a three-digit municipality number gets it back."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell if cell is not None else "").strip()
    dropped = _DROPPED_ZERO.match(text)
    return f"0{text}" if dropped else text


def _too_many_cells(name: str, row: int) -> InputError:
    return InputError(
        f"{name}, rad {row}: tabellen har mer enn {count_nb(MAX_TABLE_CELLS)} celler, mer enn kostra "
        "leser; lagre bare tabellen, eller del den i flere filer"
    )


def _csv_rows(text: str, name: str) -> list[tuple[int, list[Any]]]:
    # newline="": lines may end in CR LF, LF or a lone CR (old Excel for Mac), and a
    # quoted field may hold a line break; the csv module reads all of them.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[Any]]] = []
    cells = 0
    try:
        for row in reader:
            cells += len(row)
            if cells > MAX_TABLE_CELLS:
                raise _too_many_cells(name, reader.line_num)
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise InputError(
                f"{name}, rad {line}: et felt er lengre enn {count_nb(csv.field_size_limit())} tegn; "
                'sjekk at anførselstegnene (") står parvis, og at det er en tabell fra statistikkbanken'
            ) from exc
        raise InputError(
            f'{name}, rad {line}: kan ikke leses som CSV; sjekk anførselstegnene (") på linjen'
        ) from exc
    return rows


def _xlsx_unpacked(data: bytes, name: str) -> None:
    """Refuse an XLSX that unpacks to more than MAX_XLSX_UNPACKED bytes, before openpyxl
    inflates it (the zip's directory says what each part unpacks to)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(
            f"{name}: er ikke en lesbar XLSX-fil ({exc.__class__.__name__}); last den ned på nytt"
        ) from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise InputError(
            f"{name}: XLSX-filen pakkes ut til {_megabytes(unpacked)} MB, mer enn de "
            f"{_megabytes(MAX_XLSX_UNPACKED)} MB kostra leser; lagre tabellen som CSV og les inn den"
        )


def _sheet_rows(sheet: Any, name: str) -> Iterator[tuple[int, list[Any]]]:
    # The sheet's stated dimension is ignored (it may claim A1:XFD1048576): each row
    # is as long as its last stored cell, and the cells are counted as they come.
    sheet.reset_dimensions()
    cells = 0
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells += len(row)
        if cells > MAX_TABLE_CELLS:
            raise _too_many_cells(name, number)
        yield number, list(row)


def _xlsx_rows(data: bytes, name: str) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    _xlsx_unpacked(data, name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(
            f"{name}: er ikke en lesbar XLSX-fil ({exc.__class__.__name__}); last den ned på nytt"
        ) from exc
    try:
        if not book.worksheets:
            raise InputError(
                f"{name}: har ingen regneark med celler (bare diagramark); lagre tabellen på nytt"
            )
        return list(_sheet_rows(book.worksheets[0], name))
    except InputError:
        raise
    except Exception as exc:  # a sheet can be broken where load_workbook did not look
        raise InputError(
            f"{name}: regnearket kan ikke leses ({exc.__class__.__name__}); last filen ned på nytt"
        ) from exc
    finally:
        book.close()


def read_statbank_file(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a statbank CSV or XLSX export into the tidy columns of ``TIDY_COLUMNS``."""
    return parse_statbank_bytes(read_user_file(path), path.name, encoding=encoding)


def parse_statbank_bytes(data: bytes, name: str, *, encoding: str | None = None) -> pd.DataFrame:
    """:func:`read_statbank_file` on bytes already read (``name`` for messages and the suffix)."""
    if data.startswith(_OLE2_MAGIC):
        raise _old_excel(name)
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return parse_rows(_xlsx_rows(data, name), name)
    return parse_rows(_csv_rows(decode_text(data, name, encoding), name), name)
