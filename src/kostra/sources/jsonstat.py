"""A JSON-stat 2.0 reader that keeps SSB's status symbols.

:func:`read_jsonstat` turns one JSON-stat dataset (as PxWebApi v2 answers) into
a :class:`Cube`: table metadata plus a tidy frame with one column of codes per
dimension, ``value`` (float, NaN where missing) and ``status`` (SSB's symbol or
None). Dimension order and the row-major layout of ``value`` follow the
JSON-stat 2.0 specification; ``value`` and ``status`` may be arrays or sparse
objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from kostra.errors import InputError

__all__ = ["Cube", "Dimension", "read_jsonstat"]


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    role: str | None  # "time", "geo", "metric" or None


@dataclass(frozen=True)
class Cube:
    table_id: str | None
    label: str
    source: str | None
    updated: datetime | None
    dimensions: tuple[Dimension, ...]
    frame: pd.DataFrame

    def dimension(self, role: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.role == role), None)


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


def _dense(raw: Any, size: int, fill: Any, what: str, name: str) -> list[Any]:
    if raw is None:
        return [fill] * size
    if isinstance(raw, list):
        if len(raw) != size:
            raise InputError(f"{name}: JSON-stat '{what}' has {len(raw)} cells, expected {size}")
        return raw
    if isinstance(raw, dict):
        out = [fill] * size
        for key, item in raw.items():
            out[int(key)] = item
        return out
    return [raw] * size  # a single status for every cell


def _updated(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_jsonstat(data: bytes | str | dict[str, Any], *, name: str = "JSON-stat") -> Cube:
    """Read one JSON-stat 2.0 dataset; ``name`` is used in error messages."""
    try:
        doc = json.loads(data) if isinstance(data, bytes | str) else data
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not valid JSON ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or "id" not in doc:
        raise InputError(f"{name}: not a JSON-stat 2.0 dataset (no class 'dataset' with 'id')")
    ids: list[str] = list(doc["id"])
    sizes: list[int] = [int(s) for s in doc["size"]]
    roles = _roles(doc)
    dims = []
    for dim_id, size in zip(ids, sizes, strict=True):
        spec = doc["dimension"][dim_id]
        codes = _ordered_codes(spec["category"])
        if len(codes) != size:
            raise InputError(f"{name}: dimension {dim_id} has {len(codes)} categories, size says {size}")
        labels = spec["category"].get("label", {})
        dims.append(
            Dimension(
                id=dim_id,
                label=str(spec.get("label", dim_id)),
                codes=tuple(codes),
                labels=tuple(str(labels.get(c, c)) for c in codes),
                role=roles.get(dim_id),
            )
        )
    total = int(np.prod(sizes)) if sizes else 0
    values = np.array(
        [np.nan if v is None else v for v in _dense(doc.get("value"), total, None, "value", name)],
        dtype=float,
    )
    status = _dense(doc.get("status"), total, None, "status", name)
    columns: dict[str, Any] = {}
    positions = np.indices(sizes).reshape(len(sizes), -1) if sizes else np.empty((0, 0), int)
    for dim, pos in zip(dims, positions, strict=True):
        columns[dim.id] = np.asarray(dim.codes, dtype=object)[pos]
    columns["value"] = values
    columns["status"] = np.asarray(status, dtype=object)
    extension = doc.get("extension") or {}
    table_id = (extension.get("px") or {}).get("tableid")
    return Cube(
        table_id=str(table_id) if table_id else None,
        label=str(doc.get("label", "")),
        source=doc.get("source"),
        updated=_updated(doc.get("updated")),
        dimensions=tuple(dims),
        frame=pd.DataFrame(columns),
    )
