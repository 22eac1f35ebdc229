"""The overview (issue #16, item 2) and the sector page's comparison (item 4): the pieces
pinned to hand-made examples, and the pages in-process.

- over/under the group average on both sides of each boundary (100,5 and 99,5);
- one colour per municipality in every chart of the page, each chart's legend naming
  every mark (ticks and dots included), indicator names wrapped, never cut;
- the picker lists today's municipalities with their earlier names, works as a plain
  form (``compare`` repeated), and an emptied picker means no comparison.

How it looks, axe-core and the 375 px check are in test_web_a11y.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kostra.outputs.web import create_app
from kostra.outputs.web.compare import (
    OWN,
    PEER_COLOURS,
    choices,
    colours_for,
    profile_chart,
    profile_legend,
    series_charts,
    wrap,
)
from kostra.outputs.web.overview import common_domain, small_profile
from outputs.test_web import Client


@pytest.fixture(scope="module")
def client(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Client:
    db = tmp_path_factory.mktemp("overview") / "kostra.duckdb"
    shutil.copy(template_store, db)
    return Client(create_app(db, rate=1_000_000))


def _specs(html: str) -> dict[str, dict[str, Any]]:
    """Every chart spec of a page, by its element's id."""
    found = re.findall(r'<script type="application/json" id="([\w-]+)-spec">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


# -- the pieces --------------------------------------------------------------------------


def test_small_profile_sides_each_boundary() -> None:
    # Over means an index shown as 101 or more (> 100,5), under 99 or less (< 99,5);
    # 100,5 and 99,5 themselves are "på" snittet; a missing index has no bar.
    profile = pd.DataFrame(
        {"indicator": ["a", "b", "c", "d", "e"], "index": [100.6, 100.5, 99.5, 99.4, float("nan")]}
    )
    spec = small_profile(profile, "Bærum", "ASSS")
    rows = spec["data"]["values"]
    assert [(r["indikator"], r["side"]) for r in rows] == [
        ("a", "over"),
        ("b", "på"),
        ("c", "på"),
        ("d", "under"),
    ]
    assert all(r["null"] == 100 for r in rows)  # each bar runs from 100 to its index
    bar = spec["layer"][0]["encoding"]
    assert bar["x2"] == {"field": "null"} and bar["x"]["title"] == "Indeks (ASSS = 100)"
    assert spec["layer"][1]["encoding"]["x"] == {"datum": 100}


def test_one_colour_per_municipality_for_the_whole_page() -> None:
    colours = colours_for("Bærum", "ASSS", ["Asker", "Oslo"])
    assert colours == {
        "Bærum": ("own", OWN),
        "ASSS": ("group", "#4d4d4d"),
        "Asker": ("peer-0", PEER_COLOURS[0]),
        "Oslo": ("peer-1", PEER_COLOURS[1]),
    }
    # The order chosen gives the colour: Oslo first takes the first peer colour.
    assert colours_for("Bærum", "ASSS", ["Oslo", "Asker"])["Oslo"] == ("peer-0", PEER_COLOURS[0])


def test_wrap_keeps_every_word() -> None:
    name = "Gjennomsnittlig bistandsbehov hos mottakere av hjemmetjenester"
    # 36 characters a line: "Gjennomsnittlig bistandsbehov hos" (33; adding " mottakere" makes 43),
    # then "mottakere av hjemmetjenester" (28).
    assert wrap(name, 36) == "Gjennomsnittlig bistandsbehov hos\nmottakere av hjemmetjenester"
    assert wrap("Kort", 36) == "Kort"


def _profile() -> tuple[pd.DataFrame, pd.DataFrame]:
    long = "Gjennomsnittlig bistandsbehov hos mottakere av hjemmetjenester"
    part = pd.DataFrame(
        {
            "indicator_id": ["x", "y"],
            "indicator": [long, "Kort"],
            "index": [104.0, 96.0],
            "index_highest": [130.0, 120.0],
            "index_lowest": [80.0, 70.0],
            "index_previous": [101.0, float("nan")],
        }
    )
    peers = pd.DataFrame(
        {"indicator_id": ["x", "y", "x"], "peer": ["Asker", "Asker", "Oslo"], "index": [90.0, 110.0, 95.0]}
    )
    return part, peers


def test_profile_chart_names_in_full_and_peers_in_their_colours() -> None:
    part, peers = _profile()
    colours = colours_for("Bærum", "ASSS", ["Asker", "Oslo"])
    spec = profile_chart(part, "Bærum", "ASSS", peers, colours)
    rows = spec["data"]["values"]
    assert rows[0]["navn"] == part["indicator"][0]  # the tooltip's full name
    assert rows[0]["indikator"] == wrap(part["indicator"][0])  # the name over the bars: wrapped, not cut
    assert "…" not in json.dumps(spec, ensure_ascii=False)
    [names] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert names["encoding"]["text"] == {"field": "indikator"} and names["mark"]["lineBreak"] == "\n"
    assert "limit" not in names["mark"]  # Vega's text limit 0: never cut
    # The long name wraps to 2 lines of 13 px: bands of 2 · 13 + 14 + 10 = 50 px, 2 rows = 100;
    # the marks sit 2 · 13 / 2 - 1 = 12 px under the band's middle, under the name.
    assert spec["height"] == 100
    assert spec["layer"][0]["mark"]["yOffset"] == 12 and spec["layer"][-1]["mark"]["yOffset"] == 12
    diamonds = spec["layer"][-1]
    scale = diamonds["encoding"]["color"]["scale"]
    assert scale == {"domain": ["Asker", "Oslo"], "range": [PEER_COLOURS[0], PEER_COLOURS[1]]}
    assert diamonds["encoding"]["color"]["legend"] is None  # named in the HTML legend
    # Oslo has no figure for y: 3 diamonds; Asker's y is at 110.
    assert [(d["kommune"], d["navn"], d["indeks"]) for d in diamonds["data"]["values"]][1] == (
        "Asker",
        "Kort",
        110.0,
    )
    assert len(diamonds["data"]["values"]) == 3


def test_the_legend_names_every_mark() -> None:
    colours = colours_for("Bærum", "ASSS", ["Asker", "Oslo"])
    legend = profile_legend("Bærum", "ASSS", ["Asker", "Oslo"], colours)
    assert [(i.shape, i.slot, i.text) for i in legend] == [
        ("bar", "own", "Bærum (indeks)"),
        ("tick", "marker", "Høyest og lavest i ASSS"),
        ("dot", "marker", "Bærum året før"),
        ("rule", "average", "Snittet for ASSS (100)"),
        ("diamond", "peer-0", "Asker"),
        ("diamond", "peer-1", "Oslo"),
    ]
    # The chart draws exactly these marks: bar, two ticks, a dot, the rule, (the names,) diamonds.
    part, peers = _profile()
    spec = profile_chart(part, "Bærum", "ASSS", peers, colours)
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "bar",
        "tick",
        "tick",
        "point",
        "rule",
        "text",
        "point",
    ]


def test_series_charts_use_the_page_colours() -> None:
    series = pd.DataFrame(
        {
            "indicator_id": ["x"] * 6,
            "series": ["ASSS", "ASSS", "Oslo", "Oslo", "Bærum", "Bærum"],
            "year": [2023, 2024] * 3,
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, float("nan")],
            "adjusted": [False] * 6,
        }
    )
    profile = pd.DataFrame({"indicator_id": ["x"], "indicator": ["Noe"], "unit": ["prosent"]})
    colours = colours_for("Bærum", "ASSS", ["Asker", "Oslo"])
    [(title, spec)] = series_charts(series, profile, colours)
    assert title == "Noe (prosent)"
    # Asker has no series here: the scale lists who is drawn, each in the page's colour.
    assert spec["encoding"]["color"]["scale"] == {
        "domain": ["Bærum", "ASSS", "Oslo"],
        "range": [OWN, "#4d4d4d", PEER_COLOURS[1]],
    }
    assert len(spec["data"]["values"]) == 5  # the missing 2024 value is left out


def test_choices_carry_earlier_names_through_every_step() -> None:
    regions = pd.DataFrame(
        {
            "code": ["0001", "0002", "0003", "0004", "0005", "0006", "0007"],
            "name": ["Gamle", "Sammen", "Ny", "Sammen", "Første", "Mellom", "Siste"],
            "kind": ["municipality"] * 7,
            "valid_to": [2019, 2019, pd.NA, pd.NA, 2010, 2019, pd.NA],
        }
    )
    succession = pd.DataFrame(
        {
            "old_code": ["0001", "0002", "0005", "0006"],
            "new_code": ["0003", "0004", "0006", "0007"],
            "year": [2020, 2020, 2011, 2020],
            "kind": ["merged", "renumbered", "merged", "merged"],
        }
    )
    found = {c.code: (c.name, c.earlier, c.label) for c in choices(regions, succession)}
    assert found == {
        "0003": ("Ny", ("Gamle",), "Ny (0003)"),
        "0004": ("Sammen", (), "Sammen (0004)"),  # a new number, the same name: nothing earlier
        "0007": ("Siste", ("Første", "Mellom"), "Siste (0007)"),  # 0005 -> 0006 -> 0007
    }


# -- the pages ---------------------------------------------------------------------------


def test_overview_shows_a_chart_per_service_area_with_pickers(client: Client) -> None:
    page = client.get("/kommune/3201", params={"year": 2023, "group": "eka32"})
    assert page.status_code == 200
    html = page.text
    assert '<option value="2023" selected>2023</option>' in html
    assert '<option value="eka32" selected>Akershus (kommunens egen)</option>' in html
    for section in ("Nettverk", "KOSTRA-grupper", "Fylker", "Landet"):
        assert f'<optgroup label="{section}">' in html
    specs = _specs(html)
    assert "profil-grunnskole" in specs and "profil-pleie-og-omsorg" in specs
    assert specs["profil-grunnskole"]["layer"][0]["encoding"]["x"]["title"] == "Indeks (Akershus = 100)"
    # Every card on one scale.
    scales = {json.dumps(spec["layer"][0]["encoding"]["x"]["scale"]) for spec in specs.values()}
    [scale] = scales
    assert json.loads(scale)["domain"][0] <= 100 <= json.loads(scale)["domain"][1]
    # The links keep year and group.
    assert 'href="/kommune/3201/grunnskole?year=2023&amp;group=eka32"' in html
    # The card's counts are the chart's: bars over and under.
    rows = specs["profil-grunnskole"]["data"]["values"]
    over, under = sum(r["side"] == "over" for r in rows), sum(r["side"] == "under" for r in rows)
    card = html.split('id="profil-grunnskole-h"')[1].split("</section>")[0]
    assert f"<strong>{over}</strong> over og <strong>{under}</strong> under snittet" in card
    assert 'role="img" aria-label="Tjenesteprofil for grunnskole' in card  # the text alternative
    assert "DEMODATA" in html


def test_sector_compare_as_a_plain_form(client: Client) -> None:
    # The <select multiple> sends compare once per municipality; Hurum is an earlier name.
    page = client.get(
        "/kommune/3201/barnehage",
        params=[("year", "2024"), ("compare", ""), ("compare", "3203"), ("compare", "Hurum")],
    )
    assert page.status_code == 200
    html = page.text
    assert (
        '<option value="3203" selected data-earlier="Hurum, Røyken">'
        "Asker (3203) – tidligere Hurum, Røyken</option>" in html
    )
    assert re.search(r'<option value="0628" selected>Hurum \(tidligere kommune\) \(0628\)</option>', html)
    assert '<input type="hidden" name="compare" value="">' in html  # an emptied picker is sent
    specs = _specs(html)
    # Asker in the same colour in every chart that draws it.
    seen = set()
    for spec in specs.values():
        for layer in spec.get("layer", [spec]):
            colour = layer.get("encoding", {}).get("color", {}).get("scale")
            if colour and "Asker" in colour["domain"]:
                seen.add(colour["range"][colour["domain"].index("Asker")])
    assert seen == {PEER_COLOURS[0]}
    legend = html.split('<ul class="legend"')[1].split("</ul>")[0]
    assert "slot-marker" in legend and "Høyest og lavest i ASSS" in legend and "slot-peer-0" in legend
    # Hurum has no figures for 2024: it keeps a colour but no legend entry (nothing is drawn).
    assert "Hurum" not in legend and ">Asker</li>" in legend


def test_an_emptied_picker_compares_with_none(client: Client) -> None:
    html = client.get("/kommune/3201/barnehage", params=[("year", "2024"), ("compare", "")]).text
    specs = _specs(html)
    assert all(
        layer["mark"]["type"] != "point" or "shape" not in layer["mark"]
        for layer in specs["chart-1"]["layer"]
    )
    assert "selected data-earlier" not in html and "Asker (3203) –" not in html


def test_one_scale_for_every_card() -> None:
    # Lowest 80, highest 130 over all cards: the scale runs 80–130 with 100 inside.
    assert common_domain([95.0, 130.0, 80.0, float("nan")]) == [80.0, 130.0]
    # All over the average: the scale still starts at 100, where the bars start.
    assert common_domain([104.0, 120.0]) == [100.0, 120.0]
    # Held within 50–200: 20 and 350 are drawn at the edges.
    assert common_domain([20.0, 350.0]) == [50.0, 200.0]
    spec = small_profile(pd.DataFrame({"indicator": ["a"], "index": [120.0]}), "Bærum", "ASSS", [80.0, 130.0])
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {
        "domain": [80.0, 130.0],
        "clamp": True,
        "nice": False,
    }
