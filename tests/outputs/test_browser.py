"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the
real server (uvicorn) started by ``kostra serve`` on 127.0.0.1. Screenshots are kept
in test-artifacts/ for review.

The site's content security policy allows no inline script, no inline style and no eval;
every test fails on a policy violation or a script error the browser reports (console
messages and ``securitypolicyviolation`` events are recorded for the whole session)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

from running import kostra_serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("serve") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db) as (base, _):
        yield base


# Runs before any page script (Playwright injects it outside the page's policy): every
# violation of the content security policy is kept where the tests can read it.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") +
                           " " + (event.sourceFile || "") + ":" + (event.lineNumber || 0));
});
"""


KNOWN = (
    "the server responded with a status of",  # a refused page's own 404/422/429
    # The report's chart specs say Vega-Lite v5; the bundle is v6, which draws them alike.
    "The input spec uses Vega-Lite v5, but the current version of Vega-Lite is v6",
)


class Problems:
    """What the browser complained about: console errors and warnings, script errors."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.seen.append(f"console {message.type}: {message.text}")

    def error(self, error: Exception) -> None:
        self.seen.append(f"page error: {error}")


@pytest.fixture(scope="module")
def problems() -> Problems:
    return Problems()


@pytest.fixture(scope="module")
def page(problems: Problems) -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (.ci/run installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
        context.add_init_script(RECORD_VIOLATIONS)
        opened = context.new_page()
        opened.on("console", problems.console)
        opened.on("pageerror", problems.error)
        yield opened
        context.close()
        browser.close()


@pytest.fixture(autouse=True)
def no_complaints(page: Page, problems: Problems) -> Iterator[None]:
    """Each test ends with no policy violation and no script error or warning in the browser
    but the KNOWN ones."""
    problems.seen.clear()
    yield
    violations = page.evaluate("window.__violations || []")
    complaints = [p for p in problems.seen if not any(known in p for known in KNOWN)]
    assert not violations, violations
    assert not complaints, complaints


def test_pick_compare_follow_and_download(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.fill("#kommune", "Bærum")
    page.select_option("#sektor", "pleie-og-omsorg")
    page.click("button[type=submit]")
    page.wait_for_url("**/kommune/3201/pleie-og-omsorg")
    page.wait_for_selector("#chart-1 svg")
    assert "1\u00a0552\u00a0889" in page.inner_text("table.profile")
    page.screenshot(path=str(ARTIFACTS / "sector-baerum.png"), full_page=True)

    page.fill("#compare-search", "Oslo")  # Asker is chosen already
    page.press("#compare-search", "Enter")  # picks the match
    page.click("form.compare button[type=submit]")
    page.wait_for_url("**compare=3203&compare=0301**")
    page.wait_for_selector("#chart-1 svg")
    assert "Oslo har" in page.inner_text("ul.comments")
    assert "Oslo" in page.inner_text("figure.profile-chart ul.legend")  # the legend of the peer markers
    page.screenshot(path=str(ARTIFACTS / "sector-baerum-asker-oslo.png"), full_page=True)

    page.click("table.profile a >> nth=1")
    page.wait_for_selector("#fordeling svg")
    marked = page.locator("tr.marked td:nth-child(2)").all_inner_texts()
    assert {"Bærum", "Asker"} <= set(marked) and any(m.startswith("Oslo") for m in marked)
    page.screenshot(path=str(ARTIFACTS / "indicator.png"), full_page=True)

    page.go_back()
    with page.expect_download() as download_info:
        page.click("a[href^='/api/profile.csv']")
    target = tmp_path / "profil.csv"
    download_info.value.save_as(str(target))
    text = target.read_text("utf-8-sig")  # for Norwegian Excel: a BOM, ";" and ","
    assert text.startswith("Indikator-ID;") and ";1552889;" in text


def test_ranking_page_explains_a_placement(server: str, page: Page) -> None:
    page.goto(server + "/")
    page.click("header a.nav")
    page.wait_for_url("**/rangering")
    page.select_option("select[name=sektor]", "grunnskole")
    page.fill("input[name=kommune]", "Bærum")
    page.click("form button[type=submit]")
    page.wait_for_url("**sektor=grunnskole**")
    explanation = page.inner_text("#forklaring")
    assert "Bærum: plass" in explanation and "av 357" in explanation
    assert page.locator("#forklaring tbody tr").count() >= 3  # one row per key figure
    assert page.locator("#rangering tbody tr").count() == 357
    page.screenshot(path=str(ARTIFACTS / "ranking.png"), full_page=True)


def test_a_refused_page_explains_and_leads_back(server: str, page: Page) -> None:
    response = page.goto(server + "/kommune/3201/grunnskole?year=2030")
    assert response is not None and response.status == 404
    assert page.inner_text(".error-message") == (
        "kostra har ikke tall for 2030 (grunnskole); kostra har tall for 2015–2024"
    )
    page.screenshot(path=str(ARTIFACTS / "error-year.png"), full_page=True)
    page.click("a.back")
    page.wait_for_url(server + "/")
    # The start page's form with no service area chosen: the overview, not an error.
    page.fill("#kommune", "Utsira")
    page.click("button[type=submit]")
    page.wait_for_url("**/kommune/1151")
    assert page.inner_text(".demodata").startswith("DEMODATA:")
    assert "Grunnskole" in page.inner_text("table.overview")
    page.screenshot(path=str(ARTIFACTS / "overview-utsira.png"), full_page=True)


def test_charts_draw_under_the_strict_policy(server: str, page: Page) -> None:
    """Every chart draws with the policy that allows no inline script, style or eval: the
    specs are JSON data blocks, Vega's expressions run in vega-embed's interpreter, and the
    tooltip is styled from app.css."""
    response = page.goto(server + "/kommune/3201/barnehage?year=2024&compare=Asker,Oslo")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "unsafe" not in policy
    charts = page.locator("div.chart[data-spec]")
    count = charts.count()
    assert count >= 2
    for i in range(count):
        charts.nth(i).locator("svg").wait_for()
        assert charts.nth(i).locator("svg path, svg rect, svg line").count() > 0
    page.goto(server + "/indikator/plo_sykefravaer?year=2024&highlight=3201,Asker")
    page.wait_for_selector("#fordeling svg")
    # One rule per marked municipality.
    assert page.locator("#fordeling svg g.mark-rule.role-mark line").count() == 2
    page.locator("#fordeling svg g.mark-rule.role-mark line").first.hover(force=True)
    page.wait_for_selector("#vg-tooltip-element.visible")
    assert "Bærum" in page.inner_text("#vg-tooltip-element") or "Asker" in page.inner_text(
        "#vg-tooltip-element"
    )
    # The table sorts from app.js (no inline handler).
    page.click("#kommuner th button[data-column='2']")  # by value, lowest first
    first = page.locator("#kommuner tbody tr").first
    values = page.locator("#kommuner tbody td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.value).filter(v => v !== '').map(Number)"
    )
    assert float(first.locator("td:nth-child(3)").get_attribute("data-value") or "nan") == min(values)
    page.click("#kommuner th button[data-column='0']")  # by place: 1 first
    assert page.locator("#kommuner tbody tr").first.locator("td:nth-child(1)").inner_text() == "1"
    page.screenshot(path=str(ARTIFACTS / "indicator-strict-csp.png"), full_page=True)


# The x axis of the indicator page's histogram and the marks over it, as drawn: each
# axis label's anchor (its centre) and number, each rule's x and the name in its
# aria-label, in the SVG's coordinates (getCTM: every enclosing group's offset included).
READ_MARKS = """
() => {
  const axis = document.querySelector('#fordeling g.role-axis[aria-label^="X-axis"]');
  const labels = Array.from(axis.querySelectorAll('g.role-axis-label text')).map(t => ({
    x: t.getCTM().e, text: t.textContent}));
  const rules = Array.from(document.querySelectorAll('#fordeling g.mark-rule.role-mark line')).map(l => ({
    x: l.getCTM().e, label: l.getAttribute('aria-label'),
    stroke: l.getAttribute('stroke')}));
  const names = Array.from(document.querySelectorAll('#fordeling g.mark-text.role-mark text')).map(t => ({
    x: t.getCTM().e, text: t.textContent}));
  const axes = Array.from(document.querySelectorAll('#fordeling g.role-axis[aria-label]'))
    .map(g => g.getAttribute('aria-label'));
  return {labels, rules, names, axes};
}
"""


def _number(text: str) -> float:
    """A Norwegian number as drawn: "1\u00a0552\u00a0889", "12,5", "\u221242"."""
    return float(text.replace("\u00a0", "").replace("\u2212", "-").replace(",", "."))


@pytest.mark.parametrize(
    ("indicator", "chosen"),
    [
        ("plo_inst_brutto_per_plass", ["Bærum", "Asker", "Oslo"]),  # kroner, near 1,55 mill.
        ("gs_gruppestorrelse", ["Utsira", "Bærum"]),  # one decimal, a small municipality
    ],
)
def test_indicator_marks_stand_at_their_values(
    server: str, page: Page, indicator: str, chosen: list[str]
) -> None:
    """Each chosen municipality's rule is drawn where the x axis puts its value: the axis
    labels' positions and numbers give the scale (x = a + b·value), and the value is the
    table's. The issue's bug drew Bærum's 1 552 889 kroner at about 1,95 mill."""
    page.goto(f"{server}/indikator/{indicator}?year=2024&highlight={','.join(chosen)}")
    page.wait_for_selector("#fordeling svg g.mark-rule.role-mark line", state="attached")  # a line: no area
    drawn = page.evaluate(READ_MARKS)
    assert len(drawn["axes"]) == 2 and not any("verdi" in a for a in drawn["axes"]), drawn["axes"]
    labels = drawn["labels"]
    assert len(labels) >= 3
    assert all(re.fullmatch(r"\d{1,3}(\u00a0\d{3})*(,\d+)?", label["text"]) for label in labels), labels
    (x0, v0), (x1, v1) = (
        (labels[0]["x"], _number(labels[0]["text"])),
        (labels[-1]["x"], _number(labels[-1]["text"])),
    )
    pixels_per_unit = (x1 - x0) / (v1 - v0)
    values = {}
    for row in page.locator("#kommuner tbody tr.marked").all():
        name = row.locator("td:nth-child(2)").inner_text()
        values[name.split(" - ")[0]] = row.locator("td:nth-child(3)").get_attribute("data-value")
    assert set(values) == set(chosen)
    rules = {r["label"].split("Kommune: ")[1].split(";")[0].split(" - ")[0]: r for r in drawn["rules"]}
    assert set(rules) == {n for n in chosen if values[n]}  # a municipality without a figure has no mark
    for name, rule in rules.items():
        value = float(values[name] or "nan")
        expected = x0 + (value - v0) * pixels_per_unit
        assert abs(rule["x"] - expected) < 1.0, (name, value, rule["x"], expected)
        named = [n for n in drawn["names"] if name in n["text"]]
        assert len(named) == 1 and abs(named[0]["x"] - rule["x"]) <= 5, (name, named)  # named at its mark
    assert len({r["stroke"] for r in drawn["rules"]}) == len(drawn["rules"])  # a colour each
    page.locator("#fordeling").screenshot(path=str(ARTIFACTS / f"indicator-marks-{indicator}.png"))


def test_forms_typed_in_part_or_left_empty(server: str, page: Page) -> None:
    """The start page's default path with the start of a name, a start several names share,
    and the ranking's form sent with its municipality field empty: pages, never JSON."""
    page.goto(server + "/")
    page.fill("#kommune", "Bæ")  # only Bærum begins so; "Alle – oversikt" left as it is
    page.click("button[type=submit]")
    page.wait_for_url("**/kommune/3201")
    assert page.inner_text("h1").startswith("Bærum") and page.inner_text(".demodata").startswith("DEMODATA:")
    page.goto(server + "/")
    page.fill("#kommune", "Ask")
    page.click("button[type=submit]")
    page.wait_for_selector(".candidates")
    page.click(".candidates a >> text=Askøy")
    page.wait_for_url("**/kommune/4627")
    page.goto(server + "/rangering")
    page.fill("input[name=kommune]", "")
    page.click("form button[type=submit]")
    page.wait_for_url("**/rangering?**")
    assert page.inner_text("h1").startswith("Rangering") and page.locator("#forklaring").count() == 0
    page.screenshot(path=str(ARTIFACTS / "ranking-empty-form.png"), full_page=True)
