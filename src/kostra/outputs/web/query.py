"""The query string: which parameters a route takes, lists of names, and one cache key
for every spelling of the same question.

- A parameter the route does not take is refused (422, naming the ones it takes), as is
  a single-valued parameter given twice: a misspelt ``yera=2020`` must not quietly show
  the latest year instead. Static assets ignore their query string.
- ``compare`` and ``highlight`` take names repeated (``compare=Asker&compare=Oslo``) or
  comma-separated (``compare=Asker,Oslo``), or both; blanks and repeats (in any case) are
  dropped, the first spelling and the order kept. At most :data:`MAX_PEERS` municipalities
  are compared at once, on every page and in the API.
- :func:`cache_key` writes a request the way the handlers read it (parameters in name
  order, lists split and de-duplicated), so reordering a URL does not compute it again.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import Request
from fastapi.routing import APIRoute

from kostra.errors import InputError

__all__ = [
    "LIST_PARAMETERS",
    "MAX_PEERS",
    "MAX_QUERY",
    "cache_key",
    "check_query",
    "highlighted",
    "names_in",
    "peers_of",
    "spoken",
]

MAX_PEERS = 5
"""Municipalities compared with at once (pages and API alike)."""

MAX_QUERY = 1000
"""Characters of a query string; far more than any page's own links and forms use."""

LIST_PARAMETERS = frozenset({"compare", "highlight"})
"""Parameters that take several names; every other parameter takes one value."""

DEFAULT_PEERS = ("Asker",)


def spoken(names: Sequence[str], last: str = "og") -> str:
    """``a, b og c``."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def names_in(values: Sequence[str] | None) -> list[str] | None:
    """The names in repeated and/or comma-separated values: stripped, blanks dropped,
    repeats (ignoring case) dropped with the first spelling kept; None when not given."""
    if values is None:
        return None
    seen: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            name = part.strip()
            if name:
                seen.setdefault(name.casefold(), name)
    return list(seen.values())


def peers_of(compare: Sequence[str] | None) -> tuple[str, ...]:
    """The municipalities to compare with: Asker when the parameter is absent, none when it
    is given empty (a form's cleared field), at most :data:`MAX_PEERS`."""
    names = names_in(compare)
    if names is None:
        return DEFAULT_PEERS
    if len(names) > MAX_PEERS:
        raise InputError(
            f"sammenlign med høyst {MAX_PEERS} kommuner om gangen (fikk {len(names)}); fjern noen av dem"
        )
    return tuple(names)


def highlighted(highlight: Sequence[str] | None) -> list[str]:
    """The municipalities to mark: the one a page is about and its peers, at most
    :data:`MAX_PEERS` + 1."""
    names = names_in(highlight) or []
    if len(names) > MAX_PEERS + 1:
        raise InputError(f"marker høyst {MAX_PEERS + 1} kommuner om gangen (fikk {len(names)})")
    return names


# -- which parameters a route takes ----------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    names: tuple[str, ...]  # in the order the handler declares them


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return False


def _query_fields(dependant: Any) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


_SHAPES: dict[int, tuple[APIRoute, Shape]] = {}  # by id(route); the route is kept, so its id is too


def shape_of(route: APIRoute) -> Shape:
    """The query parameters of a route and of its dependencies (by their URL names)."""
    known = _SHAPES.get(id(route))
    if known is not None and known[0] is route:
        return known[1]
    names: dict[str, None] = {}
    for field in _query_fields(route.dependant):
        names[field.alias] = None
        if _is_list(field.field_info.annotation) != (field.alias in LIST_PARAMETERS):
            raise TypeError(f"{route.path}: {field.alias} must be a list exactly when in LIST_PARAMETERS")
    shape = Shape(tuple(names))
    _SHAPES[id(route)] = (route, shape)
    return shape


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


async def check_query(request: Request) -> None:
    """A router dependency: refuse parameters the route does not take, a single-valued
    parameter given more than once, and a query string longer than :data:`MAX_QUERY`."""
    raw = request.scope.get("query_string", b"")
    if not raw:
        return
    if len(raw) > MAX_QUERY:
        raise InputError(f"adressen er for lang (høyst {MAX_QUERY} tegn etter «?»)")
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = shape_of(route).names
    api = _is_api(request.url.path)
    counts: dict[str, int] = {}
    for name, _ in request.query_params.multi_items():
        counts[name] = counts.get(name, 0) + 1
    for name, count in counts.items():
        if name not in known:
            raise InputError(_unknown(name, known, request.url.path, api))
        if count > 1 and name not in LIST_PARAMETERS:
            raise InputError(f"{name} er gitt {count} ganger; gi den bare én gang")


def _unknown(name: str, known: Sequence[str], path: str, api: bool) -> str:
    shown = repr(name[:40])
    if api:
        takes = f"{path} tar {spoken(known)}" if known else f"{path} tar ingen parametere"
        return f"ukjent parameter {shown}; {takes}"
    takes = f"siden forstår {spoken(known)}" if known else "siden tar ingen valg i adressen"
    return f"ukjent valg {shown} i adressen; {takes}"


# -- the cache key ---------------------------------------------------------------------------


def cache_key(path: str, query_string: bytes) -> bytes:
    """``path?query`` with the parameters in name order, list parameters split, stripped and
    de-duplicated as the handlers read them, and percent-encoding written one way."""
    if not query_string:
        return path.encode()
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
    lists: dict[str, list[str]] = {}
    single: list[tuple[str, str]] = []
    for name, value in pairs:
        if name in LIST_PARAMETERS:
            lists.setdefault(name, []).append(value)
        else:
            single.append((name, value))
    for name, values in lists.items():
        single.append((name, ",".join(names_in(values) or [])))
    single.sort(key=lambda pair: pair[0])  # stable: a repeated parameter keeps its order
    query = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in single)
    return f"{path}?{query}".encode()
