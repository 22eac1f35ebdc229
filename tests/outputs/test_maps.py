"""The choropleth of kostra.outputs.maps: shapes for every municipality, values on the right
shapes, the chosen one outlined, missing figures grey (never 0), older years on 2024 borders.

The spec is drawn by vl-convert (as the report draws it) and the SVG read back: each
municipality's path carries its name and figure (aria-label), so a value is checked on the
shape it is drawn on, not only in the spec's table.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from kostra.analysis.regions import in_use
from kostra.outputs.maps import (
    COUNTIES,
    CREDIT,
    MISSING,
    MISSING_COLOUR,
    MUNICIPALITIES,
    _domain,
    add_outline,
    choropleth_spec,
    compact_svg,
    is_map,
    municipality_shapes,
    on_2024_borders,
    split_outline,
    topology,
    with_bundled_boundaries,
)
from kostra.outputs.report.charts import NB_LOCALE
from kostra.sources.bundled import read_bundled_csv

BAERUM, UTSIRA, VARDO = "3201", "1151", "5634"


def _svg(spec: dict) -> str:  # type: ignore[type-arg]
    return str(vlc.vegalite_to_svg(spec, format_locale=NB_LOCALE))


def _layer(svg: str, layer: int) -> str:
    """The SVG of one layer's marks (up to the next layer, the legends or the title: an
    empty layer's group closes itself)."""
    rest = svg.split(f"role-mark layer_{layer}_marks", 1)[1]
    return re.split(r"role-mark layer_|role-legend|role-title", rest, maxsplit=1)[0]


def _paths(svg: str, layer: int) -> dict[str, tuple[str, str]]:
    """aria-label -> (fill, d) of the shapes of one layer of the map."""
    group = _layer(svg, layer)
    out = {}
    for tag in re.findall(r"<path [^>]*>", group):
        label = re.search(r'aria-label="([^"]*)"', tag)
        fill = re.search(r'fill="([^"]*)"', tag)
        d = re.search(r' d="([^"]*)"', tag)
        assert label and d
        out[label.group(1)] = (fill.group(1) if fill else "", d.group(1))
    return out


def _centre(d: str) -> tuple[float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = numbers[0::2], numbers[1::2]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


@cache
def _three() -> tuple[dict, str]:  # type: ignore[type-arg]
    values = pd.DataFrame({"region_code": [BAERUM, UTSIRA, VARDO], "value": [1.076, 0.5, 1.5]})
    spec = choropleth_spec(
        values, year=2024, value_title="Ressursbruk", decimals=3, chosen=BAERUM,
        group_name="ASSS", group_average=1.0, scheme="blueorange", mid=1.0,
    )  # fmt: skip
    return spec, _svg(spec)


def test_every_2024_municipality_has_exactly_one_shape() -> None:
    regions = read_bundled_csv("regions.csv")
    municipalities = regions[(regions["kind"] == "municipality") & in_use(regions, 2024)]
    shapes = municipality_shapes()
    assert len(shapes) == 357 and shapes["region_code"].is_unique
    assert set(shapes["region_code"]) == set(municipalities["code"].astype(str))


def _rings(name: str, collection: str) -> list[tuple[int, list[tuple[float, float]]]]:
    """(ring number in its polygon, points in degrees) of every ring of a boundary file."""
    topo = topology(name)
    (kx, ky), (x0, y0) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized
            x, y = x + dx, y + dy
            points.append((x0 + x * kx, y0 + y * ky))
        arcs.append(points)
    rings = []
    for geometry in topo["objects"][collection]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for k, ring in enumerate(polygon):
                points = [p for i in ring for p in (arcs[i] if i >= 0 else arcs[~i][::-1])]
                rings.append((k, points))
    return rings


@pytest.mark.parametrize(("name", "collection"), [(MUNICIPALITIES, "Kommuner"), (COUNTIES, "Fylker")])
def test_rings_wind_as_d3_wants(name: str, collection: str) -> None:
    """d3-geo (Vega) reads a counterclockwise exterior ring as the globe minus the polygon:
    a map of such files is one filled rectangle. Exterior rings clockwise (negative planar
    area in longitude/latitude), holes counterclockwise."""
    rings = _rings(name, collection)
    assert len(rings) > 300
    for k, points in rings:
        area = (
            sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))
            / 2
        )
        assert (area < 0) == (k == 0), (k, area)


def test_values_land_on_their_own_shapes() -> None:
    spec, svg = _three()
    rows = {r["kode"]: r for r in spec["data"]["values"]}
    assert len(rows) == 357
    assert (rows[BAERUM]["verdi"], rows[BAERUM]["tekst"], rows[BAERUM]["kommune"]) == (
        1.076,
        "1,076",
        "Bærum",
    )
    assert rows[UTSIRA]["tekst"] == "0,500" and rows[VARDO]["tekst"] == "1,500"
    # places from the highest: Vardø 1,5 first, Bærum 1,076 second, Utsira 0,5 third
    assert [rows[c]["plass"] for c in (VARDO, BAERUM, UTSIRA)] == ["1 av 3", "2 av 3", "3 av 3"]
    assert rows[BAERUM]["snitt"] == "1,000"
    drawn = _paths(svg, 1)  # the municipalities with a figure
    assert set(drawn) == {"Bærum: 1,076", "Utsira: 0,500", "Vardø: 1,500"}
    fills = {label.split(":")[0]: fill for label, (fill, _) in drawn.items()}
    assert len(set(fills.values())) == 3 and MISSING_COLOUR not in fills.values()
    # each figure sits on its own municipality's land: Utsira (an island off Haugesund)
    # west of Bærum (beside Oslo), Vardø (Finnmark) east of and far north of it (y grows down)
    centres = {label.split(":")[0]: _centre(d) for label, (_, d) in drawn.items()}
    assert centres["Utsira"][0] < centres["Bærum"][0] < centres["Vardø"][0]
    assert centres["Vardø"][1] < centres["Bærum"][1] - 200


def test_the_colour_classes_are_centred_on_the_average() -> None:
    # 2.5th percentile of [0.5, 1.076, 1.5] (linear): 0.5 + 0.05 * 0.576 = 0.5288
    # 97.5th: 1.076 + 0.95 * 0.424 = 1.4788; reach from 1: max(0.4712, 0.4788) = 0.4788
    assert _domain([0.5, 1.076, 1.5], 1.0) == pytest.approx([0.5212, 1.4788])
    assert _domain([0.5, 1.076, 1.5], None) == pytest.approx([0.5288, 1.4788])
    assert _domain([1.0], 1.0) is None  # one figure: Vega's own domain
    spec, _ = _three()
    scale = spec["layer"][1]["encoding"]["color"]["scale"]
    assert scale["type"] == "quantize" and scale["scheme"]["count"] == 7
    assert scale["domain"] == pytest.approx([0.5212, 1.4788])


def test_the_outline_is_the_chosen_municipality() -> None:
    _, svg = _three()
    outline = _paths(svg, 3)
    assert list(outline) == ["Bærum: 1,076"]
    # the same shape as Bærum's filled one, not just the same name
    assert outline["Bærum: 1,076"][1] == _paths(svg, 1)["Bærum: 1,076"][1]
    nobody = choropleth_spec(pd.DataFrame({"region_code": [BAERUM], "value": [1.0]}), year=2024,
                             value_title="x")  # fmt: skip
    assert len(nobody["layer"]) == 3  # no outline layer without a chosen municipality


def test_missing_stays_missing_and_zero_stays_zero() -> None:
    values = pd.DataFrame(
        {"region_code": [BAERUM, UTSIRA, VARDO, "0301"], "value": [float("nan"), 0.0, 2.0, float("inf")]}
    )
    spec = choropleth_spec(values, year=2024, value_title="Andel", decimals=1, unit="%")
    rows = {r["kode"]: r for r in spec["data"]["values"]}
    assert rows[BAERUM]["verdi"] is None and rows[BAERUM]["tekst"] == MISSING
    assert rows["0301"]["verdi"] is None and rows["0301"]["tekst"] == MISSING  # inf: no figure
    assert rows["1101"]["verdi"] is None and rows["1101"]["tekst"] == MISSING  # not in the table
    assert rows[UTSIRA]["verdi"] == 0.0 and rows[UTSIRA]["tekst"] == "0,0 %"
    assert rows[BAERUM]["plass"] == "" and rows[VARDO]["plass"] == "1 av 2"
    svg = _svg(spec)
    grey = _paths(svg, 0)
    # 355 shapes, but 353 labels: Herøy and Våler are two municipalities each
    assert _layer(svg, 0).count("<path ") == 355
    assert len(grey) == 353 and grey["Bærum: Mangler tall"][0] == MISSING_COLOUR
    assert all(fill == MISSING_COLOUR for fill, _ in grey.values())
    assert _paths(svg, 1)["Utsira: 0,0 %"][0] != MISSING_COLOUR
    assert MISSING in svg  # the legend entry
    assert CREDIT in svg and "Tegnet på" not in svg
    nothing = choropleth_spec(values.assign(value=float("nan")), year=2024, value_title="Andel")
    assert {(r["tekst"], r["plass"]) for r in nothing["data"]["values"]} == {(MISSING, "")}


def _succession() -> pd.DataFrame:
    rows = [
        ("0219", "3024", 2020, "renumbered"),  # Bærum
        ("3024", "3201", 2024, "renumbered"),
        ("0220", "3025", 2020, "merged"),  # Asker, Hurum and Røyken became Asker
        ("0627", "3025", 2020, "merged"),
        ("0628", "3025", 2020, "merged"),
        ("3025", "3203", 2024, "renumbered"),
        ("1507", "1508", 2024, "split"),  # Ålesund split into Ålesund and Haram
        ("1507", "1580", 2024, "split"),
    ]
    return pd.DataFrame(rows, columns=["old_code", "new_code", "year", "kind"])


def test_older_years_are_drawn_on_2024_borders_through_the_succession() -> None:
    regions = pd.DataFrame(
        {
            "code": ["1507"],
            "name": ["Ålesund"],
            "kind": ["municipality"],
            "valid_from": [2020],
            "valid_to": [2023],
        }
    )
    values = pd.DataFrame({"region_code": ["3024", "3203", "1507"], "value": [1.1, 0.9, 1.2]})
    rows = on_2024_borders(values, 2022, _succession(), regions).set_index("region_code")
    assert len(rows) == 357
    assert rows.loc["3201", "value"] == 1.1 and rows.loc["3201", "note"] == ""  # 3024 renumbered
    assert rows.loc["3203", "value"] == 0.9  # given under today's number
    # Haram's land was Ålesund's in 2022: both get Ålesund's figure, and say so
    assert rows.loc["1508", "value"] == 1.2 and rows.loc["1580", "value"] == 1.2
    assert rows.loc["1580", "note"] == "Tallet gjelder Ålesund slik kommunen var i 2022."
    assert math.isnan(rows.loc["0301", "value"])

    old = pd.DataFrame({"region_code": ["0219", "0220", "0627", "0628"], "value": [1.0, 1.3, 0.7, 0.8]})
    rows = on_2024_borders(old, 2019, _succession()).set_index("region_code")
    assert rows.loc["3201", "value"] == 1.0  # 0219 -> 3024 -> 3201
    # Asker's land was three municipalities in 2019: no figure of their own on 2024 borders
    assert math.isnan(rows.loc["3203", "value"])
    assert rows.loc["3203", "note"] == "Var 3 kommuner i 2019 (0220, 0627, 0628); ingen felles tall."

    spec = choropleth_spec(rows.reset_index(), year=2019, value_title="x", decimals=1)
    assert spec["title"]["text"][0] == CREDIT
    assert spec["title"]["text"][1].startswith("Tegnet på 2024-grenser")
    assert {"field": "merknad", "title": "Merknad"} in spec["layer"][0]["encoding"]["tooltip"]


def test_the_web_gets_the_boundaries_as_one_shared_url_and_a_link() -> None:
    values = pd.DataFrame({"region_code": [BAERUM], "value": [1.0]})
    spec = choropleth_spec(values, year=2024, value_title="x", geo_url="/static/geo/", link="/kommune/")
    text = json.dumps(spec)
    assert "datasets" not in spec and "arcs" not in text  # no boundaries inline
    assert text.count('"url": "/static/geo/kommuner_2024_s.topojson"') >= 2
    assert '"url": "/static/geo/fylker_2024_s.topojson"' in text
    assert {"calculate": '"/kommune/" + datum.kode', "as": "lenke"} in spec["layer"][1]["transform"]
    assert spec["layer"][1]["encoding"]["href"] == {"field": "lenke"}
    assert is_map(spec) and not is_map({"mark": "bar"})


def test_compact_svg_rounds_path_coordinates_only() -> None:
    svg = '<svg width="516.25"><path d="M12.3456,7.8912L-0.04,3.96Z" opacity="0.75"/></svg>'
    # 12.3456 -> 12.3, 7.8912 -> 7.9, -0.04 -> -0.0 -> 0, 3.96 -> 4.0 -> 4
    assert compact_svg(svg) == '<svg width="516.25"><path d="M12.3,7.9L0,4Z" opacity="0.75"/></svg>'


def test_a_municipality_that_gave_away_land_says_whose_figure_it_shows() -> None:
    # 1599 was renumbered 1580 in 2024 and gave part of its land to 1508 at the same time:
    # 1580 is the same municipality (its figure, under today's number), but smaller now
    succession = pd.DataFrame(
        [("1599", "1580", 2024, "renumbered"), ("1599", "1508", 2024, "split")],
        columns=["old_code", "new_code", "year", "kind"],
    )
    values = pd.DataFrame({"region_code": ["1599"], "value": [2.5]})
    rows = on_2024_borders(values, 2023, succession).set_index("region_code")
    assert rows.loc["1580", "value"] == 2.5 and rows.loc["1508", "value"] == 2.5
    assert rows.loc["1580", "note"] == "Tallet gjelder 1580 slik kommunen var i 2023."


def _national(chosen: str | None) -> dict:  # type: ignore[type-arg]
    """A map of every municipality, figures spread over the colour classes, some missing."""
    codes = list(municipality_shapes()["region_code"])
    values = pd.DataFrame(
        {
            "region_code": codes,
            "value": [math.nan if i % 17 == 3 else 0.6 + (i * 37 % 100) / 100 for i in range(len(codes))],
        }
    )
    return choropleth_spec(
        values, year=2024, value_title="Ressursbruk", decimals=3, chosen=chosen,
        group_name="ASSS", group_average=1.0, scheme="blueorange", mid=1.0,
    )  # fmt: skip


def _edge_codes(svg: str) -> set[str]:
    """The two municipalities furthest out on each side of the drawn map (their outline can
    widen the drawing), found from the drawing itself."""
    centres = {}
    for layer in (0, 1):
        for label, (_, d) in _paths(svg, layer).items():
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
            centres[label] = (min(numbers[0::2]), max(numbers[0::2]), min(numbers[1::2]), max(numbers[1::2]))
    names = dict(zip(municipality_shapes()["name"], municipality_shapes()["region_code"], strict=True))
    picked = set()
    for side in range(4):
        ordered = sorted(centres, key=lambda label: centres[label][side])
        for label in ordered[:2] if side % 2 == 0 else ordered[-2:]:
            picked.add(names[label.rsplit(":", 1)[0]])
    return picked


def test_a_map_outlined_afterwards_is_the_map_drawn_with_its_outline() -> None:
    """The batch draws the national map once and outlines each municipality on it: that must
    give, byte for byte, what drawing each municipality's map whole gives; where it cannot
    (an outline at the edge widens the drawing), add_outline says so (None) and the map is
    drawn whole."""
    base, chosen = split_outline(_national(BAERUM))  # type: ignore[misc]
    assert chosen == BAERUM
    assert base == _national(None)  # the map without the outline is the map of nobody
    base_svg = _svg(base)
    compact_base = compact_svg(base_svg)
    codes = list(municipality_shapes()["region_code"])
    edges = _edge_codes(base_svg)
    missing = [c for i, c in enumerate(codes) if i % 17 == 3][:2]  # grey shapes (layer 0)
    # Bærum, the edge ones, grey ones, every 25th, and a number with no shape
    wanted = [BAERUM, UTSIRA, VARDO, *sorted(edges), *missing, *codes[::25], "9999"]
    composed = 0
    for code in dict.fromkeys(wanted):
        spec = _national(code)
        outlined = add_outline(base_svg, spec)
        if outlined is not None:
            composed += 1
            whole = _svg(spec)
            assert outlined == whole, code
            # compacted before the outline is added (once per batch), or after: the same
            assert add_outline(compact_base, spec) == compact_svg(whole), code
        else:
            assert code in edges, f"{code} is not at the edge, but was drawn whole"
    assert composed >= len(set(wanted)) - len(edges)
    assert split_outline(_national(None)) is None
    assert split_outline({"mark": "bar"}) is None


def test_an_outline_at_the_edge_is_drawn_whole() -> None:
    # Lindesnes (4205) is the southernmost point of the map: its 2.2 px outline reaches past
    # every other shape, so Vega widens the drawing and moves the title (seen: 526.3 ->
    # 526.31): composing it onto the map of nobody would not be the same drawing.
    spec = _national("4205")
    base, _ = split_outline(spec)  # type: ignore[misc]
    assert add_outline(_svg(base), spec) is None


def test_the_bundled_boundaries_are_told_apart_from_others() -> None:
    spec = _national(BAERUM)
    assert with_bundled_boundaries(spec)
    changed = json.loads(json.dumps(spec))
    changed["datasets"][MUNICIPALITIES]["arcs"][0][0][0] += 1
    assert not with_bundled_boundaries(changed)
    assert not with_bundled_boundaries(
        {**spec, "datasets": {MUNICIPALITIES: spec["datasets"][MUNICIPALITIES]}}
    )


def _rows_as_before(
    values: pd.DataFrame, decimals: int, unit: str, names: dict[str, str] | None
) -> list[dict[str, Any]]:
    """maps._rows as it was: the frame's rows read with iterrows."""
    from kostra.formatting import format_nb, is_missing
    from kostra.outputs.maps import MISSING, _rank_texts, municipality_shapes

    given = (
        values.assign(region_code=values["region_code"].astype(str))
        .drop_duplicates("region_code")
        .set_index("region_code")
    )
    frame = municipality_shapes().set_index("region_code")
    numbers = pd.to_numeric(given["value"], errors="coerce").replace([math.inf, -math.inf], math.nan)
    frame["value"] = numbers.reindex(frame.index)
    frame["note"] = given["note"].reindex(frame.index).fillna("") if "note" in given else ""
    frame["rank"] = _rank_texts(frame["value"])
    suffix = f" {unit}" if unit else ""
    rows = []
    for code, row in frame.iterrows():
        value = row["value"]
        missing = is_missing(value)
        rows.append(
            {
                "kode": str(code),
                "kommune": (names or {}).get(str(code), str(row["name"])),
                "verdi": None if missing else round(float(value), max(decimals + 2, 4)),
                "tekst": MISSING if missing else format_nb(float(value), decimals) + suffix,
                "plass": row["rank"],
                "merknad": row["note"],
            }
        )
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_map_rows_are_what_iterrows_gave(seed: int) -> None:
    from kostra.outputs.maps import _rows, municipality_shapes

    rng = np.random.default_rng(seed)
    codes = list(municipality_shapes()["region_code"])
    n = len(codes)
    numbers = rng.normal(1.0, 0.3, n).round(int(rng.integers(0, 6)))
    numbers[rng.random(n) < 0.1] = np.nan
    numbers[rng.random(n) < 0.02] = np.inf
    values = pd.DataFrame({"region_code": codes, "value": numbers})
    if seed % 2:
        values["note"] = [f"merknad {i}" if i % 7 == 0 else "" for i in range(n)]
        values = values.sample(frac=0.9, random_state=seed)  # some municipalities without a row
    names = {codes[0]: "Et annet navn"} if seed % 3 == 0 else None
    decimals, unit = seed % 4, ["", "kr", "prosent"][seed % 3]
    assert _rows(values, decimals, unit, names) == _rows_as_before(values, decimals, unit, names)
