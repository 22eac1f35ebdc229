"""The indicator page's figures: every municipality's value ranked, and their distribution
with the chosen municipalities marked and named.

Why the marks were drawn at the wrong place before: the marks' x encoding had a field
but no type, and Vega-Lite takes an untyped plain field as *nominal*. The marks therefore
got a point scale of their own beside the bars' binned linear one: a second x axis over
the chart titled "verdi" with the raw numbers as categories, and the marks spread evenly
by order (with two marks: at a quarter and three quarters of the width), whatever their
values; Bærum's 1 552 889 kroner stood at about 1,95 mill. of the bars' axis.

Now every x is typed quantitative and the bins are computed here, not by Vega-Lite's
``bin`` transform: the bars run from ``fra`` to ``til`` and the marks stand at ``verdi``
on one linear scale whose domain is the bins' edges, so a mark stands where its value is
and the bins' edges are known to the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kostra.catalog import Indicator
from kostra.outputs.report.charts import CHART_FONT, SCHEMA

__all__ = ["MARK_COLOURS", "Bins", "RankedRow", "distribution_chart", "histogram", "nice_step", "ranked"]

MAX_BINS = 30
BAR_COLOUR = "#9fb8cc"  # light, so the marks stand out; the bars are not data a reader compares by colour
# One colour per chosen municipality, in the order chosen (the page's own first); each has at
# least 3:1 contrast against white and the bars (WCAG 2.1, 1.4.11).
MARK_COLOURS = ("#b35806", "#5e3c99", "#1b7837", "#c51b7d", "#2166ac", "#7f3b08")
LABEL_ROW = 13  # pixels between the name rows above the plot
HEIGHT = 220


@dataclass(frozen=True)
class RankedRow:
    code: str
    name: str
    value: float | None
    rank: int | None  # 1 is the highest value; ties share the better place; None: no figure
    marked: int | None  # the chosen municipality's place among the chosen (0 first), else None


def ranked(values: Sequence[tuple[str, str, float | None]], marked: Sequence[str]) -> list[RankedRow]:
    """``(code, name, value)`` ranked from the highest value down (ties share a place, the
    next place skips: 1, 2, 2, 4), then those without a figure by name."""
    order = {code: i for i, code in enumerate(marked)}
    present = sorted((v for v in values if not _missing(v[2])), key=lambda v: (-float(v[2] or 0), v[1]))
    absent = sorted((v for v in values if _missing(v[2])), key=lambda v: v[1])
    rows: list[RankedRow] = []
    for position, (code, name, value) in enumerate(present, start=1):
        tied = rows and rows[-1].value == value
        rank = rows[-1].rank if tied else position
        rows.append(RankedRow(code, name, float(value or 0), rank, order.get(code)))
    rows += [RankedRow(code, name, None, None, order.get(code)) for code, name, _ in absent]
    return rows


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def _bin(value: float, step: float) -> int:
    """The bin ``value`` falls in; the tolerance keeps 0.3 / 0.1 (2.999…) in bin 3."""
    return math.floor(value / step + 1e-9)


def nice_step(low: float, high: float, max_bins: int = MAX_BINS) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that covers ``low``–``high``
    in at most ``max_bins`` bins."""
    span = high - low
    if span <= 0:
        return 1.0 if low == 0 else 10 ** math.floor(math.log10(abs(low)))
    raw = span / max_bins
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if _bin(high, step) - _bin(low, step) + 1 <= max_bins:
            return float(step)
    return float(10 * power)  # pragma: no cover - 10 x power always covers the span


@dataclass(frozen=True)
class Bins:
    start: float
    step: float
    counts: tuple[int, ...]

    @property
    def end(self) -> float:
        return self.start + self.step * len(self.counts)


def histogram(values: Sequence[float], max_bins: int = MAX_BINS) -> Bins:
    """Counts in bins ``[start + i·step, start + (i+1)·step)`` over ``values``."""
    if not values:
        return Bins(0.0, 1.0, ())
    low, high = min(values), max(values)
    step = nice_step(low, high, max_bins)
    first = _bin(low, step)
    count = _bin(high, step) - first + 1
    counts = [0] * count
    for value in values:
        counts[_bin(value, step) - first] += 1
    return Bins(first * step, step, tuple(counts))


def distribution_chart(indicator: Indicator, rows: Sequence[RankedRow], year: int) -> dict[str, Any]:
    """The histogram of every municipality's value, the chosen ones as rules named above
    the plot (one row of names each, so close values do not hide each other's names)."""
    values = [r.value for r in rows if r.value is not None]
    bins = histogram(values)
    number = f",.{indicator.decimals}f"
    x_scale = {"domain": [bins.start, bins.end], "nice": False, "zero": False}
    title = f"{indicator.unit[:1].upper()}{indicator.unit[1:]}, {year}"
    # The axis without trailing zeros ("8" for 8,0); values in tooltips with the indicator's decimals.
    x_axis = {"format": f",.{indicator.decimals}~f", "labelOverlap": True, "labelFlush": True, "tickCount": 6}
    bars = [
        {"fra": bins.start + i * bins.step, "til": bins.start + (i + 1) * bins.step, "antall": n}
        for i, n in enumerate(bins.counts)
    ]
    chosen = sorted(
        (r for r in rows if r.marked is not None and r.value is not None), key=lambda r: r.marked or 0
    )
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "color": BAR_COLOUR, "stroke": "white", "strokeWidth": 0.5},
            "encoding": {
                "x": {
                    "field": "fra",
                    "type": "quantitative",
                    "scale": x_scale,
                    "axis": x_axis,
                    "title": title,
                },
                "x2": {"field": "til"},
                "y": {"field": "antall", "type": "quantitative", "title": "Antall kommuner"},
                "y2": {"datum": 0},
                "tooltip": [
                    {"field": "fra", "type": "quantitative", "format": number, "title": "Fra"},
                    {"field": "til", "type": "quantitative", "format": number, "title": "Til"},
                    {"field": "antall", "type": "quantitative", "title": "Kommuner"},
                ],
            },
        }
    ]
    for row in chosen:
        index = row.marked or 0
        colour = MARK_COLOURS[index % len(MARK_COLOURS)]
        label_y = -LABEL_ROW * (len(chosen) - index) + 4
        # The name in a row of its own above the plot, its arrow over the mark: names of
        # values in the right half read leftwards, so none is cut at the edge.
        rightwards = (row.value or 0) <= (bins.start + bins.end) / 2
        short = row.name.split(" - ")[0]  # "Oslo" for SSB's bilingual "Oslo - Oslove"
        datum = {
            "kommune": row.name,
            "navn": f"\u25be {short}" if rightwards else f"{short} \u25be",
            "verdi": row.value,
            "plass": row.rank,
        }
        tooltip = [
            {"field": "kommune", "type": "nominal", "title": "Kommune"},
            {"field": "verdi", "type": "quantitative", "format": number, "title": indicator.unit},
            {"field": "plass", "type": "quantitative", "title": "Plass"},
        ]
        x = {"field": "verdi", "type": "quantitative", "scale": x_scale, "axis": x_axis, "title": title}
        layers.append(
            {
                "data": {"values": [datum]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": colour, "strokeWidth": 2.5},
                        "encoding": {"x": x, "y": {"value": 0}, "y2": {"value": HEIGHT}, "tooltip": tooltip},
                    },
                    {
                        "mark": {
                            "type": "text",
                            "color": colour,
                            "align": "left" if rightwards else "right",
                            "dx": -4 if rightwards else 4,
                            "baseline": "middle",
                            "fontWeight": "bold",
                            "fontSize": 11,
                        },
                        "encoding": {
                            "x": x,
                            "y": {"value": label_y},
                            "text": {"field": "navn"},
                            "tooltip": tooltip,
                        },
                    },
                ],
                "description": f"markering {row.name}",
            }
        )
    return {
        "$schema": SCHEMA,
        # As wide as the figure's div (app.css: the page's width, at most 44rem), so it
        # fits a phone's 375 px too.
        "width": "container",
        "height": HEIGHT,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"top": LABEL_ROW * len(chosen) + 6, "left": 5, "right": 5, "bottom": 5},
        "layer": layers,
        "config": {
            "font": CHART_FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 10, "titleFontSize": 11},
        },
    }
