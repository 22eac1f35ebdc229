"""A small client for SSB's PxWebApi v2: limits, metadata, and data in JSON-stat 2.0.

Building a request is pure (:class:`Selection`, :func:`plan_selections`), so a
query can be printed and tested without the network. :class:`PxWebClient`
takes an ``httpx.Client`` and adds what SSB's published limits ask of a
polite client: a token bucket under the request-rate limit, splitting of
extracts over the cell limit, and retries with backoff on 429 (respecting
``Retry-After``), 5xx, timeouts and truncated bodies.

Endpoints (base URL ``https://data.ssb.no/api/pxwebapi/v2``, configurable by
``KOSTRA_SSB_URL``)::

    GET  /config
    GET  /tables/{id}/metadata?lang=no&outputFormat=json-stat2
    POST /tables/{id}/data?lang=no&outputFormat=json-stat2   {"selection": [...]}
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx
import orjson

from kostra.errors import InputError, SourceError, SourceUnreachable
from kostra.sources.jsonstat import Cube, read_jsonstat
from kostra.sources.numbers_nb import amount_nb, count_nb, seconds_nb
from kostra.sources.ratelimit import TokenBucket

__all__ = [
    "DEFAULT_URL",
    "ApiLimits",
    "PxWebClient",
    "RetryPolicy",
    "Selection",
    "plan_selections",
    "ssb_base_url",
]

T = TypeVar("T")

DEFAULT_URL = "https://data.ssb.no/api/pxwebapi/v2"
# Published limits (KOSTRA.md): 800 000 cells per extract, 30 requests per 60 s.
DEFAULT_MAX_CELLS = 800_000
DEFAULT_CALLS, DEFAULT_WINDOW = 30, 60.0
# Dimensions split first when an extract is too big: regions, then years, then figures.
_SPLIT_ORDER = ("geo", "time", "metric")


def ssb_base_url() -> str:
    return os.environ.get("KOSTRA_SSB_URL", DEFAULT_URL).rstrip("/")


@dataclass(frozen=True)
class ApiLimits:
    max_cells: int = DEFAULT_MAX_CELLS
    max_calls: int = DEFAULT_CALLS
    window_seconds: float = DEFAULT_WINDOW

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ApiLimits:
        """Read ``/config``; zero or missing values keep the published defaults
        (SSB now reports 0 there and announces the rate in headers instead)."""
        cells = int(config.get("maxDataCells") or 0)
        calls = int(config.get("maxCallsPerTimeWindow") or 0)
        window = float(config.get("timeWindow") or 0)
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
                    f"tabell {table}: {dim.id} har ingen verdi {missing[0]!r} (ifølge SSBs metadata)"
                )
            dims.append((dim.id, tuple(c for c in dim.codes if c in set(wanted[dim.id]))))
        elif dim.elimination is False:
            raise SourceError(f"tabell {table}: dimensjonen {dim.id} må være med i uttrekket")
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


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 120.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait_seconds)
        return float(min(self.backoff_seconds * 2**attempt, self.max_wait_seconds))


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    cells: int = 0
    waited_seconds: float = 0.0
    events: list[str] = field(default_factory=list)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - time.time())


def _problem(response: httpx.Response) -> str:
    try:
        doc = response.json()
    except ValueError:
        return response.text[:120].strip() or response.reason_phrase
    if isinstance(doc, dict):
        return str(doc.get("title") or doc.get("detail") or doc)[:160]
    return str(doc)[:160]


class PxWebClient:
    """PxWebApi v2 over an ``httpx.Client``, within SSB's published limits."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str | None = None,
        *,
        limits: ApiLimits | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.http = http
        self.base_url = (base_url or ssb_base_url()).rstrip("/")
        self.limits = limits or ApiLimits()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._on_event = on_event or (lambda _event: None)
        self.bucket = TokenBucket(self.limits.max_calls, self.limits.window_seconds, sleep=sleep)
        self.stats = ClientStats()

    # -- public --------------------------------------------------------------
    def fetch_config(self) -> ApiLimits:
        """Read SSB's published limits and adopt them."""
        config = self._send(
            "GET", "/config", what="oppsettet (/config)", parse=lambda r: orjson.loads(r.content)
        )
        self.limits = ApiLimits.from_config(config if isinstance(config, dict) else {})
        self.bucket = TokenBucket(self.limits.max_calls, self.limits.window_seconds, sleep=self._sleep)
        return self.limits

    def fetch_metadata(self, table: str) -> Cube:
        return self._send(
            "GET",
            f"/tables/{table}/metadata",
            params={"lang": "no", "outputFormat": "json-stat2"},
            what=f"metadata for tabell {table}",
            parse=lambda r: read_jsonstat(r.content, name=f"metadata for tabell {table}", with_values=False),
        )

    def fetch_data(self, selection: Selection) -> tuple[bytes, Cube]:
        """The JSON-stat 2.0 answer to ``selection`` (raw bytes and parsed), checked to be complete."""
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
            parse=lambda r: (r.content, read_jsonstat(r.content, name=f"tabell {selection.table}")),
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
        parse: Callable[[httpx.Response], T],
        params: dict[str, str] | None = None,
        json: Any = None,
    ) -> T:
        """One logical request: retried on 429, 5xx, timeouts and broken bodies."""
        problem = "ikke noe svar"
        for attempt in range(self.retry.attempts):
            self.stats.waited_seconds += self.bucket.acquire()
            self.stats.requests += 1
            outcome = self._attempt(method, self.base_url + path, what, parse, params, json)
            if isinstance(outcome, _Success):
                return outcome.value
            problem, retry_after = outcome
            if attempt + 1 < self.retry.attempts:
                wait = self.retry.wait(attempt, retry_after)
                self.stats.retries += 1
                self.stats.waited_seconds += wait
                event = f"{what}: {problem}; prøver igjen om {seconds_nb(wait)} s"
                self.stats.events.append(event)
                self._on_event(event)
                self._sleep(wait)
        raise SourceError(
            f"SSB svarte ikke på forespørselen om {what} etter {self.retry.attempts} forsøk "
            f"(sist: {problem}); prøv igjen senere"
        )

    def _attempt(
        self,
        method: str,
        url: str,
        what: str,
        parse: Callable[[httpx.Response], T],
        params: dict[str, str] | None,
        json: Any,
    ) -> _Success[T] | tuple[str, float | None]:
        """One HTTP exchange: a success, or (what went wrong, Retry-After) for a retry."""
        try:
            response = self.http.request(method, url, params=params, json=json)
            response.read()
        except httpx.ConnectError as exc:
            raise SourceUnreachable(
                f"SSB kan ikke nås på {self.base_url} ({exc.__class__.__name__}); tallene i datalageret "
                "er uendret; sjekk nettforbindelsen eller KOSTRA_SSB_URL"
            ) from exc
        except httpx.TimeoutException:
            return "tidsavbrudd", None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            return f"ødelagt svar ({exc.__class__.__name__})", None
        if response.headers.get("x-ratelimit-remaining") == "0":
            self.bucket.drain()
        if response.status_code == 429 or response.status_code >= 500:
            return f"HTTP {response.status_code}", _retry_after(response)
        if response.status_code >= 400:
            raise SourceError(
                f"SSB avviste forespørselen om {what}: HTTP {response.status_code} {_problem(response)}"
            )
        try:
            return _Success(parse(response))
        except (InputError, orjson.JSONDecodeError):
            return "ufullstendig eller ugyldig JSON-stat", None


@dataclass(frozen=True)
class _Success(Generic[T]):
    value: T
