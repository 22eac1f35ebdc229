"""Maps of Norway's municipalities: Vega-Lite choropleth specs over the 2024 borders.

One spec serves every output: the web app embeds it with vega-embed and gives the
boundaries as a URL (``geo_url``: one shared, cacheable file per map layer), and the
report draws it with vl-convert, which gets the boundaries inline (vl-convert 1.9
loads neither ``file://`` URLs nor bare paths: the map comes out empty).

    rows = on_2024_borders(values, year, session.succession, session.regions)
    spec = choropleth_spec(rows, year=2024, value_title="Ressursbruk", decimals=3,
                           chosen="3201", group_name="ASSS", group_average=1.0)

The boundaries (package data ``kostra/data/geo``, Kartverket via robhop/fylker-og-kommuner,
CC BY 4.0) are the 2024 borders; older years are drawn on them through the succession of
renumberings, mergers and splits (:class:`kostra.analysis.land.Land`), and the map says so.
Every map carries the credit ``Kartdata: Kartverket, CC BY 4.0`` in the spec itself, so no
output can drop it. Missing figures are grey with their own legend entry, never 0.

Numbers in tooltips are formatted here (Norwegian form, :func:`kostra.formatting.format_nb`);
the legend's are formatted by Vega with the renderer's locale, so a renderer must pass
:data:`kostra.outputs.report.charts.NB_LOCALE` (vl-convert's ``format_locale``, vega-embed's
``formatLocale``), as the report does.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from kostra.analysis.land import Land
from kostra.formatting import format_nb, is_missing

__all__ = [
    "BORDERS_YEAR",
    "COUNTIES",
    "CREDIT",
    "MISSING",
    "MISSING_COLOUR",
    "MUNICIPALITIES",
    "add_outline",
    "choropleth_spec",
    "compact_svg",
    "geo_file",
    "is_map",
    "municipality_shapes",
    "on_2024_borders",
    "split_outline",
    "topology",
    "with_bundled_boundaries",
]

BORDERS_YEAR = 2024
MUNICIPALITIES = "kommuner_2024_s.topojson"  # object "Kommuner", properties kommunenummer, kommunenavn
COUNTIES = "fylker_2024_s.topojson"  # object "Fylker", properties fylkesnummer, fylkesnavn
CREDIT = "Kartdata: Kartverket, CC BY 4.0"
MISSING = "Mangler tall"
MISSING_COLOUR = "#c4c4c4"
OUTLINE_COLOUR = "#000000"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
CHART_FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
CLASSES = 7  # colour classes of a diverging map (a sequential one has two fewer)
USERMETA = {"kostra": "map"}  # how a renderer tells a map from the other charts


def geo_file(name: str) -> Path:
    """The path of a boundary file (:data:`MUNICIPALITIES` or :data:`COUNTIES`), to serve."""
    if name not in (MUNICIPALITIES, COUNTIES):
        raise ValueError(f"no boundary file {name!r}")
    return Path(str(resources.files("kostra.data").joinpath("geo", name)))


@cache
def _topology_text(name: str) -> str:
    return geo_file(name).read_text("utf-8")


def topology(name: str) -> dict[str, Any]:
    """A boundary file as parsed TopoJSON (a fresh copy: callers may change it)."""
    parsed: dict[str, Any] = json.loads(_topology_text(name))
    return parsed


@cache
def _parsed(name: str) -> dict[str, Any]:
    """A boundary file parsed once per process and shared: by :func:`choropleth_spec`'s
    inline maps (parsing it took a tenth of a second per map) and for comparing. Nothing
    may change it; :func:`topology` gives a copy to change."""
    return topology(name)


def with_bundled_boundaries(spec: dict[str, Any]) -> bool:
    """Whether a map spec carries exactly the bundled boundary files inline (as
    :func:`choropleth_spec` puts them), so a drawing of it can be known by the rest of the spec."""
    datasets = spec.get("datasets")
    return (
        isinstance(datasets, dict)
        and set(datasets) == {MUNICIPALITIES, COUNTIES}
        and all(datasets[name] == _parsed(name) for name in (MUNICIPALITIES, COUNTIES))
    )


@cache
def _shapes() -> tuple[tuple[str, str], ...]:
    geometries = topology(MUNICIPALITIES)["objects"]["Kommuner"]["geometries"]
    return tuple(
        (str(g["properties"]["kommunenummer"]), str(g["properties"]["kommunenavn"])) for g in geometries
    )


def municipality_shapes() -> pd.DataFrame:
    """The municipalities the map has a shape for: ``region_code``, ``name`` (2024 numbers)."""
    return pd.DataFrame(list(_shapes()), columns=["region_code", "name"])


def on_2024_borders(
    values: pd.DataFrame,
    year: int,
    succession: pd.DataFrame,
    regions: pd.DataFrame | None = None,
    land: Land | None = None,
) -> pd.DataFrame:
    """``values`` (``region_code``, ``value``: the municipalities of ``year``, under their
    numbers then or today's) as one row per 2024 shape: ``region_code``, ``value``, ``note``.

    A 2024 municipality whose land was one municipality in ``year`` gets that one's figure
    (renumbered: the same municipality; split off later: the figure of the whole it was part
    of, said in the note). One whose land was several municipalities in ``year`` has no
    figure: a ratio of the parts cannot be summed, and the parts have no shapes of their own
    on the 2024 borders.

    land: ``Land(succession, regions)`` made once by a caller that draws many maps (a batch
    of reports); made here when not given.
    """
    land = Land(succession, regions) if land is None else land
    given = pd.Series(
        pd.to_numeric(values["value"], errors="coerce").to_numpy(),
        index=[land.mapping.get(str(c), str(c)) for c in values["region_code"]],
    )
    given = given[~given.index.duplicated(keep="first")]
    names = _names(regions)
    rows = []
    for code, _ in _shapes():
        value, note = math.nan, ""
        if year >= BORDERS_YEAR:
            value = float(given.get(code, math.nan))
        else:
            parts, split = land.parts(code, year)
            if len(parts) == 1:
                value = float(given.get(parts[0], math.nan))
                if parts[0] != code or split:
                    note = f"Tallet gjelder {names.get(parts[0], parts[0])} slik kommunen var i {year}."
            else:
                joined = ", ".join(names.get(p, p) for p in parts)
                note = f"Var {len(parts)} kommuner i {year} ({joined}); ingen felles tall."
        rows.append({"region_code": code, "value": value, "note": note})
    return pd.DataFrame(rows)


def _names(regions: pd.DataFrame | None) -> dict[str, str]:
    if regions is None or not len(regions):
        return {}
    # The newest name of each number (a number can come back with another name).
    ordered = regions.sort_values("valid_from", na_position="first", kind="stable")
    return {str(c): str(n) for c, n in zip(ordered["code"], ordered["name"], strict=True)}


def _rank_texts(values: pd.Series) -> pd.Series:
    """'3 av 356': the place from the highest, among municipalities with a figure."""
    valid = values.dropna()
    ranks = valid.rank(ascending=False, method="min")
    texts = {code: f"{int(rank)} av {len(valid)}" for code, rank in ranks.items()}
    return pd.Series([texts.get(code, "") for code in values.index], index=values.index, dtype=object)


def _rows(
    values: pd.DataFrame,
    decimals: int,
    unit: str,
    names: dict[str, str] | None,
) -> list[dict[str, Any]]:
    shapes = municipality_shapes()
    given = (
        values.assign(region_code=values["region_code"].astype(str))
        .drop_duplicates("region_code")
        .set_index("region_code")
    )
    frame = shapes.set_index("region_code")
    # inf (a division by 0 upstream) is no figure either, and takes no place in the ranking
    numbers = pd.to_numeric(given["value"], errors="coerce").replace([math.inf, -math.inf], math.nan)
    frame["value"] = numbers.reindex(frame.index)
    frame["note"] = given["note"].reindex(frame.index).fillna("") if "note" in given else ""
    frame["rank"] = _rank_texts(frame["value"])
    suffix = f" {unit}" if unit else ""
    rows = []
    # Columns as lists, not iterrows(): a Series per row cost more than the rest of the map.
    for code, name, value, rank, note in zip(
        frame.index.tolist(),
        frame["name"].tolist(),
        frame["value"].tolist(),
        frame["rank"].tolist(),
        frame["note"].tolist(),
        strict=True,
    ):
        missing = is_missing(value)
        rows.append(
            {
                "kode": str(code),
                "kommune": (names or {}).get(str(code), str(name)),
                "verdi": None if missing else round(float(value), max(decimals + 2, 4)),
                "tekst": MISSING if missing else format_nb(float(value), decimals) + suffix,
                "plass": rank,
                "merknad": note,
            }
        )
    return rows


def _domain(values: list[float], mid: float | None) -> list[float] | None:
    """The colour scale's ends: the 2.5th and 97.5th percentiles (outliers fall in the end
    classes instead of squeezing every other municipality into the middle ones), symmetric
    around ``mid`` when given, so equal distances above and below get equal strength."""
    if len(values) < 2:
        return None
    series = pd.Series(values)
    low, high = float(series.quantile(0.025)), float(series.quantile(0.975))
    if mid is not None:
        reach = max(abs(high - mid), abs(mid - low)) or 1.0
        return [mid - reach, mid + reach]
    return [low, high] if high > low else None


def _geo_data(name: str, geo_url: str | None, **fmt: str) -> dict[str, Any]:
    """A boundary file as a data source: its URL, or (inline) the name of a top-level
    dataset, so the three layers that look shapes up share one copy in the spec."""
    data: dict[str, Any] = {"format": {"type": "topojson", **fmt}}
    if geo_url is None:
        data["name"] = name
    else:
        data["url"] = geo_url.rstrip("/") + "/" + name
    return data


def choropleth_spec(
    values: pd.DataFrame,
    *,
    year: int,
    value_title: str,
    decimals: int = 1,
    unit: str = "",
    chosen: str | None = None,
    group_name: str | None = None,
    group_average: float | None = None,
    names: dict[str, str] | None = None,
    scheme: str = "blues",
    mid: float | None = None,
    geo_url: str | None = None,
    link: str | None = None,
    link_end: str = "",
    width: int = 420,
    height: int = 520,
) -> dict[str, Any]:
    """A choropleth of the 357 municipalities.

    values: ``region_code`` (2024 numbers; :func:`on_2024_borders` for older years),
        ``value`` (NaN or absent = missing), optional ``note`` (shown in the tooltip).
    value_title: the legend's title; ``decimals`` and ``unit`` as the tooltip shows them.
    chosen: the municipality outlined. group_name, group_average: the comparison's figure
        in the tooltip. names: names to show instead of the map's own (2024 names).
    scheme, mid: a Vega colour scheme; with ``mid`` a diverging scale centred there
        (resource use: 1 = the group's average).
    geo_url: where the boundary files are served (the web app); None: inline (vl-convert).
    link: a URL prefix; a click opens ``link + municipality number + link_end`` (the web
        app's ``?year=...``).
    """
    rows = _rows(values, decimals, unit, names)
    numbers = [r["verdi"] for r in rows if r["verdi"] is not None]
    average = (
        f"{format_nb(group_average, decimals)}{' ' + unit if unit else ''}"
        if group_average is not None and not is_missing(group_average)
        else ""
    )
    for row in rows:
        row["snitt"] = average
    shapes = _geo_data(MUNICIPALITIES, geo_url, feature="Kommuner")
    lookup = {"lookup": "kode", "from": {"data": shapes, "key": "properties.kommunenummer"}, "as": "geo"}
    tooltip = [
        {"field": "kommune", "title": "Kommune"},
        {"field": "tekst", "title": value_title},
        {"field": "plass", "title": "Plass (høyest = 1)"},
    ]
    if average:
        tooltip.append({"field": "snitt", "title": f"Snitt {group_name or 'gruppen'}"})
    if any(r["merknad"] for r in rows):
        tooltip.append({"field": "merknad", "title": "Merknad"})
    common: dict[str, Any] = {
        "shape": {"field": "geo", "type": "geojson"},
        "tooltip": tooltip,
        "description": {"field": "beskrivelse"},
    }
    if link:
        common["href"] = {"field": "lenke"}
    end = f" + {json.dumps(link_end)}" if link_end else ""
    calculate = [
        {"calculate": "datum.kommune + ': ' + datum.tekst", "as": "beskrivelse"},
        *([{"calculate": f"{json.dumps(link)} + datum.kode{end}", "as": "lenke"}] if link else []),
    ]
    # Classes, not a gradient: a map is read by matching a colour to the legend, and
    # WeasyPrint leaves a Vega gradient legend out of the PDF. An odd count with ``mid``:
    # the middle class holds the average.
    classes = CLASSES if mid is not None else CLASSES - 2
    scale: dict[str, Any] = {"type": "quantize", "scheme": {"name": scheme, "count": classes}}
    domain = _domain(numbers, mid)
    if domain is not None:
        scale["domain"] = domain
    legend: dict[str, Any] = {"format": f",.{decimals}f", "orient": "right", "symbolType": "square"}
    layers: list[dict[str, Any]] = [
        {
            "transform": [{"filter": "datum.verdi === null"}, lookup, *calculate],
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3},
            "encoding": {
                **common,
                "color": {
                    "datum": MISSING,
                    "type": "nominal",
                    "scale": {"domain": [MISSING], "range": [MISSING_COLOUR]},
                    "legend": {"title": None, "orient": "right", "symbolType": "square"},
                },
            },
        },
        {
            "transform": [{"filter": "datum.verdi !== null"}, lookup, *calculate],
            "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3},
            "encoding": {
                **common,
                "color": {
                    "field": "verdi",
                    "type": "quantitative",
                    "title": value_title,
                    "scale": scale,
                    "legend": legend,
                },
            },
        },
        {
            # County borders on top: the inner borders only (the coast is the municipalities').
            "data": _geo_data(COUNTIES, geo_url, mesh="Fylker", filter="interior"),
            "mark": {"type": "geoshape", "filled": False, "stroke": "#333333", "strokeWidth": 0.9},
        },
    ]
    if chosen is not None:
        layers.append(
            {
                "transform": [{"filter": {"field": "kode", "equal": chosen}}, lookup, *calculate],
                "mark": {"type": "geoshape", "filled": False, "stroke": OUTLINE_COLOUR, "strokeWidth": 2.2},
                "encoding": {**common},
            }
        )
    credit = [CREDIT]
    if year < BORDERS_YEAR:
        credit.append(f"Tegnet på {BORDERS_YEAR}-grenser: tallene for {year} er lagt på dagens kommuner.")
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "usermeta": dict(USERMETA),
        "width": width,
        "height": height,
        "data": {"values": rows},
        "projection": {"type": "transverseMercator", "rotate": [-15, -65]},
        # Room on the right for the legend's text in a wider font than it was measured in
        # (an SVG shown in a browser without Liberation Sans or Arial).
        "padding": {"left": 5, "top": 5, "right": 30, "bottom": 5},
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "title": {
            "text": credit,
            "orient": "bottom",
            "anchor": "start",
            "fontSize": 9,
            "fontWeight": "normal",
            "color": "#555555",
            "offset": 6,
        },
        "config": {
            "font": CHART_FONT,
            "view": {"stroke": None},
            "legend": {"labelFontSize": 10, "titleFontSize": 11},
        },
    }
    if geo_url is None:
        # Shared, not copied: a spec is read (drawn, written as JSON), never changed.
        spec["datasets"] = {MUNICIPALITIES: _parsed(MUNICIPALITIES), COUNTIES: _parsed(COUNTIES)}
    return spec


def is_map(spec: dict[str, Any]) -> bool:
    """Whether a chart spec is one of these maps."""
    return bool(spec.get("usermeta", {}).get("kostra") == USERMETA["kostra"])


_NUMBER = re.compile(r"-?\d+\.\d+")
_PATH = re.compile(r'(\sd=")([^"]*)(")')


def compact_svg(svg: str, decimals: int = 1) -> str:
    """The SVG with its path coordinates rounded to ``decimals`` places: a map's 357
    municipalities at full float precision are over a megabyte; a tenth of a pixel is
    finer than any screen or printer shows at the size the map is drawn."""

    def shorter(match: re.Match[str]) -> str:
        rounded = f"{float(match.group(0)):.{decimals}f}".rstrip("0").rstrip(".")
        return "0" if rounded in ("-0", "") else rounded

    return _PATH.sub(lambda m: m.group(1) + _NUMBER.sub(shorter, m.group(2)) + m.group(3), svg)


def split_outline(spec: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """A map with a municipality outlined (``chosen`` of :func:`choropleth_spec`) as the map
    without its outline layer and the outlined municipality's number; None for any other spec.

    The map without the outline is the same for every municipality of a report year, so it
    can be drawn once for all of them (:func:`add_outline` puts the outline back)."""
    layers = spec.get("layer")
    if not is_map(spec) or not layers:
        return None
    last = layers[-1]
    first = (last.get("transform") or [{}])[0].get("filter")
    mark = last.get("mark", {})
    if not (
        isinstance(first, dict)
        and first.get("field") == "kode"
        and mark.get("filled") is False
        and mark.get("stroke") == OUTLINE_COLOUR
    ):
        return None
    base = {**spec, "layer": layers[:-1]}
    return base, str(first["equal"])


_SHAPE_LAYER = re.compile(
    r'<g class="mark-shape role-mark layer_(\d+)_marks" role="[^"]*" '
    r'aria-roledescription="shape mark container"(?:/>|>(.*?)</g>)',
    re.S,
)
_SHAPE = re.compile(r"<path [^>]*/>")
_FILL = re.compile(r' fill="[^"]*" stroke="[^"]*" stroke-width="[^"]*"/>$')
_D = re.compile(r' d="([^"]*)"')
_COORDINATE = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _number(value: float) -> str:
    """A number as JavaScript (and so Vega's SVG) writes it: 2.2, 2, 0.3."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _extent(path: str) -> tuple[float, float, float, float]:
    """min x, max x, min y, max y of a map shape's path (straight segments: M, L, Z only)."""
    numbers = [float(n) for n in _COORDINATE.findall(_D.search(path).group(1))]  # type: ignore[union-attr]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), max(xs), min(ys), max(ys)


def add_outline(base_svg: str, spec: dict[str, Any]) -> str | None:
    """The SVG vl-convert draws for ``spec`` (a map with an outline: :func:`split_outline`),
    made from ``base_svg``, its drawing without the outline: the outlined municipality's shape
    is taken from the coloured layers and put on top, as vl-convert puts it.

    None when that might differ from drawing ``spec``: a thick outline near the edge of the
    map widens the drawing's bounds (Vega counts up to twice the stroke width around a shape),
    which moves the legend and title. An outline at least that far inside every edge of the
    coloured shapes moves nothing. tests/outputs/test_maps.py compares both ways of drawing
    across many municipalities, the edge ones too."""
    split = split_outline(spec)
    if split is None:
        raise ValueError("not a map with an outlined municipality")
    base, chosen = split
    rows = base["data"]["values"]
    number = len(base["layer"])
    layers = {int(m.group(1)): m for m in _SHAPE_LAYER.finditer(base_svg)}
    # Layers 0 and 1 are the shapes without and with a figure, each in the rows' order.
    if not {0, 1, number - 1} <= set(layers):
        return None
    shapes = [_SHAPE.findall(layers[layer].group(2) or "") for layer in (0, 1)]
    codes = [[str(r["kode"]) for r in rows if (r["verdi"] is None) == (layer == 0)] for layer in (0, 1)]
    if [len(s) for s in shapes] != [len(c) for c in codes]:
        return None  # a row without a shape: the k-th path is not the k-th row
    mark = spec["layer"][-1]["mark"]
    head = f'<g class="mark-shape role-mark layer_{number}_marks"'
    layer = 0 if chosen in codes[0] else 1 if chosen in codes[1] else None
    if layer is None:
        group = f'{head} role="graphics-symbol" aria-roledescription="shape mark container"/>'
    else:
        path = shapes[layer][codes[layer].index(chosen)]
        if not _inside(path, shapes, 2 * float(mark["strokeWidth"]) + 1):
            return None
        outline = _FILL.sub(
            f' stroke="{mark["stroke"]}" stroke-width="{_number(mark["strokeWidth"])}"/>', path
        )
        if outline == path:
            return None
        group = f'{head} role="graphics-object" aria-roledescription="shape mark container">{outline}</g>'
    end = layers[number - 1].end()
    return base_svg[:end] + group + base_svg[end:]


def _inside(path: str, shapes: list[list[str]], margin: float) -> bool:
    """Whether ``path`` lies ``margin`` or more inside the extent of all ``shapes``."""
    low_x, high_x, low_y, high_y = _extent(path)
    edges = _edges(tuple(p for layer in shapes for p in layer))
    return (
        low_x - margin >= edges[0]
        and high_x + margin <= edges[1]
        and low_y - margin >= edges[2]
        and high_y + margin <= edges[3]
    )


_EDGES: dict[tuple[str, ...], tuple[float, float, float, float]] = {}


def _edges(paths: tuple[str, ...]) -> tuple[float, float, float, float]:
    """The extent of all the map's shapes, kept for the last few drawings (a batch asks for
    the same map's over and over)."""
    if paths not in _EDGES:
        extents = [_extent(p) for p in paths]
        if len(_EDGES) > 8:
            _EDGES.clear()
        _EDGES[paths] = (
            min(e[0] for e in extents),
            max(e[1] for e in extents),
            min(e[2] for e in extents),
            max(e[3] for e in extents),
        )
    return _EDGES[paths]
