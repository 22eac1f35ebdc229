"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the
real server (uvicorn) started by ``kostra serve`` on 127.0.0.1. Screenshots are kept
in test-artifacts/ for review."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("serve") / "kostra.duckdb"
    shutil.copy(template_store, db)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kostra", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "KOSTRA_HOME": str(db.parent)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/static/app.css", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (.ci/run installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def test_pick_compare_follow_and_download(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.fill("#kommune", "Bærum")
    page.select_option("#sektor", "pleie-og-omsorg")
    page.click("button[type=submit]")
    page.wait_for_url("**/kommune/3201/pleie-og-omsorg")
    page.wait_for_selector("#chart-1 svg")
    assert "1\u00a0552\u00a0889" in page.inner_text("table.profile")
    page.screenshot(path=str(ARTIFACTS / "sector-baerum.png"), full_page=True)

    page.fill("#compare", "Asker,Oslo")
    page.click("form.compare button[type=submit]")
    page.wait_for_url("**compare=Asker%2COslo**")
    page.wait_for_selector("#chart-1 svg")
    assert "Oslo har" in page.inner_text("ul.comments")
    assert "Oslo" in page.inner_text("#chart-1")  # the legend of the peer markers
    page.screenshot(path=str(ARTIFACTS / "sector-baerum-asker-oslo.png"), full_page=True)

    page.click("table.profile a >> nth=1")
    page.wait_for_selector("#fordeling svg")
    marked = page.locator("tr.marked td:first-child").all_inner_texts()
    assert {"Bærum", "Asker"} <= set(marked) and any(m.startswith("Oslo") for m in marked)
    page.screenshot(path=str(ARTIFACTS / "indicator.png"), full_page=True)

    page.go_back()
    with page.expect_download() as download_info:
        page.click("a[href^='/api/profile.csv']")
    target = tmp_path / "profil.csv"
    download_info.value.save_as(str(target))
    text = target.read_text("utf-8")
    assert text.startswith("indicator_id,") and "1552889" in text


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
