"""How kommuner_2024_s.topojson and fylker_2024_s.topojson here were made from the shared originals
(robhop/fylker-og-kommuner, Kartverket): run once, by hand, when the borders change.

    python src/kostra/data/geo/prepare.py SHARED/kommuner_2024_s.topojson SHARED/fylker_2024_s.topojson

Two changes, neither moves a border:
1. Rings rewound: the originals wind as GeoJSON (RFC 7946) does, exterior rings
   counterclockwise; d3-geo, which Vega draws with, reads that as the whole globe
   except the municipality, so every map would be one filled rectangle.
2. Quantized to 100 000 steps across the bounding box (about 15 m east-west, 13 m
   north-south) and delta-encoded, as TopoJSON allows: a third of the size.
"""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

STEPS = 100_000


def _arc(arcs: list[list[list[float]]], index: int) -> list[list[float]]:
    return arcs[index] if index >= 0 else arcs[~index][::-1]


def _area(points: list[list[float]]) -> float:
    return (
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)) / 2
    )


def rewind(topology: dict[str, Any]) -> None:
    """Exterior rings clockwise, holes counterclockwise (in longitude/latitude), as d3-geo wants."""
    arcs = topology["arcs"]
    for collection in topology["objects"].values():
        for geometry in collection["geometries"]:
            polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
            for polygon in polygons:
                for k, ring in enumerate(polygon):
                    points = [p for i in ring for p in _arc(arcs, i)]
                    if (_area(points) < 0) != (k == 0):
                        polygon[k] = [~i for i in reversed(ring)]


def quantize(topology: dict[str, Any]) -> None:
    x0, y0, x1, y1 = topology["bbox"]
    kx, ky = (x1 - x0) / (STEPS - 1), (y1 - y0) / (STEPS - 1)
    arcs = []
    for arc in topology["arcs"]:
        points = [(round((x - x0) / kx), round((y - y0) / ky)) for x, y in arc]
        # Points that fall on the same step are one point; an arc keeps its two ends.
        kept = [points[0]] + [p for prev, p in pairwise(points) if p != prev]
        if len(kept) == 1:
            kept.append(kept[0])
        deltas = [list(kept[0])] + [[b[0] - a[0], b[1] - a[1]] for a, b in pairwise(kept)]
        arcs.append(deltas)
    topology["arcs"] = arcs
    topology["transform"] = {"scale": [kx, ky], "translate": [x0, y0]}


def main() -> None:
    here = Path(__file__).parent
    for source in sys.argv[1:]:
        topology = json.loads(Path(source).read_text("utf-8"))
        rewind(topology)
        quantize(topology)
        name = "kommuner" if "Kommuner" in topology["objects"] else "fylker"
        text = json.dumps(topology, separators=(",", ":"), ensure_ascii=False)
        (here / f"{name}_2024_s.topojson").write_text(text, "utf-8")


if __name__ == "__main__":
    main()
