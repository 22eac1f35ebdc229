"""The web dashboard and JSON API: FastAPI over a read-only session.

    app = create_app(Path("kostra.duckdb"))

Pages are rendered on the server with the same chart specs as the report; the
chart library is served by the app itself, so nothing loads from a CDN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

import kostra
from kostra.errors import InputError, KostraError, ParameterError
from kostra.outputs.report.html import vega_javascript
from kostra.outputs.web import api, pages
from kostra.outputs.web.cache import ResponseCache
from kostra.outputs.web.security import SecurityMiddleware

__all__ = ["create_app", "status_of"]


def status_of(exc: KostraError) -> int:
    """The HTTP status of a refusal: a name or year kostra does not have is a page that does
    not exist (404); other input it cannot use is unprocessable (422); the rest (a catalog
    or store problem the request ran into) is a bad request (400), never a crash."""
    if isinstance(exc, ParameterError):
        return 404
    if isinstance(exc, InputError):
        return 422
    return 400  # ConfigError, StoreError, SourceError


def _one_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "ukjent feil"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": _one_line(message)}, status_code=status)


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/") or path.endswith(".json")


def _answer(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The API answers ``{"error": ...}``; a page answers the HTML error page."""
    response: Response = (
        _error(status, message) if _is_api(request) else pages.error_page(status, _one_line(message))
    )
    if headers:
        response.headers.update(headers)
    return response


# Pydantic's reasons, in bokmål; ``{...}`` is filled from the error's context.
_REASONS = {
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
}
_HINTS = {
    "fmt": "rapporten finnes som html, pdf, docx og xlsx",
    "municipality": "bruk navn eller nummer (f.eks. 3201)",
    "kommune": "bruk navn eller nummer (f.eks. 3201)",
    "code": "bruk navn eller nummer (f.eks. 3201)",
    "compare": "bruk kommunenavn eller -nummer, kommaseparert",
    "highlight": "bruk kommunenavn eller -nummer",
    "indicator": "/api/indicators lister indikatorene",
    "indicator_id": "/api/indicators lister indikatorene",
}


def _validation_message(request: Request, exc: RequestValidationError) -> str:
    """The first problem with the request, in one bokmål line; a year names the years
    kostra has figures for."""
    first: dict[str, Any] = exc.errors()[0]
    where = [str(p) for p in first.get("loc", ()) if not isinstance(p, int) and p not in ("query", "path")]
    name = where[0] if where else "forespørselen"
    kind = str(first.get("type"))
    given = first.get("input")
    context = {
        **(first.get("ctx") or {}),
        "name": name,
        "given": given[:40] if isinstance(given, str) else "",
    }
    reason = _REASONS.get(kind, "{name}={given} er ikke gyldig").format(**context)
    hint = _HINTS.get(name)
    if name in ("year", "from_year"):
        session = api.session_of(request)
        with contextlib.suppress(KostraError):  # an empty store: no years to name
            first_year, last_year = session.year_span(api.all_indicators(session))
            hint = f"kostra har tall for {first_year}–{last_year}"
    return reason + (f"; {hint}" if hint else "")


def _http_message(request: Request, exc: StarletteHTTPException) -> str:
    try:
        default = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default = ""
    if exc.detail and str(exc.detail) != default:
        return str(exc.detail)
    if exc.status_code == 404:
        where = "se /openapi.json for API-et" if _is_api(request) else "velg kommune på forsiden"
        return f"siden {request.url.path} finnes ikke; {where}"
    if exc.status_code == 405:
        return f"{request.method} er ikke tillatt her; bruk GET"
    return default or "forespørselen kan ikke besvares"


def create_app(db: Path, *, rate: int = 600) -> FastAPI:
    """The app over the store at ``db``, opened read-only."""
    app = FastAPI(
        title="kostra",
        version=kostra.__version__,
        description="KOSTRA-tall og analyser for norske kommuner (kilde: SSB).",
    )
    app.state.session = kostra.open(db, read_only=True)
    app.add_middleware(ResponseCache)
    app.add_middleware(SecurityMiddleware, rate=rate)
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(KostraError)
    async def refused(request: Request, exc: KostraError) -> Response:
        return _answer(request, status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, 422, _validation_message(request, exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _answer(request, exc.status_code, _http_message(request, exc), exc.headers)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # A bug: the user gets one line, the log the traceback (Starlette re-raises it).
        return _answer(request, 500, "noe gikk galt hos kostra; prøv igjen, eller meld fra om feilen")

    @app.get("/static/vega.js", include_in_schema=False)
    def vega() -> Response:
        return Response(
            vega_javascript(),
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/static/app.css", include_in_schema=False)
    def css() -> Response:
        text = resources.files("kostra.outputs.web").joinpath("static/app.css").read_text("utf-8")
        return Response(text, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    return app
