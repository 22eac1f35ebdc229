"""Shared fixtures: the published figures, and stores filled from the bundle.

Filling a store from the bundle takes a couple of seconds, so one template
store is built per test session and copied for every test that writes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

import kostra
from kostra.api import Session
from ssbfake import KLASS, PXWEB, FakeSSB, serve

# Property tests take their number of examples from here. A mutation run (make mutation sets
# KOSTRA_MUTATION) tries each test against thousands of mutants, so it tries fewer examples;
# the hand-computed tests beside them are the same in both.
settings.register_profile("kostra", max_examples=60, deadline=None)
settings.register_profile("mutation", max_examples=12, deadline=None)
settings.load_profile("mutation" if os.environ.get("KOSTRA_MUTATION") else "kostra")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def shared_data_dir() -> Path:
    """../shared/data beside the checkout (as in CI), or $KOSTRA_SHARED_DATA."""
    configured = os.environ.get("KOSTRA_SHARED_DATA")
    path = Path(configured) if configured else ROOT.parent / "shared" / "data"
    if not (path / "published").is_dir():
        raise RuntimeError(f"shared data not found at {path}; set KOSTRA_SHARED_DATA")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line (``python -m kostra``) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kostra", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli


@pytest.fixture
def fake_ssb(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSSB, str]]:
    """A stand-in for SSB's PxWebApi v2 and KLASS on 127.0.0.1 (see ssbfake.py)."""
    fake = FakeSSB()
    for base in serve(fake):
        monkeypatch.setenv("KOSTRA_SSB_URL", base + PXWEB)
        monkeypatch.setenv("KOSTRA_KLASS_URL", base + KLASS)
        yield fake, base


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def published(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "published" / "tjenesteprofil_pleie_og_omsorg_2024.csv", dtype={"value": str}
    )


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled dataset loaded into a store, once per test run.

    ``make mutation`` builds it once and names it in $KOSTRA_TEST_TEMPLATE_STORE, since
    mutmut runs the tests in a new process for each of thousands of mutants and loading
    the bundle (seconds) would then dominate the run.
    """
    path = tmp_path_factory.mktemp("template") / "kostra.duckdb"
    prebuilt = os.environ.get("KOSTRA_TEST_TEMPLATE_STORE")
    if prebuilt:
        shutil.copy(prebuilt, path)
    else:
        kostra.open(path).close()
    return path


@pytest.fixture(scope="session")
def session(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A read-mostly session shared by the tests that do not write."""
    path = tmp_path_factory.mktemp("shared") / "kostra.duckdb"
    shutil.copy(template_store, path)
    with kostra.open(path) as opened:
        yield opened


@pytest.fixture
def store_path(template_store: Path, tmp_path: Path) -> Path:
    """A private copy of the filled store for a test that writes."""
    path = tmp_path / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


@pytest.fixture
def fresh(store_path: Path) -> Iterator[Session]:
    with kostra.open(store_path) as opened:
        yield opened
