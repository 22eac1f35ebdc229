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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd

from kostra.errors import InputError
from kostra.sources.numbers_nb import amount_nb, count_nb

__all__ = ["Cube", "Dimension", "read_jsonstat"]


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


def _ordered_codes(category: dict[str, Any]) -> list[str]:
    index = category.get("index")
    if index is None:
        return list(category.get("label", {}))
    if isinstance(index, list):
        return [str(c) for c in index]
    return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]


def _roles(doc: dict[str, Any]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for role, dims in (doc.get("role") or {}).items():
        for dim in dims:
            roles[dim] = role
    return roles


def _values(raw: Any, size: int, name: str) -> np.ndarray:
    if raw is None:
        return np.full(size, np.nan)
    if isinstance(raw, list):
        if len(raw) != size:
            cells = amount_nb(len(raw), "celle", "celler")
            raise InputError(f"{name}: JSON-stat 'value' har {cells}, ventet {count_nb(size)}")
        # numpy turns None into NaN for a float array, in C
        return np.array(raw, dtype=float)
    if isinstance(raw, dict):
        out = np.full(size, np.nan)
        if raw:
            keys = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            out[keys] = np.array(list(raw.values()), dtype=float)
        return out
    raise InputError(f"{name}: JSON-stat 'value' må være en liste (array) eller et objekt")


def _status(raw: Any, size: int, name: str) -> np.ndarray:
    out = np.full(size, None, dtype=object)
    if raw is None:
        return out
    if isinstance(raw, str):
        out[:] = raw
    elif isinstance(raw, list):
        if len(raw) != size:
            cells = amount_nb(len(raw), "celle", "celler")
            raise InputError(f"{name}: JSON-stat 'status' har {cells}, ventet {count_nb(size)}")
        out[:] = raw
    elif isinstance(raw, dict):
        for key, symbol in raw.items():
            out[int(key)] = symbol
    return out


def _updated(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _dimensions(doc: dict[str, Any], name: str) -> tuple[Dimension, ...]:
    roles = _roles(doc)
    dims = []
    for dim_id, size in zip(doc["id"], doc["size"], strict=True):
        spec = doc["dimension"][dim_id]
        codes = _ordered_codes(spec["category"])
        if len(codes) != int(size):
            raise InputError(
                f"{name}: dimensjonen {dim_id} har {amount_nb(len(codes), 'kategori', 'kategorier')}, "
                f"men 'size' sier {count_nb(int(size))}"
            )
        labels = spec["category"].get("label", {})
        elimination = (spec.get("extension") or {}).get("elimination")
        dims.append(
            Dimension(
                id=str(dim_id),
                label=str(spec.get("label", dim_id)),
                codes=tuple(codes),
                labels=tuple(str(labels.get(c, c)) for c in codes),
                role=roles.get(dim_id),
                elimination=elimination if isinstance(elimination, bool) else None,
            )
        )
    return tuple(dims)


def parse_document(data: bytes | str | dict[str, Any], name: str) -> dict[str, Any]:
    try:
        doc = orjson.loads(data) if isinstance(data, bytes | str) else data
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{name}: er ikke gyldig JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or "id" not in doc:
        raise InputError(f"{name}: er ikke et JSON-stat 2.0-datasett (mangler class 'dataset' med 'id')")
    return doc


def read_jsonstat(
    data: bytes | str | dict[str, Any], *, name: str = "JSON-stat", with_values: bool = True
) -> Cube:
    """Read one JSON-stat 2.0 dataset; ``name`` is used in error messages.

    ``with_values=False`` reads only the dimensions (PxWebApi's metadata answer).
    """
    doc = parse_document(data, name)
    try:
        dims = _dimensions(doc, name)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{name}: ugyldige JSON-stat-dimensjoner ({exc.__class__.__name__}: {exc})") from exc
    size = int(np.prod([len(d.codes) for d in dims])) if dims else 0
    values = _values(doc.get("value"), size, name) if with_values else np.empty(0)
    status = _status(doc.get("status"), size, name) if with_values else np.empty(0, dtype=object)
    extension = doc.get("extension") or {}
    table_id = (extension.get("px") or {}).get("tableid")
    notes = doc.get("note") or []
    return Cube(
        table_id=str(table_id) if table_id else None,
        label=str(doc.get("label", "")),
        source=doc.get("source"),
        updated=_updated(doc.get("updated")),
        dimensions=dims,
        values=values,
        status=status,
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (str(notes),),
    )
