"""The sector page's comparison: who is compared, in which colour, and its charts.

One colour per municipality for the whole page (:func:`colours_for`): the municipality
itself, the group and each compared municipality keep their colour in every chart, and
each chart's legend is HTML under it (:class:`LegendItem`), so every mark is named, the
grey ticks and dots included, and the legend wraps on a phone. Indicator names are never
cut: they wrap over lines on the axis, and the tooltip has the full name.

The picker (:func:`choices`) lists today's municipalities with the names they had before
a merger or a new number, so "Hurum" finds Asker; as a plain ``<select multiple>`` it
works without JavaScript, and app.js makes it searchable.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kostra.api import Session
from kostra.outputs.report.charts import chart_number
from kostra.outputs.web.overview import group_options
from kostra.sector_analysis import SectorAnalysis

__all__ = [
    "OWN",
    "PEER_COLOURS",
    "Choice",
    "LegendItem",
    "choices",
    "colours_for",
    "profile_chart",
    "profile_legend",
    "sector_view",
    "series_charts",
    "wrap",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
FONT = "DejaVu Sans, Arial, sans-serif"
OWN = "#1f5f8b"
GROUP = "#4d4d4d"
MARKER = "#6b6b6b"  # the group's highest and lowest (ticks) and last year (dot)
AVERAGE = "#b2182b"  # the group average's line at 100
# Compared municipalities in the order chosen; each has 3:1 contrast against white
# (WCAG 1.4.11, graphical objects) and differs from OWN and GROUP.
PEER_COLOURS = ("#d95f02", "#7570b3", "#1b7837", "#c51b7d", "#8c510a")
WRAP = 48  # characters per line of an indicator's name over its bars (fits 375 px)
LINE = 13  # pixels per line of a name
BAR = 14  # pixels: a bar's height


@dataclass(frozen=True)
class LegendItem:
    """One entry of a chart's legend: the mark's shape (a CSS class), its colour slot (a
    CSS class: the policy allows no inline style) and what it shows."""

    shape: str  # "bar", "tick", "dot", "diamond", "line", "rule"
    slot: str  # "own", "group", "marker", "average", "peer-0" ... "peer-4"
    text: str


def colours_for(own: str, group: str, peers: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each name's colour slot and colour, the same in every chart of the page."""
    colours = {own: ("own", OWN), group: ("group", GROUP)}
    for i, name in enumerate(peers):
        colours.setdefault(name, (f"peer-{i}", PEER_COLOURS[i % len(PEER_COLOURS)]))
    return colours


def wrap(text: str, width: int = WRAP) -> str:
    """``text`` over lines of at most ``width`` characters (a longer word keeps its line),
    joined by newlines; the axis draws each line (``labelExpr`` splits them)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _config() -> dict[str, Any]:
    # The SVG's own ARIA is off: the chart's element is role="img" with a label naming
    # the table that has every number (the text alternative).
    return {
        "font": FONT,
        "aria": False,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#1d1d1b", "titleColor": "#1d1d1b"},
        "title": {"fontSize": 12, "anchor": "start", "color": "#1d1d1b"},
    }


def profile_chart(
    part: pd.DataFrame,
    own: str,
    group: str,
    peer_index: pd.DataFrame | None,
    colours: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """One service profile: a bar per indicator for the index (group = 100), the group's
    highest and lowest as ticks, last year's index as a dot, compared municipalities as
    diamonds in their colours, and the group's 100 as a line. Fills its element's width."""
    rows = []
    for row in part.itertuples():
        rows.append(
            {
                "indikator": wrap(str(row.indicator)),
                "navn": str(row.indicator),
                "indeks": chart_number(row.index),
                "høyest": chart_number(row.index_highest),
                "lavest": chart_number(row.index_lowest),
                "i fjor": chart_number(row.index_previous),
            }
        )
    order = [r["indikator"] for r in rows]
    # Each indicator's band: its name over the full width (its lines), then the marks
    # under it. The name needs no room beside the bars, so a phone keeps the bars wide.
    lines = max((str(r["indikator"]).count("\n") + 1 for r in rows), default=1)
    step = LINE * lines + BAR + 10
    offset = LINE * lines / 2 - 1  # from the band's middle down to the marks' middle
    y = {
        "field": "indikator",
        "type": "nominal",
        "sort": order,
        "title": None,
        "axis": None,
        "scale": {"paddingInner": 0, "paddingOuter": 0},
    }

    def marks(field: str, mark: dict[str, Any], title: str) -> dict[str, Any]:
        return {
            "mark": {**mark, "yOffset": offset},
            "encoding": {
                "y": y,
                "x": {"field": field, "type": "quantitative"},
                "tooltip": [
                    {"field": "navn", "title": "Indikator"},
                    {"field": field, "format": ",.0f", "title": title},
                ],
            },
        }

    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "color": colours[own][1], "height": BAR, "yOffset": offset},
            "encoding": {
                "y": y,
                "x": {"field": "indeks", "type": "quantitative", "title": f"Indeks ({group} = 100)"},
                "tooltip": [
                    {"field": "navn", "title": "Indikator"},
                    {"field": "indeks", "format": ",.0f", "title": own},
                ],
            },
        },
        marks(
            "høyest", {"type": "tick", "color": MARKER, "thickness": 2, "size": BAR + 6}, f"Høyest i {group}"
        ),
        marks(
            "lavest", {"type": "tick", "color": MARKER, "thickness": 2, "size": BAR + 6}, f"Lavest i {group}"
        ),
        marks("i fjor", {"type": "point", "filled": True, "color": MARKER, "size": 30}, f"{own} året før"),
        {"mark": {"type": "rule", "color": AVERAGE, "strokeWidth": 2}, "encoding": {"x": {"datum": 100}}},
        {
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "top",
                "lineBreak": "\n",
                "lineHeight": LINE,
                "fontSize": 11,
                "color": "#1d1d1b",
                "dy": 3,
            },
            "encoding": {
                "y": {**y, "bandPosition": 0},
                "x": {"value": 0},
                "text": {"field": "indikator"},
                "tooltip": [{"field": "navn", "title": "Indikator"}],
            },
        },
    ]
    if peer_index is not None and len(peer_index):
        labels = {r["navn"]: r["indikator"] for r in rows}
        names = dict(zip(part["indicator_id"], part["indicator"], strict=True))
        peer_rows = [
            {
                "indikator": labels[names[r.indicator_id]],
                "navn": names[r.indicator_id],
                "kommune": r.peer,
                "indeks": chart_number(r.index),
            }
            for r in peer_index.itertuples()
            if r.indicator_id in names
        ]
        shown = [p for p in colours if colours[p][0].startswith("peer-")]
        layers.append(
            {
                "data": {"values": peer_rows},
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 70, "yOffset": offset},
                "encoding": {
                    "y": y,
                    "x": {"field": "indeks", "type": "quantitative"},
                    "color": {
                        "field": "kommune",
                        "type": "nominal",
                        "scale": {"domain": shown, "range": [colours[p][1] for p in shown]},
                        "legend": None,  # the HTML legend names them
                    },
                    "tooltip": [
                        {"field": "kommune", "title": "Kommune"},
                        {"field": "navn", "title": "Indikator"},
                        {"field": "indeks", "format": ",.0f", "title": "Indeks"},
                    ],
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "width": "container",
        # a fixed height (a step height with a container width warns and is dropped)
        "height": max(len(rows), 1) * step,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "layer": layers,
        "config": _config(),
    }


def profile_legend(
    own: str, group: str, peers: Sequence[str], colours: dict[str, tuple[str, str]]
) -> list[LegendItem]:
    """The legend of :func:`profile_chart`: every mark it draws."""
    items = [
        LegendItem("bar", colours[own][0], f"{own} (indeks)"),
        LegendItem("tick", "marker", f"Høyest og lavest i {group}"),
        LegendItem("dot", "marker", f"{own} året før"),
        LegendItem("rule", "average", f"Snittet for {group} (100)"),
    ]
    return items + [LegendItem("diamond", colours[p][0], p) for p in peers]


def series_charts(
    series: pd.DataFrame, profile: pd.DataFrame, colours: dict[str, tuple[str, str]], limit: int = 6
) -> list[tuple[str, dict[str, Any]]]:
    """A small line chart per indicator (the first ``limit`` of the profile) over the years:
    the municipality, the compared ones and the group, each in its page colour. Each is
    narrow enough to sit beside another, or alone on a phone."""
    wanted = list(profile["indicator_id"].drop_duplicates())[:limit]
    names = dict(zip(profile["indicator_id"], profile["indicator"], strict=False))
    units = dict(zip(profile["indicator_id"], profile["unit"], strict=False))
    known = [n for n in colours if n in set(series["series"])]
    charts = []
    for indicator_id in wanted:
        part = series[(series["indicator_id"] == indicator_id) & series["value"].notna()]
        if part.empty:
            continue
        adjusted = " (B)" if bool(part["adjusted"].any()) else ""
        values = [
            {"år": str(r.year), "serie": str(r.series), "verdi": float(r.value)} for r in part.itertuples()
        ]
        title = f"{names[indicator_id]}{adjusted} ({units[indicator_id]})"
        charts.append(
            (
                title,
                {
                    "$schema": SCHEMA,
                    "title": {"text": wrap(title, 40).split("\n")},
                    "width": "container",
                    "height": 140,
                    "data": {"values": values},
                    "mark": {"type": "line", "point": True},
                    "encoding": {
                        "x": {"field": "år", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
                        "y": {
                            "field": "verdi",
                            "type": "quantitative",
                            "title": None,
                            "scale": {"zero": False},
                        },
                        "color": {
                            "field": "serie",
                            "type": "nominal",
                            "scale": {"domain": known, "range": [colours[n][1] for n in known]},
                            "legend": None,  # the HTML legend under the charts
                        },
                        "tooltip": [
                            {"field": "serie", "title": "Hvem"},
                            {"field": "år", "title": "År"},
                            {"field": "verdi", "format": ",.1f", "title": "Verdi"},
                        ],
                    },
                    "config": _config(),
                },
            )
        )
    return charts


@dataclass(frozen=True)
class Choice:
    """A municipality in the picker: today's code and name, and its earlier names."""

    code: str
    name: str
    earlier: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def choices(regions: pd.DataFrame, succession: pd.DataFrame) -> list[Choice]:
    """Today's municipalities by name, each with the names of the municipalities it
    continues (through every merger and new number: Asker has Hurum and Røyken)."""
    kinds = regions.set_index("code")
    names = kinds["name"].astype(str).to_dict()
    successor = dict(
        zip(succession["old_code"].astype(str), succession["new_code"].astype(str), strict=False)
    )

    def today(code: str) -> str:
        seen = set()
        while code in successor and code not in seen:
            seen.add(code)
            code = successor[code]
        return code

    current = regions[(regions["kind"] == "municipality") & regions["valid_to"].isna()]
    earlier: dict[str, set[str]] = {str(c): set() for c in current["code"]}
    for old in succession["old_code"].astype(str):
        now = today(old)
        if now in earlier and old in names and names[old] != names.get(now):
            earlier[now].add(names[old])
    return sorted(
        (Choice(str(r.code), str(r.name), tuple(sorted(earlier[str(r.code)]))) for r in current.itertuples()),
        key=lambda c: c.name,
    )


def sector_view(session: Session, result: SectorAnalysis) -> dict[str, Any]:
    """The sector page's charts, their legends and its pickers, for the template: one
    service profile chart per profile, the series as small charts, and the colours the
    same in all of them."""
    own, group = result.municipality.short_name, result.group.name
    peers = [p.short_name for p in result.peers]
    colours = colours_for(own, group, peers)
    profiles = []
    for profile in result.sector.profiles:
        part = result.profile[result.profile["profile"] == profile.id]
        if len(part):
            profiles.append((profile.name_nb, profile_chart(part, own, group, result.peer_index, colours)))
    # A legend names what is drawn: a compared municipality without figures (an earlier
    # one, say) keeps its colour but has no entry.
    index = result.peer_index
    drawn = set(index.loc[index["index"].notna(), "peer"]) if index is not None and len(index) else set()
    lines = set(result.series.loc[result.series["value"].notna(), "series"])
    series_legend = [LegendItem("line", slot, name) for name, (slot, _) in colours.items() if name in lines]
    listed = choices(session.regions, session.succession)
    known = {c.code for c in listed}
    # a municipality compared by a name it had before a merger stays chosen in the picker
    earlier = [
        Choice(p.code, f"{p.name} (tidligere kommune)", ()) for p in result.peers if p.code not in known
    ]
    return {
        "peers": peers,
        "profile_charts": profiles,
        "profile_legend": profile_legend(own, group, [p for p in peers if p in drawn], colours),
        "series_charts": series_charts(result.series, result.profile, colours),
        "series_legend": series_legend,
        "choices": earlier + listed,
        "chosen": {p.code for p in result.peers},
        "groups": group_options(session, result.municipality.code, result.year),
    }
