"""Chart specifications (Vega-Lite) shared by every format.

The same spec is drawn interactively in HTML (vega-embed, bundled offline) and
as SVG (PDF) and PNG (Word) by vl-convert (see drawing.py), which needs no
browser. Numbers use Norwegian formatting (decimal comma, no-break space).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CHART_FONT", "NB_LOCALE", "chart_number", "profile_chart", "series_chart", "summary_chart"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
NB_LOCALE = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"]}
COLOURS = {"own": "#1f5f8b", "marker": "#6b6b6b", "peer": "#d95f02", "line": "#b2182b"}
# Liberation Sans has Arial's metrics and ships inside vl-convert, which measures it many times
# faster than a system font file; the PDF embeds the same font (fonts/, SIL OFL), so labels
# keep the widths they were laid out with.
CHART_FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _config() -> dict[str, Any]:
    return {
        "font": CHART_FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 10, "titleFontSize": 11},
        "legend": {"labelFontSize": 10, "titleFontSize": 11},
    }


def profile_chart(
    profile: pd.DataFrame, name: str, group: str, peers: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Horizontal bars of each indicator's index (group = 100), highest/lowest ticks,
    last year's index as a dot, and peers as diamonds."""
    rows = []
    # Columns as lists, not itertuples(): pandas 3 builds every column of the wide profile
    # through iloc for each call, which was most of this chart's time.
    for indicator, index, highest, lowest, previous in zip(
        *(
            profile[c].tolist()
            for c in ("indicator", "index", "index_highest", "index_lowest", "index_previous")
        ),
        strict=True,
    ):
        rows.append(
            {
                "indikator": _short(str(indicator)),
                "indeks": chart_number(index),
                "høyest": chart_number(highest),
                "lavest": chart_number(lowest),
                "i fjor": chart_number(previous),
            }
        )
    order = [r["indikator"] for r in rows]
    y = {"field": "indikator", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 320}}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "color": COLOURS["own"], "height": {"band": 0.6}},
            "encoding": {
                "y": y,
                "x": {"field": "indeks", "type": "quantitative", "title": f"Indeks ({group} = 100)"},
                "tooltip": [{"field": "indikator"}, {"field": "indeks", "format": ",.0f", "title": name}],
            },
        },
        {
            "mark": {"type": "tick", "color": COLOURS["marker"], "thickness": 2},
            "encoding": {
                "y": y,
                "x": {"field": "høyest", "type": "quantitative"},
                "tooltip": [{"field": "høyest", "format": ",.0f", "title": f"Høyest {group}"}],
            },
        },
        {
            "mark": {"type": "tick", "color": COLOURS["marker"], "thickness": 2},
            "encoding": {
                "y": y,
                "x": {"field": "lavest", "type": "quantitative"},
                "tooltip": [{"field": "lavest", "format": ",.0f", "title": f"Lavest {group}"}],
            },
        },
        {
            "mark": {"type": "point", "filled": True, "color": "#444444", "size": 30},
            "encoding": {
                "y": y,
                "x": {"field": "i fjor", "type": "quantitative"},
                "tooltip": [{"field": "i fjor", "format": ",.0f", "title": "I fjor"}],
            },
        },
        {
            "mark": {"type": "rule", "color": COLOURS["line"], "strokeWidth": 2},
            "encoding": {"x": {"datum": 100}},
        },
    ]
    if peers is not None and len(peers):
        labels = dict(
            zip(profile["indicator_id"], (_short(str(t)) for t in profile["indicator"]), strict=True)
        )
        peer_rows = [
            {"indikator": labels[indicator_id], "kommune": peer, "indeks": chart_number(index)}
            for indicator_id, peer, index in zip(
                *(peers[c].tolist() for c in ("indicator_id", "peer", "index")), strict=True
            )
            if indicator_id in labels
        ]
        layers.append(
            {
                "data": {"values": peer_rows},
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 60},
                "encoding": {
                    "y": y,
                    "x": {"field": "indeks", "type": "quantitative"},
                    "color": {
                        "field": "kommune",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": [COLOURS["peer"], "#7570b3", "#1b9e77"]},
                    },
                    "tooltip": [{"field": "kommune"}, {"field": "indeks", "format": ",.0f"}],
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "width": 420,
        "height": {"step": 24},
        "data": {"values": rows},
        "layer": layers,
        "config": _config(),
    }


def series_chart(series: pd.DataFrame, profile: pd.DataFrame, limit: int = 4) -> dict[str, Any]:
    """Small multiples of the first indicators' time series (the municipality, peers, the group)."""
    wanted = list(profile["indicator_id"].drop_duplicates())[:limit]
    names = dict(zip(profile["indicator_id"], profile["indicator"], strict=False))
    # The rows shown, as positions: filtering the whole frame cost more than the chart.
    shown = np.flatnonzero((series["indicator_id"].isin(wanted) & series["value"].notna()).to_numpy())
    marker = " (B)" if bool(series["adjusted"].to_numpy()[shown].any()) else ""
    values = [
        {
            "indikator": _short(str(names[indicator_id]), 48) + marker,
            "år": str(year),
            "serie": serie,
            "verdi": float(value),
        }
        for indicator_id, year, serie, value in zip(
            *(series[c].to_numpy()[shown].tolist() for c in ("indicator_id", "year", "series", "value")),
            strict=True,
        )
    ]
    return {
        "$schema": SCHEMA,
        "data": {"values": values},
        "facet": {"field": "indikator", "type": "nominal", "title": None, "sort": None},
        "columns": 2,
        "spec": {
            "width": 230,
            "height": 130,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "år", "type": "ordinal", "title": None},
                "y": {"field": "verdi", "type": "quantitative", "title": None, "scale": {"zero": False}},
                "color": {"field": "serie", "type": "nominal", "title": None},
                "tooltip": [{"field": "serie"}, {"field": "år"}, {"field": "verdi", "format": ",.1f"}],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
        "config": _config(),
    }


def summary_chart(points: list[dict[str, Any]], group: str) -> dict[str, Any]:
    values = [
        {"sektor": p["sektor"], "retning": f"Over snittet for {group}", "antall": p["over"]} for p in points
    ]
    values += [
        {"sektor": p["sektor"], "retning": f"Under snittet for {group}", "antall": -p["under"]}
        for p in points
    ]
    return {
        "$schema": SCHEMA,
        "width": 420,
        "height": {"step": 22},
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "sektor", "type": "nominal", "title": None, "sort": None},
            "x": {"field": "antall", "type": "quantitative", "title": "Antall indikatorer"},
            "color": {
                "field": "retning",
                "type": "nominal",
                "title": None,
                "scale": {"range": [COLOURS["own"], COLOURS["peer"]]},
            },
            "tooltip": [{"field": "sektor"}, {"field": "retning"}, {"field": "antall"}],
        },
        "config": _config(),
    }


def chart_number(value: Any) -> float | None:
    """A figure as a chart's data carries it: a float rounded to 2 decimals, or None
    (missing or not a number), which Vega-Lite leaves out."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else round(number, 2)
