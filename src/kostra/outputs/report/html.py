"""The report as one self-contained HTML file: styles, scripts and charts inline.

Interactive HTML embeds each chart's Vega-Lite spec with vega-embed, whose
JavaScript (vega, vega-lite, vega-embed) comes from the vl-convert package and
is inlined, so the file needs no network. Static HTML inlines the charts as SVG
instead; the print page the PDF is typeset from (:func:`render_print`) has an
empty box of each chart's size in its place, the chart being drawn to PDF apart
(see typeset.py).
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from platformdirs import user_cache_dir

from kostra.files import write_atomically
from kostra.outputs.report.charts import NB_LOCALE
from kostra.outputs.report.drawing import render_svg
from kostra.outputs.report.model import Report
from kostra.outputs.report.typeset import CHART_ATTRIBUTE

__all__ = ["chart_font_css", "render_html", "render_print", "vega_javascript"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("kostra.outputs.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def vega_javascript() -> str:
    """vega + vega-lite + vega-embed as one script, cached on disk (building it takes a second)."""
    import vl_convert as vlc

    version = f"{vlc.get_vega_version()}-{vlc.get_vega_embed_version()}"
    cache_file = Path(user_cache_dir("kostra", appauthor=False)) / f"vega-bundle-{version}.js"
    if cache_file.exists():
        return cache_file.read_text("utf-8")
    bundle: str = vlc.javascript_bundle()  # type: ignore[call-arg]  # the stub omits the default
    write_atomically(cache_file, bundle)
    return bundle


@cache
def chart_font_css() -> str:
    """@font-face rules for the charts' font, so the PDF draws chart text with the font
    (and so the widths) vl-convert laid it out with, whatever fonts the system has."""
    folder = resources.files("kostra.outputs.report").joinpath("fonts")
    rules = []
    for weight, name in (("normal", "Regular"), ("bold", "Bold")):
        uri = Path(str(folder.joinpath(f"LiberationSans-{name}.ttf"))).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "Liberation Sans"; font-weight: {weight}; src: url("{uri}"); }}'
        )
    return "\n".join(rules)


_SVG_ID = re.compile(r'(id="|url\(#)([^")]+)')
_LABELLED_SHAPE = re.compile(r'<path aria-label="([^"]*)"([^>]*)/>')


def _image(svg: str) -> str:
    """An SVG as an image, not inline markup: WeasyPrint lays it out much faster, and it
    stays vector graphics in the PDF."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="" src="data:image/svg+xml;base64,{data}">'


def _map_svg(spec: dict[str, Any], scope: str) -> str:
    """A map drawn ahead as SVG, coordinates rounded, its ids (a gradient legend's, clip paths)
    prefixed with ``scope`` so they cannot clash with the other charts' in the page."""
    svg = render_svg(spec, compact=True)
    return _SVG_ID.sub(lambda m: f"{m.group(1)}{scope}-{m.group(2)}", svg)


_SVG_START = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height|viewBox)="([^"]*)"')
# Sizes vl-convert can draw as PDF: Vega gives an empty chart the largest float as its width.
_DRAWABLE = (0.0, 100_000.0)


def _placeholder(svg: str, number: int) -> str | None:
    """An empty SVG image with ``svg``'s width, height and viewBox, so laid out in the same
    box, and marked with the chart's number; None if ``svg`` does not give its size, or gives
    one vl-convert cannot draw as PDF (an empty chart's): WeasyPrint draws such a chart."""
    start = _SVG_START.search(svg)
    size = _SIZE.findall(start.group(0)) if start else []
    found = dict(size)
    if len(size) != 3 or len(found) != 3:
        return None
    try:
        width, height = float(found["width"]), float(found["height"])
    except ValueError:
        return None
    low, high = _DRAWABLE
    if not (low < width < high and low < height < high):
        return None
    attributes = "".join(f' {name}="{value}"' for name, value in size)  # in the chart's order
    empty = f'<svg xmlns="http://www.w3.org/2000/svg"{attributes}></svg>'
    data = base64.b64encode(empty.encode("utf-8")).decode("ascii")
    return f'<img alt="" {CHART_ATTRIBUTE}="{number}" src="data:image/svg+xml;base64,{data}">'


def render_html(report: Report, *, interactive: bool = True) -> str:
    """The report as HTML: interactive (the HTML report), or static with the charts as SVG."""
    return _render(report, interactive=interactive)


def render_print(report: Report) -> tuple[str, list[str]]:
    """The page the PDF is typeset from, and its charts as SVG: each chart, numbered by its
    place in the list, is an empty box of its size in the page (typeset.py places it)."""
    charts: list[str] = []
    return _render(report, interactive=False, charts=charts), charts


def _render(report: Report, *, interactive: bool, charts: list[str] | None = None) -> str:
    """The HTML; ``charts``: given a list, the static charts are left out as placeholders
    (:func:`_placeholder`) and go in the list."""

    def static(svg: str) -> str:
        if charts is not None and (placeholder := _placeholder(svg, len(charts))) is not None:
            charts.append(svg)
            return placeholder
        return _image(svg)

    css = resources.files("kostra.outputs.report").joinpath("templates/report.css").read_text("utf-8")
    svgs: dict[str, str] = {}
    if not interactive:
        css = chart_font_css() + "\n" + css
    # The maps first: they were asked for early and are drawn by now, while the charts the
    # drawing process is still busy with are waited for below.
    maps = {
        f"{chapter.id}-map-{i}": _map_svg(spec, f"{chapter.id}-map-{i}")
        for chapter in report.chapters
        for i, (_, spec) in enumerate(chapter.maps, start=1)
    }
    for chapter in report.chapters:
        if not interactive:
            for i, (_, spec) in enumerate(chapter.charts, start=1):
                svgs[f"{chapter.id}-chart-{i}"] = static(render_svg(spec))
        for i in range(1, len(chapter.maps) + 1):
            map_id = f"{chapter.id}-map-{i}"
            svg = maps[map_id]
            # Maps go in drawn, not as a spec for the browser to draw: the page stays
            # readable without JavaScript, and carries the map (about 0.4 MB) rather than
            # the boundaries (0.5 MB) plus the drawing work.
            if interactive:
                # Each municipality's name and figure as the browser's tooltip, too.
                svg = _LABELLED_SHAPE.sub(r'<path aria-label="\1"\2><title>\1</title></path>', svg)
            svgs[map_id] = f'<div class="map">{svg}</div>' if interactive else static(svg)

    template = _environment().get_template("report.html.j2")
    # The bundle goes inside <script>: it must not be escaped, and must not end the element early.
    script = Markup(vega_javascript().replace("</script", "<\\/script")) if interactive else ""
    return template.render(
        report=report, css=Markup(css), interactive=interactive, locale=NB_LOCALE, vega_js=script, svgs=svgs
    )
