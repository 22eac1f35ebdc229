"""The app's static assets: the pages' script and style, the chart library and its
licences, each read (or, for Vega, built) once and held for the process.

Pages link them as ``/static/NAME?v=VERSION`` (:func:`url`), VERSION from the content,
so a browser keeps an asset for a day yet fetches a changed one at once; the query
string is otherwise ignored, and the answer is the same bytes whatever it says.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

__all__ = ["Asset", "asset", "url"]

_FILES = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "vega.js": "text/javascript; charset=utf-8",
    "vega-LICENSE.txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


_loaded: dict[str, Asset] = {}
_lock = threading.Lock()


def _load(name: str) -> bytes:
    if name == "vega.js":
        from kostra.outputs.report.html import vega_javascript

        return vega_javascript().encode("utf-8")
    return resources.files("kostra.outputs.web").joinpath(f"static/{name}").read_bytes()


def asset(name: str) -> Asset | None:
    """The asset called ``name``, or None when the app has none by that name."""
    if name not in _FILES:
        return None
    found = _loaded.get(name)
    if found is None:
        with _lock:
            found = _loaded.get(name)
            if found is None:
                body = _load(name)
                found = Asset(body, _FILES[name], '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
                _loaded[name] = found
    return found


def url(name: str) -> str:
    """``/static/NAME?v=VERSION`` for a page's link."""
    found = asset(name)
    if found is None:
        raise KeyError(name)
    return f"/static/{name}?v={found.etag.strip(chr(34))[:10]}"
