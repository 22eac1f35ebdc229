"""A small client for SSB's PxWebApi v2: limits, metadata, and data in JSON-stat 2.0.

Building a request is pure (:class:`Selection`, :func:`plan_selections`), so a
query can be printed and tested without the network. :class:`PxWebClient`
takes an ``httpx.Client`` and adds what SSB's published limits ask of a
polite client: a token bucket under the request-rate limit, splitting of
extracts over the cell limit, and retries with backoff on 429 (respecting a
sensible ``Retry-After``), 5xx, timeouts and truncated bodies (the loop in
:mod:`kostra.sources.retrying`, shared with the KLASS client). An answer that
is valid JSON but not the dataset asked for is refused at once, in one line.

Endpoints (base URL ``https://data.ssb.no/api/pxwebapi/v2``, configurable by
``KOSTRA_SSB_URL``)::

    GET  /config
    GET  /tables/{id}/metadata?lang=no
    POST /tables/{id}/data?lang=no&outputFormat=json-stat2   {"selection": [...]}

Table metadata is the contract: a dimension with ``elimination: false`` must be
given a value in every data request (SSB answers 400 "Missing selection for
mandantory variable" otherwise), and ``extension.discontinued`` marks a table
SSB no longer updates. :func:`resolve_filters` chooses a value for every
required dimension (the catalog's, or the table's total) and says in one line
which values SSB offers when it cannot.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import orjson

from kostra.errors import SourceError
from kostra.sources.jsonstat import Cube, Dimension, read_jsonstat
from kostra.sources.numbers_nb import amount_nb, count_nb
from kostra.sources.ratelimit import TokenBucket
from kostra.sources.retrying import ClientStats, RetryingHttp, RetryPolicy

__all__ = [
    "DEFAULT_URL",
    "ApiLimits",
    "ClientStats",
    "PxWebClient",
    "RetryPolicy",
    "Selection",
    "TableMetadata",
    "offered",
    "plan_selections",
    "read_answer",
    "resolve_filters",
    "ssb_base_url",
    "table_total",
]

T = TypeVar("T")

DEFAULT_URL = "https://data.ssb.no/api/pxwebapi/v2"
# Published limits (KOSTRA.md): 800 000 cells per extract, 30 requests per 60 s.
DEFAULT_MAX_CELLS = 800_000
DEFAULT_CALLS, DEFAULT_WINDOW = 30, 60.0
# Dimensions split first when an extract is too big: regions, then years, then figures.
_SPLIT_ORDER = ("geo", "time", "metric")
# How many of SSB's values a message lists before "…".
_OFFERED = 6
# Labels SSB gives a dimension's total ("I alt", "Alle aldre", "Samlet areal"): the value
# that stands for the whole when a required dimension has one.
_TOTAL_WORDS = ("i alt", "alle", "total", "totalt", "samlet", "samla", "sum")


def ssb_base_url() -> str:
    return os.environ.get("KOSTRA_SSB_URL", DEFAULT_URL).rstrip("/")


@dataclass(frozen=True)
class ApiLimits:
    max_cells: int = DEFAULT_MAX_CELLS
    max_calls: int = DEFAULT_CALLS
    window_seconds: float = DEFAULT_WINDOW

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ApiLimits:
        """Read ``/config``; zero, missing or unreadable values keep the published defaults
        (SSB now reports 0 there and announces the rate in headers instead)."""
        cells = int(_count(config.get("maxDataCells")))
        calls = int(_count(config.get("maxCallsPerTimeWindow")))
        window = _count(config.get("timeWindow"))
        return cls(
            max_cells=cells if cells > 0 else DEFAULT_MAX_CELLS,
            max_calls=calls if calls > 0 and window > 0 else DEFAULT_CALLS,
            window_seconds=window if calls > 0 and window > 0 else DEFAULT_WINDOW,
        )


@dataclass(frozen=True)
class Selection:
    """One data request: a table and the codes chosen for each dimension, in order."""

    table: str
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def cells(self) -> int:
        return math.prod(len(codes) for _, codes in self.dimensions)

    def body(self) -> dict[str, Any]:
        return {
            "selection": [{"variableCode": dim, "valueCodes": list(codes)} for dim, codes in self.dimensions]
        }

    def key(self) -> str:
        """A stable digest of the selection (for caches and release checksums)."""
        return hashlib.sha256(orjson.dumps([self.table, self.dimensions])).hexdigest()[:24]

    def describe(self) -> str:
        parts = ", ".join(f"{dim}={count_nb(len(codes))}" for dim, codes in self.dimensions)
        return f"tabell {self.table} ({parts}; {amount_nb(self.cells, 'celle', 'celler')})"


def plan_selections(
    table: str, metadata: Cube, wanted: Mapping[str, Sequence[str]], max_cells: int
) -> list[Selection]:
    """Requests that together cover ``wanted`` and each stay within ``max_cells``.

    Every mandatory dimension (``elimination: false``) must be in ``wanted``;
    every wanted code must exist in the table. The first dimension in the split
    order (regions, then years, then figures) is cut into equal slices.
    """
    dims: list[tuple[str, tuple[str, ...]]] = []
    for dim in metadata.dimensions:
        if dim.id in wanted:
            known = set(dim.codes)
            missing = [c for c in wanted[dim.id] if c not in known]
            if missing:
                raise SourceError(
                    f"tabell {table}: {dim.id} har ingen verdi {missing[0]!r} (ifølge SSBs metadata); "
                    f"SSB har {offered(dim)}"
                )
            dims.append((dim.id, tuple(c for c in dim.codes if c in set(wanted[dim.id]))))
        elif dim.elimination is False:
            raise SourceError(
                f"tabell {table}: dimensjonen {dim.id} må være med i uttrekket; SSB har {offered(dim)}"
            )
    unknown = set(wanted) - {d.id for d in metadata.dimensions}
    if unknown:
        raise SourceError(
            f"tabell {table}: har ingen dimensjon {sorted(unknown)[0]!r} (ifølge SSBs metadata)"
        )
    if any(not codes for _, codes in dims):
        return []
    roles = {d.id: d.role for d in metadata.dimensions}
    order = sorted(range(len(dims)), key=lambda i: _split_rank(roles.get(dims[i][0])))
    return _split(table, dims, order, max_cells)


def offered(dim: Dimension, limit: int = _OFFERED) -> str:
    """The first few of a dimension's values, for a message: "130, 221, 222, …"."""
    shown = ", ".join(dim.codes[:limit])
    return shown + (", …" if len(dim.codes) > limit else "") if shown else "ingen verdier"


def table_total(dim: Dimension) -> str | None:
    """The one value of ``dim`` that SSB labels as the total ("I alt", "Samlet areal"), if any."""
    found = [
        code
        for code, label in zip(dim.codes, dim.labels, strict=False)
        if any(label.strip().lower() == w or label.strip().lower().startswith(w + " ") for w in _TOTAL_WORDS)
    ]
    return found[0] if len(found) == 1 else None


def resolve_filters(
    table: str,
    metadata: Cube,
    contents: str,
    filters: Mapping[str, str],
    who: str,
    also: Iterable[str] = (),
) -> dict[str, str]:
    """The value of every dimension one figure of ``table`` is read at: the catalog's
    ``filters``, and for each required (``elimination: false``) dimension the catalog
    leaves open, the table's total. ``also`` names dimensions other figures of the
    same request select, which this one needs a value for too (their total).

    Checked against SSB's metadata before any data request: raises one
    :class:`SourceError` line naming the table, the dimension and the values SSB
    offers when a value is missing or not in the table (``who`` names the figure)."""
    dims = {d.id: d for d in metadata.dimensions}
    unknown = sorted(set(filters) - set(dims))
    if unknown:
        known = ", ".join(d.id for d in metadata.dimensions)
        raise SourceError(
            f"tabell {table}: har ingen dimensjon {unknown[0]!r} ({who}); SSBs dimensjoner er {known}"
        )
    chosen: dict[str, str] = {}
    metric = metadata.dimension("metric")
    if metric is not None and contents not in metric.codes:
        raise SourceError(
            f"tabell {table}: {metric.id} har ingen verdi {contents!r} ({who}); SSB har {offered(metric)}"
        )
    needed = set(also)
    for dim in metadata.dimensions:
        if dim.role in ("geo", "metric", "time"):
            continue
        if dim.id in filters:
            value = filters[dim.id]
            if value not in dim.codes:
                raise SourceError(
                    f"tabell {table}: {dim.id} har ingen verdi {value!r} ({who}); SSB har {offered(dim)}"
                )
            chosen[dim.id] = value
        elif dim.elimination is False or dim.id in needed:
            total = table_total(dim)
            if total is None:
                raise SourceError(
                    f"tabell {table}: dimensjonen {dim.id} må ha en verdi, men katalogen velger ingen "
                    f"({who}) og SSB har ingen total; SSB har {offered(dim)}"
                )
            chosen[dim.id] = total
    return chosen


def _split_rank(role: str | None) -> int:
    return _SPLIT_ORDER.index(role) if role in _SPLIT_ORDER else len(_SPLIT_ORDER)


def _split(
    table: str, dims: list[tuple[str, tuple[str, ...]]], order: list[int], max_cells: int
) -> list[Selection]:
    whole = Selection(table, tuple(dims))
    if whole.cells <= max_cells:
        return [whole]
    for i in order:
        codes = dims[i][1]
        others = whole.cells // len(codes)
        if others > max_cells:
            continue  # even one code of this dimension is too big; cut another first
        per_request = max(1, max_cells // others)
        return [
            Selection(
                table,
                tuple((n, codes[s : s + per_request]) if j == i else (n, c) for j, (n, c) in enumerate(dims)),
            )
            for s in range(0, len(codes), per_request)
        ]
    # Every single dimension is too big on its own: cut the first and plan each part again.
    first = order[0]
    codes = dims[first][1]
    half = max(1, len(codes) // 2)
    parts = []
    for piece in (codes[:half], codes[half:]):
        reduced = [(n, piece) if j == first else (n, c) for j, (n, c) in enumerate(dims)]
        parts += _split(table, reduced, order, max_cells)
    return parts


def _count(value: Any) -> float:
    """A positive finite number from ``/config``, else 0 (keep the default)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def read_answer(data: Any, selection: Selection) -> Cube:
    """The JSON-stat 2.0 answer to ``selection`` (decoded JSON or raw bytes), checked to be
    exactly what was asked for: the same dimensions, the same codes, every cell.

    Raises :class:`SourceError` (an answer of the wrong shape or for something else) or
    what :func:`read_jsonstat` raises for a broken dataset."""
    what = selection.describe()
    answer = f"SSBs svar på forespørselen om {what}"
    doc = orjson.loads(data) if isinstance(data, bytes | str) else data
    sizes = doc.get("size") if isinstance(doc, dict) else None
    if isinstance(sizes, list) and all(isinstance(n, int) for n in sizes):
        # before reading: a cube of the wrong size is refused without allocating it
        cells = math.prod(sizes)
        if cells != selection.cells:
            found = amount_nb(cells, "celle", "celler")
            raise SourceError(f"{answer} har {found}, ventet {count_nb(selection.cells)}")
    cube = read_jsonstat(doc, name=what)
    if cube.table_id is not None and cube.table_id != selection.table:
        raise SourceError(f"{answer} gjelder tabell {cube.table_id}")
    asked = dict(selection.dimensions)
    # a dimension not asked for may only appear as its single total (an eliminated one)
    got = {d.id: d.codes for d in cube.dimensions if d.id in asked or len(d.codes) != 1}
    if set(got) != set(asked):
        raise SourceError(f"{answer} har dimensjonene {', '.join(got) or 'ingen'}, ventet {', '.join(asked)}")
    for dim, codes in asked.items():
        if set(got[dim]) != set(codes) or len(got[dim]) != len(codes):
            missing = sorted(set(codes) - set(got[dim]))
            extra = sorted(set(got[dim]) - set(codes))
            detail = f"mangler {missing[0]!r}" if missing else f"har {extra[0]!r} i tillegg" if extra else ""
            raise SourceError(f"{answer} er ikke det som ble spurt om: {dim} {detail}".rstrip())
    return cube


@dataclass(frozen=True)
class TableMetadata:
    """A table's metadata (``/tables/{id}/metadata``): its dimensions, and whether SSB has
    discontinued it (``extension.discontinued``; such a table is no longer updated)."""

    table: str
    cube: Cube
    discontinued: bool = False


def _discontinued(doc: Any) -> bool:
    """SSB sets ``extension.discontinued`` to true on a discontinued table and to null otherwise."""
    extension = doc.get("extension") if isinstance(doc, dict) else None
    flag = extension.get("discontinued") if isinstance(extension, dict) else None
    return flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "yes", "ja"))


class PxWebClient:
    """PxWebApi v2 over an ``httpx.Client``, within SSB's published limits."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str | None = None,
        *,
        limits: ApiLimits | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = (base_url or ssb_base_url()).rstrip("/")
        self.limits = limits or ApiLimits()
        sleep = sleep or time.sleep
        self.bucket = TokenBucket(self.limits.max_calls, self.limits.window_seconds, sleep=sleep)
        self.sender = RetryingHttp(
            http,
            service="SSB",
            unreachable_hint="tallene i datalageret er uendret; sjekk nettforbindelsen eller KOSTRA_SSB_URL",
            gate=self.bucket,
            retry=retry,
            sleep=sleep,
            clock=clock,
            on_event=on_event,
        )

    @property
    def http(self) -> httpx.Client:
        return self.sender.http

    @property
    def retry(self) -> RetryPolicy:
        return self.sender.retry

    @property
    def stats(self) -> ClientStats:
        return self.sender.stats

    # -- public --------------------------------------------------------------
    def fetch_config(self) -> ApiLimits:
        """Read SSB's published limits and adopt them (the bucket is kept, so clients sharing it follow)."""
        config = self._send("GET", "/config", what="oppsettet (/config)", parse=lambda doc, _raw: doc)
        self.limits = ApiLimits.from_config(config if isinstance(config, dict) else {})
        self.bucket.reconfigure(self.limits.max_calls, self.limits.window_seconds)
        return self.limits

    def fetch_metadata(self, table: str) -> Cube:
        """The table's dimensions (see :meth:`fetch_table_metadata` for the discontinued mark)."""
        return self.fetch_table_metadata(table).cube

    def fetch_table_metadata(self, table: str) -> TableMetadata:
        """The table's metadata. Metadata is always JSON-stat 2.0; SSB ignores an
        ``outputFormat`` here (the spec dropped it), so none is sent."""
        what = f"metadata for tabell {table}"
        return self._send(
            "GET",
            f"/tables/{table}/metadata",
            params={"lang": "no"},
            what=what,
            parse=lambda doc, _raw: TableMetadata(
                table, read_jsonstat(doc, name=what, with_values=False), _discontinued(doc)
            ),
        )

    def fetch_data(self, selection: Selection) -> tuple[bytes, Cube]:
        """The JSON-stat 2.0 answer to ``selection`` (raw bytes and parsed), checked to be
        complete and to be the answer to ``selection`` (:func:`read_answer`)."""
        if selection.cells > self.limits.max_cells:
            raise SourceError(
                f"{selection.describe()} er over SSBs grense på {count_nb(self.limits.max_cells)} celler; "
                "del opp uttrekket først"
            )
        raw, cube = self._send(
            "POST",
            f"/tables/{selection.table}/data",
            params={"lang": "no", "outputFormat": "json-stat2"},
            json=selection.body(),
            what=selection.describe(),
            parse=lambda doc, raw: (raw, read_answer(doc, selection)),
        )
        self.stats.cells += selection.cells
        return raw, cube

    # -- plumbing ------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        parse: Callable[[Any, bytes], T],
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> T:
        """One logical request: retried on 429, 5xx, timeouts and broken bodies (see retrying.py)."""
        return self.sender.send(method, self.base_url, path, what=what, parse=parse, params=params, json=json)
