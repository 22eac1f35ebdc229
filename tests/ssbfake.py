"""A local stand-in for SSB's APIs on 127.0.0.1 that keeps SSB's rules, for the client's tests.

It serves the answers under ``fixtures/ssb/`` (URL-shaped paths) the way
PxWebApi v2 and KLASS do:

* ``/config``;
* ``/tables/{id}/metadata``: the table's own metadata file, with the real
  ``elimination`` flags, the whole region list (municipalities of every year,
  2111, EAK, EAKUO, EKAnn, EKG01-EKG17) and ``extension.discontinued``;
* ``/tables/{id}/data``: any selection the metadata allows, with SSB's answers
  for what it does not: 400 "Missing selection for mandantory variable" (a
  required dimension left out), 400 "Non-existent value", 404 "Non-existent
  table", 400 "Too many cells selected". An eliminable dimension left out is
  summed away, as SSB does. Values come from the recorded ``data.json`` where it
  has the cell, else a stable made-up figure ("." for a municipality code not
  valid that year);
* KLASS ``codesAt``, ``changes``, ``correspondencetables`` and
  ``correspondsAt`` (any date: the file of the latest date not after it).

Tests add faults — 429 with Retry-After, 5xx, a hang past the client's
timeout, a truncated body, a malformed but valid JSON answer — to the next
matching requests, and may replace an answer (:meth:`FakeSSB.answer`).
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).parent / "fixtures" / "ssb"
PXWEB = "/api/pxwebapi/v2"
KLASS = "/api/klass/v1"
REGIONS_CSV = Path(__file__).parents[1] / "src" / "kostra" / "data" / "regions.csv"


@dataclass
class Fault:
    """Answer the next ``times`` requests whose path matches ``pattern`` with ``kind``."""

    pattern: str
    kind: str  # "429" | "500" | "503" | "hang" | "truncate" | "invalid-json" | "malformed"
    times: int = 1
    retry_after: str | None = None
    hang_seconds: float = 3.0
    # "malformed": the 200 answer is mutate(a copy of the right answer), sent as valid JSON
    mutate: Callable[[Any], Any] | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeSSB:
    root: Path = ROOT
    max_cells: int = 800_000
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (regex over "path?query", status, body): answers that replace the files
    replaced: list[tuple[str, int, Any]] = field(default_factory=list)
    # table id -> metadata document: tables a test adds (or changes) beside the files
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    _recorded: dict[str, _Recorded | None] = field(default_factory=dict)

    def fault(self, pattern: str, kind: str, times: int = 1, **kwargs: Any) -> None:
        self.faults.append(Fault(pattern, kind, times, **kwargs))

    def answer(self, pattern: str, body: Any, status: int = 200) -> None:
        """Answer every request whose ``path?query`` matches ``pattern`` with ``body``."""
        self.replaced.append((pattern, status, body))

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.pattern, path):
                    fault.times -= 1
                    return fault
        return None

    def data_requests(self, table: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"{PXWEB}/tables/{table}/data"]

    def metadata_requests(self, table: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"{PXWEB}/tables/{table}/metadata"]

    # -- PxWebApi ------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((self.root / "api/pxwebapi/v2/config.json").read_text("utf-8"))
        doc["maxDataCells"] = self.max_cells
        return doc

    def cube(self, table: str) -> dict[str, Any] | None:
        """The recorded data answer of ``table`` (values for some cells), if any."""
        path = self.root / f"api/pxwebapi/v2/tables/{table}/data.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def recorded(self, table: str) -> _Recorded | None:
        with self.lock:
            if table not in self._recorded:
                self._recorded[table] = _Recorded.of(self.cube(table))
            return self._recorded[table]

    def metadata(self, table: str) -> dict[str, Any] | None:
        """The table's metadata, as SSB serves it (never derived from a data answer)."""
        if table in self.tables:
            return json.loads(json.dumps(self.tables[table]))
        path = self.root / f"api/pxwebapi/v2/tables/{table}/metadata.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def data(self, table: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        meta = self.metadata(table)
        if meta is None:
            return 404, _problem("Non-existent table", 404)
        chosen = {s["variableCode"]: s["valueCodes"] for s in body.get("selection", [])}
        if set(chosen) - set(meta["id"]):
            return 400, _problem("Non-existent variable", 400)
        picked: dict[str, list[str]] = {}
        for dim in meta["id"]:
            spec = meta["dimension"][dim]
            order = _order(spec)
            if dim not in chosen:
                if not spec.get("extension", {}).get("elimination", False):
                    return 400, _problem("Missing selection for mandantory variable", 400)
                continue  # eliminated: summed away, not in the answer
            codes = order if chosen[dim] == ["*"] else chosen[dim]
            if any(c not in order for c in codes):
                return 400, _problem("Non-existent value", 400)
            picked[dim] = [c for c in order if c in set(codes)]
        cells = 1
        for codes in picked.values():
            cells *= len(codes)
        if cells > self.max_cells:
            return 400, {**_problem("Too many cells selected", 400), "detail": "Too many cells selected"}
        return 200, self._answer(table, meta, picked)

    def _answer(self, table: str, meta: dict[str, Any], picked: dict[str, list[str]]) -> dict[str, Any]:
        """The data answer for ``picked`` codes: the metadata's envelope, the chosen
        categories, and a value (and status) per cell in row-major order."""
        recorded = self.recorded(table)
        valid = _validity()
        geo = meta.get("role", {}).get("geo", [None])[0]
        time = meta.get("role", {}).get("time", [None])[0]
        dims = list(picked)
        values: list[float | int | None] = []
        status: dict[str, str] = {}
        for n, combo in enumerate(itertools.product(*(picked[d] for d in dims))):
            cell = dict(zip(dims, combo, strict=True))
            found = recorded.get(cell) if recorded else None
            if found is not None:
                value, symbol = found
            elif _not_valid(valid, cell.get(geo or ""), cell.get(time or "")):
                value, symbol = None, "."
            else:
                value, symbol = _made_up(table, cell), None
            values.append(value)
            if symbol is not None:
                status[str(n)] = symbol
        out = {k: v for k, v in meta.items() if k not in ("dimension", "size", "id", "link")}
        out["id"] = dims
        out["size"] = [len(picked[d]) for d in dims]
        out["dimension"] = {}
        for dim in dims:
            spec = json.loads(json.dumps(meta["dimension"][dim]))
            spec.pop("link", None)
            kept = picked[dim]
            spec["category"]["index"] = {c: i for i, c in enumerate(kept)}
            for key in ("label", "unit"):
                if key in spec["category"]:
                    spec["category"][key] = {
                        c: spec["category"][key][c] for c in kept if c in spec["category"][key]
                    }
            out["dimension"][dim] = spec
        out["role"] = {r: [d for d in ds if d in dims] for r, ds in meta.get("role", {}).items()}
        out["value"] = values
        if status:
            out["status"] = status
        return out


def _order(spec: dict[str, Any]) -> list[str]:
    index = spec["category"]["index"]
    return sorted(index, key=index.get) if isinstance(index, dict) else list(index)


@dataclass(frozen=True)
class _Recorded:
    """A recorded data answer, looked up by cell."""

    dims: list[str]
    positions: list[dict[str, int]]
    strides: list[int]
    values: list[Any]
    status: dict[str, str]

    @classmethod
    def of(cls, cube: dict[str, Any] | None) -> _Recorded | None:
        if cube is None:
            return None
        sizes = cube["size"]
        strides = [1] * len(sizes)
        for i in range(len(sizes) - 2, -1, -1):
            strides[i] = strides[i + 1] * sizes[i + 1]
        positions = [{c: i for i, c in enumerate(_order(cube["dimension"][d]))} for d in cube["id"]]
        return cls(list(cube["id"]), positions, strides, cube["value"], cube.get("status") or {})

    def get(self, cell: dict[str, str]) -> tuple[Any, str | None] | None:
        flat = 0
        for dim, where, stride in zip(self.dims, self.positions, self.strides, strict=True):
            if dim not in cell or cell[dim] not in where:
                return None
            flat += where[cell[dim]] * stride
        return self.values[flat], self.status.get(str(flat))


@functools.cache
def _validity() -> dict[str, tuple[int, int]]:
    """Municipality code -> (first, last) year it was in use."""
    with REGIONS_CSV.open(encoding="utf-8") as f:
        return {
            r["code"]: (int(r["valid_from"] or 0), int(r["valid_to"] or 9999))
            for r in csv.DictReader(f)
            if r["kind"] == "municipality"
        }


def _not_valid(valid: dict[str, tuple[int, int]], region: str | None, year: str | None) -> bool:
    if region is None or year is None or not year.isdigit() or region not in valid:
        return False
    first, last = valid[region]
    return not first <= int(year) <= last


def _made_up(table: str, cell: dict[str, str]) -> float:
    """A stable figure for a cell the recording does not have (the same on every call)."""
    return round(10 + zlib.crc32("|".join([table, *cell.values()]).encode()) % 90_000 / 10, 1)


def without_category(doc: dict[str, Any], dim: str, code: str) -> dict[str, Any]:
    """``doc`` (a JSON-stat 2.0 dataset) without one category of one dimension: a
    consistent cube that lacks what was asked for."""
    positions = []
    for dim_id in doc["id"]:
        index = doc["dimension"][dim_id]["category"]["index"]
        order = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
        positions.append([i for i, c in enumerate(order) if dim_id != dim or c != code])
    return _slice(doc, positions)


def _problem(title: str, status: int) -> dict[str, Any]:
    return {"type": "Parameter error", "title": title, "status": status}


def _slice(cube: dict[str, Any], positions: list[list[int]]) -> dict[str, Any]:
    sizes = cube["size"]
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    values, status = [], {}
    raw_status = cube.get("status") or {}
    for n, combo in enumerate(itertools.product(*positions)):
        flat = sum(p * s for p, s in zip(combo, strides, strict=True))
        values.append(cube["value"][flat])
        if str(flat) in raw_status:
            status[str(n)] = raw_status[str(flat)]
    out = {k: v for k, v in cube.items() if k not in ("value", "status", "dimension", "size")}
    out["size"] = [len(p) for p in positions]
    out["dimension"] = {}
    for dim, picked in zip(cube["id"], positions, strict=True):
        spec = json.loads(json.dumps(cube["dimension"][dim]))
        index = spec["category"]["index"]
        order = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
        kept = [order[p] for p in picked]
        spec["category"]["index"] = {c: i for i, c in enumerate(kept)}
        for key in ("label", "unit"):
            if key in spec["category"]:
                spec["category"][key] = {
                    c: spec["category"][key][c] for c in kept if c in spec["category"][key]
                }
        out["dimension"][dim] = spec
    out["value"] = values
    if status:
        out["status"] = status
    return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSSB  # set on the subclass made by serve()

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: Fault, answer: tuple[int, Any]) -> None:
        if fault.kind in ("429", "500", "503"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(
                int(fault.kind),
                _problem("Too many requests" if fault.kind == "429" else "Server error", int(fault.kind)),
                headers,
            )
        elif fault.kind == "hang":
            time.sleep(fault.hang_seconds)
            self._send(*answer)
        elif fault.kind == "truncate":
            body = json.dumps(answer[1]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif fault.kind == "invalid-json":
            body = json.dumps(answer[1]).encode()
            self._send(200, body[: len(body) // 2])
        elif fault.kind == "malformed":
            assert fault.mutate is not None, "a malformed answer needs mutate"
            self._send(200, fault.mutate(json.loads(json.dumps(answer[1]))))

    def _answer(self, method: str, body: Any) -> tuple[int, Any]:
        url = urlparse(self.path)
        path, query = url.path, parse_qs(url.query)
        self.fake.requests.append(Recorded(method, path, query, body))
        for pattern, status, replaced in self.fake.replaced:
            if re.search(pattern, f"{path}?{url.query}"):
                return status, json.loads(json.dumps(replaced))
        if path == f"{PXWEB}/config":
            return 200, self.fake.config()
        if match := re.fullmatch(rf"{PXWEB}/tables/(\w+)/metadata", path):
            doc = self.fake.metadata(match[1])
            return (200, doc) if doc else (404, _problem("Non-existent table", 404))
        if match := re.fullmatch(rf"{PXWEB}/tables/(\w+)/data", path):
            return self.fake.data(match[1], body or {})
        if path.startswith(KLASS):
            return self._klass(path[len(KLASS) :], query)
        return 404, _problem("Not found", 404)

    def _klass(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        name = path.strip("/").removesuffix(".json")
        if name.endswith("correspondsAt"):
            # KLASS answers any date with the correspondence valid then
            name += "/" + query.get("targetClassificationId", [""])[0]
            wanted = query.get("date", [""])[0]
            dates = sorted(p.stem for p in (self.fake.root / "api/klass/v1" / name).glob("*.json"))
            earlier = [d for d in dates if d <= wanted]
            name += "/" + (earlier[-1] if earlier else "none")
        elif name.endswith("codesAt"):
            # KLASS answers any date; the recordings are for 1 January, so take the latest before it
            wanted = query.get("date", [""])[0]
            dates = sorted(p.stem for p in (self.fake.root / "api/klass/v1" / name).glob("*.json"))
            earlier = [d for d in dates if d <= wanted]
            name += "/" + (earlier[-1] if earlier else "none")
        file = self.fake.root / "api/klass/v1" / f"{name}.json"
        if not file.exists():
            return 404, {"error": "not found"}
        return 200, json.loads(file.read_text("utf-8"))

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        answer = self._answer(method, body)
        fault = self.fake.take_fault(urlparse(self.path).path)
        if fault is not None:
            self._fault(fault, answer)
        else:
            self._send(*answer)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


def serve(fake: FakeSSB) -> Iterator[str]:
    """Run ``fake`` on 127.0.0.1 (a free port) and yield its base URL."""
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
