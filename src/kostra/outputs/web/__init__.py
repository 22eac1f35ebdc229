"""The web dashboard and JSON API: FastAPI over a read-only session.

    app = create_app(Path("kostra.duckdb"))

Pages are rendered on the server with the same chart specs as the report; the
chart library is served by the app itself, so nothing loads from a CDN.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

import kostra
from kostra.errors import ConfigError, KostraError, RegionNotFound
from kostra.outputs.report.html import vega_javascript
from kostra.outputs.web import api, pages
from kostra.outputs.web.cache import ResponseCache
from kostra.outputs.web.security import SecurityMiddleware

__all__ = ["create_app"]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message.splitlines()[0] if message else "error"}, status_code=status)


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

    @app.exception_handler(RegionNotFound)
    async def not_found(_: Request, exc: RegionNotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(ConfigError)
    async def unknown_name(_: Request, exc: ConfigError) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(KostraError)
    async def user_error(_: Request, exc: KostraError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

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
