"""A fast JSON-stat 2.0 reader that keeps SSB's status symbols.

:func:`read_jsonstat` turns one JSON-stat dataset (as PxWebApi v2 answers) into
a :class:`Cube`: table metadata plus a tidy frame with one column of codes per
dimension, ``value`` (float, NaN where missing) and ``status`` (SSB's symbol or
None). Dimension order and the row-major layout of ``value`` follow the
JSON-stat 2.0 specification; ``value`` and ``status`` may be arrays or sparse
objects.

Speed comes from three choices: orjson parses the document, numpy converts the
value array in one C loop (``None`` becomes NaN), and each dimension column is
a pandas Categorical built from integer positions (a repeat/tile pattern)
instead of a million Python strings. :meth:`Cube.chunks` yields the tidy rows
in slices, so a consumer can stream a large cube without holding two copies.

Nothing is taken on trust: ``id``, ``size`` and every dimension's categories
are checked (codes unique, an ``index`` a true ordering), the number of cells
``size`` declares is checked against the limit and against what the document
holds *before* anything of that size is allocated, ``value`` may hold only
numbers and null (a boolean or a string such as "NaN" is refused, not coerced),
``status`` only short texts and null, and the keys of a sparse ``value`` or
``status`` must be cell numbers inside the cube. Every refusal is one
:class:`~kostra.errors.InputError` line naming the document.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import orjson
import pandas as pd

from kostra.errors import InputError
from kostra.sources.numbers_nb import amount_nb, count_nb

__all__ = ["MAX_CELLS", "Cube", "Dimension", "read_jsonstat"]

# The most cells one dataset may declare: ten times the largest extract SSB hands
# out (800 000 cells), and ten times the 1 000 000-cell benchmark file. A cell
# costs some 16 bytes here and a few hundred on its way into the store.
MAX_CELLS: Final = 10_000_000
# A sparse 'value' (an object) or none at all may leave cells out, but a document
# cannot describe many more cells than it has bytes: past the first million
# cells, at most this many per byte of the document are believed.
SPARSE_FREE_CELLS: Final = 1_000_000
SPARSE_CELLS_PER_BYTE: Final = 64
# SSB's status symbols are one to three characters ("..", ":", "."); JSON-stat
# allows any text, but a "status" longer than this is not a status.
MAX_STATUS_LENGTH: Final = 16
_NUMBER_TYPES: Final = frozenset({float, int, type(None)})
_STATUS_TYPES: Final = frozenset({str, type(None)})


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    role: str | None  # "time", "geo", "metric" or None
    elimination: bool | None = None


@dataclass(frozen=True)
class Cube:
    table_id: str | None
    label: str
    source: str | None
    updated: datetime | None
    dimensions: tuple[Dimension, ...]
    values: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)  # object array: symbol or None per cell
    notes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.values.size)

    def dimension(self, role: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.role == role), None)

    def positions(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Category positions of cells ``start:stop`` for every dimension (row-major)."""
        stop = self.size if stop is None else stop
        out: dict[str, np.ndarray] = {}
        stride = self.size
        for dim in self.dimensions:
            n = max(len(dim.codes), 1)
            stride //= n
            if start == 0 and stop == self.size:
                # The whole cube: each code repeated `stride` times, the block tiled.
                block = np.repeat(np.arange(n, dtype=np.int32), stride)
                out[dim.id] = np.tile(block, self.size // (n * stride)) if stride else block
            else:
                cells = np.arange(start, stop, dtype=np.int64)
                out[dim.id] = ((cells // stride) % n).astype(np.int32)
        return out

    def chunks(self, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        """The tidy frame in slices of at most ``rows`` rows."""
        for start in range(0, self.size, rows):
            yield self._frame(start, min(start + rows, self.size))

    @property
    def frame(self) -> pd.DataFrame:
        """The whole cube as one tidy frame (dimension codes as categoricals)."""
        return self._frame(0, self.size)

    def _frame(self, start: int, stop: int) -> pd.DataFrame:
        positions = self.positions(start, stop)
        columns: dict[str, Any] = {
            dim.id: pd.Categorical.from_codes(
                positions[dim.id], dtype=pd.CategoricalDtype(pd.Index(dim.codes, dtype=object))
            )
            for dim in self.dimensions
        }
        columns["value"] = self.values[start:stop]
        # object dtype on purpose: inferring a string column from a million Nones is slow
        columns["status"] = pd.Series(self.status[start:stop], dtype=object, copy=False)
        return pd.DataFrame(columns, copy=False)


def _refuse(name: str, problem: str) -> InputError:
    return InputError(f"{name}: {problem}")


def _shown(value: Any, width: int = 24) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 4] + "...'"


def _ids_and_sizes(doc: dict[str, Any], name: str) -> tuple[list[str], list[int]]:
    ids, sizes = doc.get("id"), doc.get("size")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise _refuse(name, "JSON-stat 'id' må være en liste med navnene på dimensjonene")
    seen: set[str] = set()
    for dim in ids:
        if dim in seen:
            raise _refuse(name, f"dimensjonen {dim!r} står to ganger i JSON-stat 'id'")
        seen.add(dim)
    if not isinstance(sizes, list) or len(sizes) != len(ids):
        raise _refuse(name, f"JSON-stat 'size' må være en liste med ett tall per dimensjon ({len(ids)})")
    for dim, size in zip(ids, sizes, strict=True):
        if type(size) is not int or size < 0:
            raise _refuse(
                name, f"JSON-stat 'size' for dimensjonen {dim} må være et heltall, ikke {_shown(size)}"
            )
    return ids, sizes


def _check_declared_cells(
    doc: dict[str, Any], cells: int, data: bytes | str | dict[str, Any], name: str, max_cells: int
) -> None:
    """Refuse a cube whose ``size`` declares more cells than kostra reads or than the
    document can hold, before anything of that size is allocated."""
    if cells > max_cells:
        raise _refuse(
            name,
            f"JSON-stat 'size' sier datasettet har {count_nb(cells)} celler, mer enn de "
            f"{count_nb(max_cells)} kostra leser; hent et mindre uttrekk",
        )
    raw = doc.get("value")
    if isinstance(raw, list):
        if len(raw) != cells:
            given = amount_nb(len(raw), "celle", "celler")
            raise _refuse(name, f"JSON-stat 'value' har {given}, ventet {count_nb(cells)}")
        return
    if isinstance(data, bytes | str):
        believed = max(SPARSE_FREE_CELLS, SPARSE_CELLS_PER_BYTE * len(data))
        if cells > believed:
            given = count_nb(len(raw)) if isinstance(raw, dict) else "ingen"
            raise _refuse(
                name,
                f"JSON-stat 'size' sier datasettet har {count_nb(cells)} celler, men dokumentet har tall "
                f"for {given} av dem; 'size' stemmer ikke med innholdet",
            )


def _ordered_codes(category: dict[str, Any], dim: str, name: str) -> list[str]:
    index = category.get("index")
    if index is None:
        labels = category.get("label")
        if not isinstance(labels, dict):
            raise _refuse(name, f"dimensjonen {dim} har verken 'index' eller 'label' under 'category'")
        return list(labels)
    if isinstance(index, list):
        if not all(type(c) in (str, int) for c in index):
            raise _refuse(name, f"kategoriene i dimensjonen {dim} må være koder (tekst)")
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        slots: list[str | None] = [None] * len(index)
        for code, position in index.items():
            if type(position) is not int or not 0 <= position < len(slots) or slots[position] is not None:
                raise _refuse(
                    name,
                    f"'index' i dimensjonen {dim} gir kategorien {_shown(code)} plassen {_shown(position)}; "
                    f"hver kategori må ha sin egen plass 0–{max(len(slots) - 1, 0)}",
                )
            slots[position] = code
        codes = [c for c in slots if c is not None]
    else:
        raise _refuse(name, f"'index' i dimensjonen {dim} må være en liste eller et objekt")
    if len(set(codes)) != len(codes):
        seen: set[str] = set()
        twice = next(c for c in codes if c in seen or seen.add(c))  # type: ignore[func-returns-value]
        raise _refuse(name, f"dimensjonen {dim} har kategorien {twice!r} to ganger; hver kode må være unik")
    return codes


def _roles(doc: dict[str, Any]) -> dict[str, str]:
    roles: dict[str, str] = {}
    spec = doc.get("role")
    if not isinstance(spec, dict):
        return roles
    for role, dims in spec.items():
        for dim in dims if isinstance(dims, list) else ():
            if isinstance(dim, str):
                roles[dim] = role
    return roles


def _cell_keys(raw: dict[str, Any], size: int, name: str, what: str) -> np.ndarray:
    """The cell positions of a sparse 'value' or 'status' object: its keys must be
    cell numbers (0, 1, 2, ... written plainly) inside the cube."""
    keys = list(raw)
    try:
        numbers = list(map(int, keys))
    except ValueError:  # not a number, or more than 4300 digits
        numbers = None
    # written plainly ("7", never "07", "+7", " 7" or "7_0": no two keys for one cell)
    plain = numbers is not None and list(map(str, numbers)) == keys
    if numbers is not None and plain and (not numbers or (min(numbers) >= 0 and max(numbers) < size)):
        return np.array(numbers, dtype=np.int64)
    for key in keys:  # find the first wrong key, to name it
        if not (key.isascii() and key.isdigit()) or (len(key) > 1 and key[0] == "0"):
            raise _refuse(
                name,
                f"JSON-stat '{what}' har nøkkelen {_shown(key)}; nøklene må være cellenummer (0, 1, 2, …)",
            )
        if len(key) > 18 or int(key) >= size:
            last = f"0–{count_nb(size - 1)}" if size else "ingen"
            raise _refuse(
                name,
                f"JSON-stat '{what}' har celle {_shown(key)}, men datasettet har bare "
                f"{amount_nb(size, 'celle', 'celler')} (nummer {last})",
            )
    raise AssertionError("unreachable: every key was a cell number")  # pragma: no cover


def _bad_number(item: Any) -> str:
    """What a non-number in 'value' is, in words."""
    if isinstance(item, bool):
        return f"sannhetsverdien {str(item).lower()}"
    if isinstance(item, str):
        return f"teksten {_shown(item)} (et tall skrives uten anførselstegn, et manglende som null)"
    if isinstance(item, list | dict):
        return "en liste" if isinstance(item, list) else "et objekt"
    if isinstance(item, int):
        return f"et heltall med {count_nb(len(str(abs(item))))} sifre, for stort til å lagres"
    if isinstance(item, float):
        return f"{item!r}, som ikke er et endelig tall"
    return f"{_shown(item)} ({type(item).__name__})"


def _is_number(item: Any) -> bool:
    kind = type(item)
    if kind is float:
        return math.isfinite(item)
    if kind is int:
        try:
            float(item)  # an integer too big for a float (from 2**1024 - 2**970 on) overflows
        except OverflowError:
            return False
        return True
    return item is None


def _numbers(
    items: list[Any], name: str, cells: list[int] | None = None, *, proven: bool = False
) -> np.ndarray:
    """``items`` (numbers and None) as floats, None as NaN; anything else is refused.

    ``proven`` says the caller has shown that ``items`` holds no strings (see
    :func:`_no_strings_in_value`); then only the items that became 0 or 1 are
    looked at (a boolean becomes one of those), instead of the type of every item.
    """
    try:
        values = np.array(items, dtype=float)
        ok = values.ndim == 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if ok and proven:
        suspects = np.flatnonzero((values == 0.0) | (values == 1.0)).tolist()
        ok = bool not in set(map(type, map(items.__getitem__, suspects)))
    elif ok:
        ok = set(map(type, items)) <= _NUMBER_TYPES and not np.isinf(values).any()
        if ok:  # NaN may only come from null, never from a float('nan')
            ok = all(items[i] is None for i in np.flatnonzero(np.isnan(values)).tolist())
    if ok:
        return values
    i = next((i for i, item in enumerate(items) if not _is_number(item)), 0)
    cell = count_nb((cells[i] if cells is not None else i) + 1)
    what = _bad_number(items[i])
    raise _refuse(name, f"JSON-stat 'value' har {what} i celle {cell}; bare tall og null er lov")


def _strings_in(node: Any) -> int:
    """How many strings ``node`` holds, object keys included (iteratively: no depth limit)."""
    count, stack = 0, [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            count += 1
        elif isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            kinds = set(map(type, item))
            if kinds <= {str, type(None)}:
                count += len(item) - item.count(None) if type(None) in kinds else len(item)
            elif kinds & {dict, list}:
                stack.extend(item)
            elif str in kinds:
                count += sum(type(x) is str for x in item)
    return count


def _no_strings_in_value(doc: dict[str, Any], data: bytes | str | dict[str, Any]) -> bool:
    """True where the document's text proves that 'value' holds no string, cheaply.

    Every string in the text, object keys included, is written between two
    quotation marks, so the text holds at least twice as many ``"`` as the
    parsed document holds strings. If the text holds exactly twice as many as
    the document holds outside 'value', no string can be inside it. (A quotation
    mark escaped inside a string, or a key given twice, only makes the count
    larger, and then every item's type is checked instead.) Counting one byte in
    8 MB takes a few milliseconds, the type of a million items some twenty.
    """
    if not isinstance(data, bytes | str):
        return False
    quotes = data.count(b'"') if isinstance(data, bytes) else data.count('"')
    outside = len(doc) + sum(_strings_in(v) for k, v in doc.items() if k != "value")
    return quotes == 2 * outside


def _values(
    raw: Any, size: int, name: str, doc: dict[str, Any], data: bytes | str | dict[str, Any]
) -> np.ndarray:
    if raw is None:
        return np.full(size, np.nan)
    if isinstance(raw, list):  # its length was checked against 'size' before
        return _numbers(raw, name, proven=_no_strings_in_value(doc, data))
    if isinstance(raw, dict):
        out = np.full(size, np.nan)
        if raw:
            keys = _cell_keys(raw, size, name, "value")
            out[keys] = _numbers(list(raw.values()), name, keys.tolist())
        return out
    raise _refuse(name, "JSON-stat 'value' må være en liste (array) eller et objekt")


def _bad_status(symbol: Any, cell: int | None, name: str) -> InputError:
    where = f" i celle {count_nb(cell + 1)}" if cell is not None else ""
    if isinstance(symbol, str):
        problem = f"statusen {_shown(symbol)}{where} er lengre enn {MAX_STATUS_LENGTH} tegn"
    else:
        problem = f"statusen{where} er {_shown(symbol)}, ikke en tekst (som '..') eller null"
    return _refuse(name, f"JSON-stat 'status': {problem}")


def _status_list(raw: list[Any], size: int, name: str) -> list[Any]:
    if len(raw) != size:
        cells = amount_nb(len(raw), "celle", "celler")
        raise _refuse(name, f"JSON-stat 'status' har {cells}, ventet {count_nb(size)}")
    if not set(map(type, raw)) <= _STATUS_TYPES:
        cell = next(i for i, s in enumerate(raw) if type(s) not in _STATUS_TYPES)
        raise _bad_status(raw[cell], cell, name)
    if max(map(len, filter(None, raw)), default=0) > MAX_STATUS_LENGTH:
        cell = next(i for i, s in enumerate(raw) if s and len(s) > MAX_STATUS_LENGTH)
        raise _bad_status(raw[cell], cell, name)
    return [s or None for s in raw] if "" in raw else raw


def _status(raw: Any, size: int, name: str) -> np.ndarray:
    out = np.full(size, None, dtype=object)
    if raw is None:
        return out
    if isinstance(raw, str):
        if len(raw) > MAX_STATUS_LENGTH:
            raise _bad_status(raw, None, name)
        out[:] = raw or None
    elif isinstance(raw, list):
        out[:] = _status_list(raw, size, name)
    elif isinstance(raw, dict):
        keys = _cell_keys(raw, size, name, "status")
        symbols = list(raw.values())
        if not set(map(type, symbols)) <= _STATUS_TYPES or (
            max(map(len, filter(None, symbols)), default=0) > MAX_STATUS_LENGTH
        ):
            i = next(
                i
                for i, s in enumerate(symbols)
                if s is not None and (type(s) is not str or len(s) > MAX_STATUS_LENGTH)
            )
            raise _bad_status(symbols[i], int(keys[i]), name)
        out[keys] = [s or None for s in symbols] if "" in symbols else symbols
    else:
        raise _refuse(name, "JSON-stat 'status' må være en tekst, en liste eller et objekt")
    return out


def _updated(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _dimensions(doc: dict[str, Any], ids: list[str], sizes: list[int], name: str) -> tuple[Dimension, ...]:
    roles = _roles(doc)
    specs = doc.get("dimension")
    if not isinstance(specs, dict):
        raise _refuse(name, "JSON-stat 'dimension' mangler eller er ikke et objekt")
    dims = []
    for dim_id, size in zip(ids, sizes, strict=True):
        spec = specs.get(dim_id)
        category = spec.get("category") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(category, dict):
            raise _refuse(name, f"dimensjonen {dim_id} mangler i 'dimension' eller har ingen 'category'")
        codes = _ordered_codes(category, dim_id, name)
        if len(codes) != size:
            raise _refuse(
                name,
                f"dimensjonen {dim_id} har {amount_nb(len(codes), 'kategori', 'kategorier')}, "
                f"men 'size' sier {count_nb(size)}",
            )
        labels = category.get("label")
        labels = labels if isinstance(labels, dict) else {}
        extension = spec.get("extension")
        elimination = extension.get("elimination") if isinstance(extension, dict) else None
        dims.append(
            Dimension(
                id=dim_id,
                label=str(spec.get("label", dim_id)),
                codes=tuple(codes),
                labels=tuple(str(labels.get(c, c)) for c in codes),
                role=roles.get(dim_id),
                elimination=elimination if isinstance(elimination, bool) else None,
            )
        )
    return tuple(dims)


def _json_problem(exc: orjson.JSONDecodeError) -> str:
    where = f"linje {exc.lineno}, kolonne {exc.colno}"
    message = exc.msg.lower()
    if "infinity" in message:
        return f"et tall er for stort til å lagres, {where}"
    if "utf-8" in message:
        return f"teksten er ikke gyldig UTF-8, {where}"
    if "recursion" in message or "depth" in message:  # orjson 3.10+ says "depth limit exceeded"
        return f"for mange nivåer inni hverandre, {where}"
    return f"feil ved {where}"


def parse_document(data: bytes | str | dict[str, Any], name: str) -> dict[str, Any]:
    try:
        doc = orjson.loads(data) if isinstance(data, bytes | str) else data
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{name}: er ikke gyldig JSON ({_json_problem(exc)})") from exc
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or "id" not in doc:
        raise InputError(f"{name}: er ikke et JSON-stat 2.0-datasett (mangler class 'dataset' med 'id')")
    return doc


def read_jsonstat(
    data: bytes | str | dict[str, Any],
    *,
    name: str = "JSON-stat",
    with_values: bool = True,
    max_cells: int = MAX_CELLS,
) -> Cube:
    """Read one JSON-stat 2.0 dataset; ``name`` is used in error messages.

    ``with_values=False`` reads only the dimensions (PxWebApi's metadata answer,
    which may describe a whole table of any size). Otherwise the cells ``size``
    declares may be at most ``max_cells``, and are checked against the document
    (see :data:`SPARSE_CELLS_PER_BYTE`) before the value and status arrays exist.
    """
    doc = parse_document(data, name)
    ids, sizes = _ids_and_sizes(doc, name)
    size = math.prod(sizes) if ids else 0
    if with_values:
        _check_declared_cells(doc, size, data, name, max_cells)
    dims = _dimensions(doc, ids, sizes, name)
    values = _values(doc.get("value"), size, name, doc, data) if with_values else np.empty(0)
    status = _status(doc.get("status"), size, name) if with_values else np.empty(0, dtype=object)
    extension = doc.get("extension")
    px = extension.get("px") if isinstance(extension, dict) else None
    table_id = px.get("tableid") if isinstance(px, dict) else None
    notes = doc.get("note") or []
    source = doc.get("source")
    return Cube(
        table_id=str(table_id) if table_id else None,
        label=str(doc.get("label", "")),
        source=source if isinstance(source, str) else None,
        updated=_updated(doc.get("updated")),
        dimensions=dims,
        values=values,
        status=status,
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (str(notes),),
    )
