"""WCAG 2.1 AA on every page type, checked by axe-core in Debian's Chromium against the real
server (``kostra serve``), and every page usable at a phone's 375 px: no horizontal scroll.

Screenshots of every page type at 1400 px and 375 px are kept in test-artifacts/a11y/ for
review (the names say page, municipality and width)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from running import kostra_serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "a11y"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# axe-core's rule tags for WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Every page type, for Bærum (large, in ASSS) and Utsira (the smallest municipality).
PAGES = {
    "start": "/",
    "start-flere": "/velg?kommune=Ask",  # a start several names share: the start page lists them
    "oversikt-baerum": "/kommune/3201?year=2024",
    "oversikt-utsira": "/kommune/1151?year=2024&group=kostragruppe-16",
    "sektor-baerum": "/kommune/3201/pleie-og-omsorg?year=2024",
    "sektor-utsira": "/kommune/1151/grunnskole?year=2024",
    "sammenlign-baerum": "/kommune/3201/barnehage?year=2024&compare=3203&compare=0301&compare=Hurum",
    "sammenlign-utsira": "/kommune/1151/pleie-og-omsorg?year=2024&compare=Kvitsøy&compare=Bokn",
    "indikator-baerum": "/indikator/plo_inst_brutto_per_plass?year=2024&highlight=3201&highlight=Asker",
    "indikator-utsira": "/indikator/gs_gruppestorrelse?year=2024&highlight=1151",
    "rangering-baerum": "/rangering?sektor=grunnskole&kommune=B%C3%A6rum",
    "rangering-utsira": "/rangering?kommune=Utsira",
    "kart-indikator-baerum": "/kart/indikator/plo_inst_brutto_per_plass?year=2024&kommune=B%C3%A6rum",
    "kart-indikator-utsira": "/kart/indikator/gs_gruppestorrelse?year=2024&kommune=Utsira",
    "kart-ressursbruk-baerum": "/kart/ressursbruk/pleie-og-omsorg?year=2024&kommune=B%C3%A6rum&group=asss",
    "kart-ressursbruk-utsira": "/kart/ressursbruk/grunnskole?year=2024&kommune=Utsira&group=kostragruppe-16",
    "kart-rangering-baerum": "/kart/rangering?sektor=grunnskole&kommune=B%C3%A6rum",
    "kart-rangering-utsira": "/kart/rangering?kommune=Utsira",
    "feil": "/kommune/3201/grunnskole?year=2030",
}
WIDTHS = (1400, 375)


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("serve-a11y") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (.ci/run installs it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        opened = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield opened
        opened.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    yield context.new_page()
    context.close()


def _drawn(page: Page) -> None:
    """Wait until every chart on the page is drawn (app.js marks each when it is)."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-spec]')).every(c => c.dataset.drawn)"
    )


def _violations(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_fits_a_phone(server: str, page: Page, name: str) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation; at 375 px nothing scrolls sideways (a
    wide table scrolls inside its own box, not the page); the screenshot is kept."""
    response = page.goto(server + PAGES[name])
    assert response is not None and response.status == (404 if name == "feil" else 200)
    _drawn(page)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    assert page.get_attribute("html", "lang") == "nb"
    assert _violations(page) == []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls {overflow} px sideways at {width} px"


def test_keyboard_reaches_the_form_and_shows_focus(server: str, page: Page) -> None:
    """Tab from the top reaches the start page's name field, and the focused element has a
    visible outline (WCAG 2.4.7)."""
    page.goto(server + "/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "kommune":
            break
    assert page.evaluate("() => document.activeElement.id") == "kommune"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_compare_picker_by_keyboard_and_colours_kept(server: str, page: Page) -> None:
    """The searchable multi-select: an earlier name finds today's municipality (Hurum is
    in Asker), a number finds its municipality, arrow keys and Enter choose, the form
    sends the choices; each compared municipality's diamonds are drawn in its legend's
    colour, and its series line too."""
    page.goto(server + "/kommune/3201/barnehage?year=2024&compare=")
    search = page.locator("#compare-search")
    assert page.locator("label[for='compare-search']").count() == 1  # the label moved to the field
    search.fill("Hurum")
    assert page.inner_text("#compare-matches li") == "Asker (3203) – tidligere Hurum, Røyken"
    search.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == "compare-match-0"
    search.press("Enter")
    search.fill("0301")
    search.press("Enter")
    assert page.locator("button.chip").all_inner_texts() == [
        "Asker (3203) ×",
        "Oslo - Oslove (0301) ×",
    ]  # by name
    page.click("form.compare button[type=submit]")
    page.wait_for_url("**compare=3203&compare=0301**")
    _drawn(page)
    # Each legend swatch's colour is the colour its marks are drawn in.
    swatch = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('figure.profile-chart ul.legend li'))
             .map(li => [li.textContent, getComputedStyle(li.querySelector('.swatch')).color]))"""
    )
    diamonds = page.evaluate(
        "() => Array.from(new Set(Array.from(document.querySelectorAll('#chart-1 g.mark-symbol path'))"
        ".map(p => getComputedStyle(p).fill)))"
    )
    assert swatch["Asker"] != swatch["Oslo"]
    assert swatch["Asker"] in diamonds and swatch["Oslo"] in diamonds
    # Removing a chip takes it out of the form.
    page.click("button.chip >> nth=0")
    assert page.locator("button.chip").count() == 1
    assert page.eval_on_selector("#compare", "s => Array.from(s.selectedOptions).map(o => o.value)") == [
        "0301"
    ]
