"""The web dashboard and JSON API: FastAPI over a read-only session.

    app = create_app(Path("kostra.duckdb"))

Pages are rendered on the server with the same chart specs as the report; the chart
library and the pages' scripts and styles are served by the app itself, so nothing loads
from a CDN and the content security policy allows no inline script, no inline style and no
eval. The API is described at ``/openapi.json``; there are no ``/docs`` or ``/redoc``
pages (they load their scripts from a CDN).

Every refusal is one bokmål line: ``{"error": ...}`` under ``/api``, the HTML error page
elsewhere, with the security headers, crashes (500) included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

import kostra
from kostra.api import Session
from kostra.errors import InputError, KostraError, ParameterError
from kostra.outputs.web import api, geo, maps_page, pages
from kostra.outputs.web.assets import asset
from kostra.outputs.web.cache import ResponseCache
from kostra.outputs.web.profiles import ProfileIndex
from kostra.outputs.web.query import MAX_PEERS, spoken
from kostra.outputs.web.security import Busy, Gate, SecurityMiddleware

__all__ = ["create_app", "status_of"]


def status_of(exc: KostraError) -> int:
    """The HTTP status of a refusal: a name or year kostra does not have is a page that does
    not exist (404); other input it cannot use is unprocessable (422); too much work in
    flight is 429; the rest (a catalog or store problem the request ran into) is a bad
    request (400), never a crash."""
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, ParameterError):
        return 404
    if isinstance(exc, InputError):
        return 422
    return 400  # ConfigError, StoreError, SourceError


def _one_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "ukjent feil"


def _for_the_web(message: str) -> str:
    """A session-layer message without its advice to run a ``kostra`` command (the web's
    reader has no command line): clauses naming one are dropped."""
    line = _one_line(message)
    if "'kostra " not in line:
        return line
    kept = [part for part in line.split("; ") if "'kostra " not in part]
    return "; ".join(kept) if kept else line


def _is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path.endswith(".json")


def _render_error(path: str, status: int, message: str) -> tuple[str, bytes]:
    """The error answer the security layer sends itself (413, 429, 500)."""
    if _is_api_path(path):
        response: Response = _error(status, message)
    else:
        response = pages.error_page(status, message)
    return str(response.media_type), bytes(response.body)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": _one_line(message)}, status_code=status)


def _answer(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The API answers ``{"error": ...}``; a page answers the HTML error page."""
    line = _for_the_web(message)
    response: Response = (
        _error(status, line) if _is_api_path(request.url.path) else pages.error_page(status, line)
    )
    response.headers["cache-control"] = "no-store"
    if headers:
        response.headers.update(headers)
    return response


# -- validation errors ---------------------------------------------------------------------

# Pydantic's reasons, in bokmål; ``{...}`` is filled from the error's context. The API's
# parameters are its interface, so its messages name them; a page's are said in words.
_API_REASONS = {
    "missing": "{name} mangler",
    "too_short": "{name} mangler",
    "string_too_short": "{name} er tom",
    "int_parsing": "{name}={given} er ikke et helt tall",
    "int_from_float": "{name}={given} er ikke et helt tall",
    "bool_parsing": "{name}={given} er verken true eller false",
    "greater_than_equal": "{name}={given} er for lavt (laveste tillatte er {ge})",
    "less_than_equal": "{name}={given} er for høyt (høyeste tillatte er {le})",
    "string_too_long": "{name} er for langt (høyst {max_length} tegn)",
    "too_long": "{name} er gitt for mange ganger (høyst {max_length})",
    "string_pattern_mismatch": "{name}={given} inneholder tegn som ikke kan brukes",
}
_PAGE_REASONS = {
    "missing": "{name} mangler",
    "too_short": "{name} mangler",
    "string_too_short": "{name} er tomt",
    "int_parsing": "{name} «{given}» er ikke et helt tall",
    "int_from_float": "{name} «{given}» er ikke et helt tall",
    "greater_than_equal": "{name} {given} er for lavt (laveste tillatte er {ge})",
    "less_than_equal": "{name} {given} er for høyt (høyeste tillatte er {le})",
    "string_too_long": "{name} er for langt (høyst {max_length} tegn)",
    "too_long": "{name} er gitt for mange ganger (høyst {max_length})",
    "string_pattern_mismatch": "{name} «{given}» inneholder tegn som ikke kan brukes",
}
# A page's parameters as its reader knows them (each a neuter noun, for the reasons above).
_PAGE_WORDS = {
    "code": "kommunenavnet i adressen",
    "sector": "tjenesteområdet i adressen",
    "indicator_id": "indikatornavnet i adressen",
    "fmt": "rapportformatet",
    "year": "året",
    "group": "gruppenavnet",
    "compare": "feltet «Sammenlign med»",
    "highlight": "kommunenavnet som skal utheves",
    "kommune": "feltet «Kommune»",
    "sektor": "feltet «Tjenesteområde»",
}
_TYPO_FREE = {"fmt", "kind"}  # the pattern is a list of choices: "ikke gyldig", not "tegn"


@dataclass(frozen=True)
class _Problem:
    name: str
    kind: str
    given: str
    context: dict[str, Any]


def _first_problem(exc: RequestValidationError) -> _Problem:
    first: dict[str, Any] = exc.errors()[0]
    where = [str(p) for p in first.get("loc", ()) if not isinstance(p, int) and p not in ("query", "path")]
    given = first.get("input")
    return _Problem(
        name=where[0] if where else "forespørselen",
        kind=str(first.get("type")),
        given=given[:40] if isinstance(given, str) else "",
        context=dict(first.get("ctx") or {}),
    )


def _validation_message(request: Request, exc: RequestValidationError) -> str:
    """The first problem with the request, in one bokmål line, with what to choose instead."""
    problem = _first_problem(exc)
    api_call = _is_api_path(request.url.path)
    reasons = _API_REASONS if api_call else _PAGE_REASONS
    name = problem.name if api_call else _PAGE_WORDS.get(problem.name, problem.name)
    template = reasons.get(problem.kind)
    if template is None or (problem.name in _TYPO_FREE and problem.kind == "string_pattern_mismatch"):
        template = "{name}={given} er ikke gyldig" if api_call else "{name} «{given}» er ikke gyldig"
    reason = template.format(**{**problem.context, "name": name, "given": problem.given})
    hint = _hint(request, problem.name, api_call)
    return reason + (f"; {hint}" if hint else "")


def _hint(request: Request, name: str, api_call: bool) -> str:
    """What the parameter takes: the choices kostra has, or where they are listed."""
    session = api.session_of(request)
    if name in ("year", "from_year"):
        with contextlib.suppress(KostraError):  # an empty store: no years to name
            first_year, last_year = session.year_span(api.all_indicators(session))
            return f"kostra har tall for {first_year}–{last_year}"
        return ""
    if name in ("sector", "sektor"):
        return f"velg ett av: {', '.join(api.service_area_ids(session))}"
    if name == "group":
        return _group_hint(session) + ("; /api/groups lister dem" if api_call else "")
    if name == "profile":
        return _profile_hint(request, session)
    if name in ("municipality", "kommune", "code", "highlight"):
        where = "; /api/regions lister kommunene" if api_call else ""
        return f"bruk navn eller nummer (f.eks. Bærum eller 3201){where}"
    if name == "compare":
        return f"bruk kommunenavn eller -nummer, kommaseparert (høyst {MAX_PEERS})"
    return _STATIC_HINTS.get(name, "")


_STATIC_HINTS = {
    "kind": "velg municipality (kommuner) eller county (fylker)",
    "fmt": "rapporten finnes som html, pdf, docx og xlsx",
    "indicator": "/api/indicators lister indikatorene",
    "indicator_id": "tjenesteområdenes sider lenker til indikatorene, og /api/indicators lister dem",
    "current": "true (bare dagens) eller false (også tidligere)",
}


def _group_hint(session: Session) -> str:
    groups = list(session.groups.values())
    named = [g.id for g in groups if g.kind in ("network", "country", "user")]
    kostra_groups = sorted(g.id for g in groups if g.kind == "kostra")
    if kostra_groups:
        first, last = kostra_groups[0], kostra_groups[-1].rsplit("-", 1)[-1]
        named.append(f"{first}–{last}")
    return f"velg {', '.join(named)} eller et fylke (f.eks. Akershus)"


def _profile_hint(request: Request, session: Session) -> str:
    sector_name = request.query_params.get("sector")
    if sector_name:
        with contextlib.suppress(KostraError):
            sector = session.service_area(sector_name)
            return f"{sector.id} har profilene {spoken([p.id for p in sector.profiles], 'og')}"
    return "/api/indicators viser hvert tjenesteområdes profiler"


def _http_message(request: Request, exc: StarletteHTTPException) -> str:
    try:
        default = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default = ""
    if exc.detail and str(exc.detail) != default:
        return str(exc.detail)
    if exc.status_code == 404:
        api_call = _is_api_path(request.url.path)
        where = "se /openapi.json for API-et" if api_call else "velg kommune på forsiden"
        return f"siden {request.url.path[:80]} finnes ikke; {where}"
    if exc.status_code == 405:
        return f"{request.method[:10]} er ikke tillatt her; bruk GET (eller HEAD)"
    return default or "forespørselen kan ikke besvares"


def create_app(
    db: Path,
    *,
    rate: int = 600,
    cache_bytes: int = 16 * 2**20,
    reports_per_client: int = 1,
    reports_in_flight: int = 2,
    profile_index: bool = True,
) -> FastAPI:
    """The app over the store at ``db``, opened read-only. ``rate`` is the requests per
    minute allowed per client; ``cache_bytes`` bounds the answers kept in memory; at most
    ``reports_per_client`` report downloads are built at once per client and
    ``reports_in_flight`` in all (beyond that: 429 with Retry-After). ``profile_index``
    answers ``/api/profile`` from all municipalities' profiles computed at once
    (:mod:`~kostra.outputs.web.profiles`); off, each is computed on its own (the same bytes)."""
    app = FastAPI(
        title="kostra",
        version=kostra.__version__,
        description="KOSTRA-tall og analyser for norske kommuner (kilde: SSB).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.session = kostra.open(db, read_only=True)
    app.state.profiles = ProfileIndex(app.state.session) if profile_index else None
    app.state.reports = Gate(per_client=reports_per_client, total=reports_in_flight)
    app.add_middleware(geo.Direct)  # the maps' boundary files, before FastAPI's layers
    app.add_middleware(ResponseCache, max_bytes=cache_bytes)
    app.add_middleware(SecurityMiddleware, rate=rate, render_error=_render_error)
    # The maps' shared boundary files first: routes are tried in order, and these are asked
    # for most (a mount that matches at once costs the other routes a prefix check).
    app.mount(geo.PREFIX, geo.boundaries)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(maps_page.router)  # the map pages

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> Response:
        return _answer(request, 429, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(KostraError)
    async def refused(request: Request, exc: KostraError) -> Response:
        return _answer(request, status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, 422, _validation_message(request, exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = "GET, HEAD"
        return _answer(request, exc.status_code, _http_message(request, exc), headers)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str, request: Request) -> Response:
        found = asset(name)
        if found is None:
            raise StarletteHTTPException(404)
        headers = {"Cache-Control": "public, max-age=86400", "ETag": found.etag}
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.media_type, headers=headers)

    return app
