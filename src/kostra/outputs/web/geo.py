"""The map boundaries, served once for every map: ``/static/geo/VERSION/NAME``.

Every map in the web app (any indicator, year, resource use or ranking) draws the same
two TopoJSON files (:data:`kostra.outputs.maps.MUNICIPALITIES` and ``COUNTIES``), so they
are fetched by URL rather than put in each page: a browser fetches them once and keeps
them. VERSION is taken from the files' content, so the answer may be kept for a year
(``immutable``); a changed file gets a new URL. As with the other static assets, the
VERSION asked for does not change the answer.

Each file is read and gzip-compressed once per process (a third of its size: 315 kB of
municipalities travel as about 100 kB); a client that accepts gzip gets the compressed
bytes, any other the plain ones, each with its own ETag, and ``If-None-Match`` gives 304.
The response cache (:mod:`kostra.outputs.web.cache`) leaves ``/static/`` alone, so the
two representations cannot be mixed up there.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from kostra.outputs.maps import COUNTIES, MUNICIPALITIES, geo_file

__all__ = ["PREFIX", "Direct", "GeoFile", "answer", "boundaries", "geo", "url"]

PREFIX = "/static/geo"
MEDIA_TYPE = "application/json"  # TopoJSON has no registered type of its own
CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class GeoFile:
    plain: bytes
    gzipped: bytes
    etag: str  # of the plain bytes; the gzipped ones have it with "-gz" inside the quotes

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gz"'


_lock = threading.Lock()
_loaded: dict[str, GeoFile] = {}


def geo(name: str) -> GeoFile | None:
    """The boundary file ``name`` as served, or None when there is none by that name."""
    if name not in (MUNICIPALITIES, COUNTIES):
        return None
    found = _loaded.get(name)
    if found is None:
        with _lock:
            found = _loaded.get(name)
            if found is None:
                plain = geo_file(name).read_bytes()
                # mtime=0: the same bytes (and ETag) from every process and every start
                gzipped = gzip.compress(plain, compresslevel=9, mtime=0)
                etag = '"' + hashlib.sha256(plain).hexdigest()[:20] + '"'
                found = GeoFile(plain, gzipped, etag)
                _loaded[name] = found
    return found


@cache
def url() -> str:
    """The folder the maps' specs load the boundaries from (``geo_url`` of
    :func:`kostra.outputs.maps.choropleth_spec`), versioned by both files' content."""
    digest = hashlib.sha256()
    for name in (MUNICIPALITIES, COUNTIES):
        found = geo(name)
        assert found is not None
        digest.update(found.etag.encode())
    return f"{PREFIX}/{digest.hexdigest()[:10]}"


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            # "gzip;q=0" refuses it
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def answer(
    name: str, accept_encoding: str, if_none_match: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """(status, headers, body) for the boundary file ``name``: gzip when accepted, 304
    when the client has it. Raises 404 when there is no such file."""
    found = geo(name)
    if found is None:
        raise StarletteHTTPException(404)
    zipped = _accepts_gzip(accept_encoding)
    etag = found.gzip_etag if zipped else found.etag
    headers = [
        (b"cache-control", CACHE_CONTROL.encode()),
        (b"etag", etag.encode()),
        (b"vary", b"Accept-Encoding"),
    ]
    asked = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    if etag in asked or "*" in asked:
        return 304, headers, b""
    body = found.gzipped if zipped else found.plain
    headers += [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    if zipped:
        headers.append((b"content-encoding", b"gzip"))
    return 200, headers, body


async def boundaries(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI app mounted at :data:`PREFIX` (``/VERSION/NAME`` below it). A bare ASGI app,
    not a FastAPI route: the answer is bytes in memory, and FastAPI's request handling (a
    hop to the thread pool for a plain ``def``, parameter parsing) cost several times what
    sending them does; under 50 clients the file's p95 was 5 times the cached pages'.
    The app's middleware (security headers, HEAD) and error pages still apply."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        raise StarletteHTTPException(405)
    headers = dict(scope.get("headers") or [])
    status, answer_headers, body = answer(
        scope["path"].rsplit("/", 1)[-1],
        headers.get(b"accept-encoding", b"").decode("latin-1"),
        headers.get(b"if-none-match", b"").decode("latin-1"),
    )
    await send({"type": "http.response.start", "status": status, "headers": answer_headers})
    await send({"type": "http.response.body", "body": body})


class Direct:
    """A middleware answering the boundary files before FastAPI's own layers (its exception
    handling, exit stack and router), which cost a third of what the file's answer costs
    under load. A name that is no file, or another method, goes on to the app (404 and 405
    in the app's error shape)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX + "/")
            and geo(scope["path"].rsplit("/", 1)[-1]) is not None
        ):
            await boundaries(scope, receive, send)
        else:
            await self.app(scope, receive, send)
