"""What a new user hits first (issue #11), each reproduced: one line in bokmål and the right
exit code (2 for what was typed, 1 for the rest), never a traceback."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import kostra
from clichecks import assert_one_bokmal_line
from kostra.outputs.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("errors") / "kostra.duckdb"
    shutil.copy(template_store, path)
    return path


def kostra_cli(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), *args])


def test_the_readme_analyse_example_runs(cli, db: Path) -> None:
    # Crashed with UnboundLocalError: pleie og omsorg is the one area with several profiles.
    result = cli("--db", str(db), "analyse", "Bærum", "--sector", "pleie-og-omsorg", "--year", "2024")
    assert result.returncode == 0, result.stderr
    for profile in ("Alle aldre", "0–66 år", "67 år og eldre", "Tjenester til utviklingshemmede"):
        assert profile in result.stdout
    assert "DEMODATA" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["profile", "Bærum", "--sector", "befolkning"],
        ["analyse", "Bærum", "--sector", "befolkning"],
        ["dea", "--sector", "befolkning"],
        ["rank", "--sector", "befolkning"],
        ["report", "Bærum", "--sectors", "befolkning"],
    ],
)
def test_basis_figures_are_no_service_area(db: Path, args: list[str]) -> None:
    # befolkning is a catalog sector of basis figures (weights, denominators), not a chapter.
    line = assert_one_bokmal_line(kostra_cli(db, *args), 2)
    assert "befolkning er ikke et tjenesteområde" in line and "pleie-og-omsorg" in line


def test_report_to_a_folder_that_cannot_be_made(db: Path) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, "report", "Bærum", "--out", "/proc/x"), 1)
    assert "kan ikke skrive rapporter til /proc/x" in line


def test_report_to_an_existing_file(db: Path, tmp_path: Path) -> None:
    existing = tmp_path / "rapport.txt"
    existing.write_text("mine\n", encoding="utf-8")
    line = assert_one_bokmal_line(kostra_cli(db, "report", "Bærum", "--out", str(existing)), 1)
    assert "er en fil, ikke en mappe" in line
    assert existing.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("port", ["80000", "0", "-1", "http"])
def test_serve_on_a_port_that_does_not_exist(db: Path, port: str) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, "serve", "--port", port), 2)
    assert "--port" in line


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_serve_on_a_port_in_use(db: Path, busy_port: int) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, "serve", "--port", str(busy_port)), 2)
    assert f"127.0.0.1:{busy_port}" in line and "allerede i bruk" in line


def test_serve_on_an_unknown_host(db: Path) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, "serve", "--host", "no-such-host.invalid"), 2)
    assert "ukjent adresse" in line


def test_a_store_in_a_folder_that_cannot_be_made() -> None:
    line = assert_one_bokmal_line(
        runner.invoke(app, ["--db", "/proc/kostra/k.duckdb", "profile", "Bærum", "-s", "plo"]), 1
    )
    assert "kan ikke lage mappen /proc/kostra" in line


def test_a_store_that_is_not_a_duckdb_file(tmp_path: Path) -> None:
    not_a_store = tmp_path / "kostra.duckdb"
    not_a_store.write_text("dette er ikke en database\n", encoding="utf-8")
    line = assert_one_bokmal_line(
        runner.invoke(app, ["--db", str(not_a_store), "profile", "Bærum", "-s", "plo"]), 1
    )
    assert "kan ikke åpne datalageret" in line
    assert not_a_store.read_text(encoding="utf-8") == "dette er ikke en database\n"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\x7fELF\x02\x01\x01\x00\xd0\xff\xfe" * 40, "UTF-8"),
        (b"- municipality\n- year\n", "YAML-tabell"),
        (b"municipality: [\n", "ikke gyldig YAML"),
        ("municipality: Bærum\nyear: tjue\n".encode(), "year"),
        ("municipality: Bærum\ncolour: blue\n".encode(), "colour"),
    ],
)
def test_a_report_config_that_is_not_one(db: Path, tmp_path: Path, content: bytes, needle: str) -> None:
    config = tmp_path / "rapport.yaml"
    config.write_bytes(content)
    line = assert_one_bokmal_line(kostra_cli(db, "report", "--config", str(config)), 1)
    assert str(config) in line and needle in line


def test_dea_says_who_is_left_out_and_why(db: Path) -> None:
    # Bærum has no published figure for the share 80+ in round-the-clock care (".." in 2024):
    # it cannot be placed, and it used to vanish from the list without a word.
    table = kostra_cli(db, "dea", "--sector", "pleie-og-omsorg", "--year", "2024")
    assert table.exit_code == 0, table.output
    assert "av 357 kommuner" in table.stdout
    words = " ".join(table.stdout.split())
    assert "Ikke med fordi tall mangler (" in words
    assert "Bærum (mangler Andel innbyggere 80 år+" in words
    listed = kostra_cli(db, "dea", "--sector", "pleie-og-omsorg", "--year", "2024", "-f", "csv")
    rows = listed.stdout.strip().splitlines()
    assert len(rows) == 1 + 357
    baerum = next(r for r in rows if r.startswith("3201,"))
    assert baerum.startswith("3201,,") and "80 år+" in baerum


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["profil", "Bærum"], "ukjent kommando 'profil'"),
        (["profile", "Bærum", "-s", "plo", "--frmat", "csv"], "ukjent valg --frmat"),
        (["profile", "Bærum", "-s", "plo", "-y", "tjue"], "må være et heltall"),
        (["profile", "Bærum", "-s", "plo", "-f", "xml"], "'xml' er ikke ett av"),
        (["profile", "-s", "plo"], "mangler"),
        (["profile", "Bærum", "-s"], "trenger en verdi"),
        (["rank", "--rule", "median"], "'median' er ikke ett av"),
        (["profile", "Atlantis", "-s", "plo"], "fant ingen kommune"),
        (["profile", "Bærum", "-s", "romfart"], "ukjent tjenesteområde 'romfart'"),
        (["profile", "Bærum", "-s", "plo", "-p", "90+"], "har ingen profil '90+'"),
        (["profile", "Bærum", "-s", "plo", "-g", "naboene"], "naboene"),
        (["report", "Bærum", "--format", "odt"], "ukjent format 'odt'"),
        (["report"], "oppgi en kommune"),
        (["data", "import", "--indicator", "nei", "/dev/null"], ""),
    ],
)
def test_usage_errors_are_one_bokmal_line_and_exit_2(db: Path, args: list[str], needle: str) -> None:
    result = kostra_cli(db, *args)
    if args[:2] == ["data", "import"]:  # a file problem, not a usage problem
        assert_one_bokmal_line(result, result.exit_code)
        return
    line = assert_one_bokmal_line(result, 2)
    assert needle in line


def test_an_unexpected_error_is_one_line_and_the_traceback_only_with_debug(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in kostra")

    monkeypatch.setattr(kostra.api.Session, "profile", broken)
    line = assert_one_bokmal_line(kostra_cli(db, "profile", "Bærum", "-s", "plo"), 1, english_ok=True)
    assert "uventet feil" in line and "--debug" in line
    debug = runner.invoke(app, ["--db", str(db), "--debug", "profile", "Bærum", "-s", "plo"])
    assert isinstance(debug.exception, RuntimeError)


def test_ctrl_c_ends_quietly_with_exit_130(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(kostra.api.Session, "profile", interrupted)
    result = kostra_cli(db, "profile", "Bærum", "-s", "plo")
    assert result.exit_code == 130 and "Traceback" not in result.output and not result.stdout.strip()


def test_the_real_entry_point_keeps_the_contract(cli, db: Path) -> None:
    # The installed `kostra` (python -m kostra), not just the in-process app.
    usage = cli("--db", str(db), "profile", "Bærum", "-s", "plo", "-y", "2030")
    assert usage.returncode == 2 and usage.stderr.strip().startswith("Feil: kostra har ikke tall for 2030")
    assert len(usage.stderr.strip().splitlines()) == 1
    failure = cli("--db", str(db), "report", "Bærum", "--out", "/proc/x")
    assert failure.returncode == 1 and "Traceback" not in failure.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_an_error_not_a_short_file(db: Path) -> None:
    # A small CSV stays in the buffer until the process ends: the command line ends its
    # process itself, and must still say when that last write fails (exit 1, one line).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    args = ["--db", str(db), "profile", "Bærum", "-s", "grunnskole", "-y", "2024", "--format", "csv"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "kostra", *args], stdout=full, stderr=subprocess.PIPE, text=True, env=env
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "Feil: utdataene ble ikke skrevet ferdig (disken er full)"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    # Into a pipe that is closed early (`| head`), nothing is said and nothing fails.
    head = subprocess.run(
        f"{sys.executable} -m kostra {' '.join(args)} | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert head.returncode == 0 and "Feil" not in head.stderr


def test_fixed_prices_stop_where_the_deflator_does(db: Path) -> None:
    # The catalog's deflator covers 2021-2024, so kroner from 2020 on can be put in 2023 prices:
    # the default five-year series is cut to that, and an explicit earlier start is refused.
    args = ["analyse", "Bærum", "-s", "barnehage", "--fixed-prices"]
    default = kostra_cli(db, *args, "-y", "2023", "-f", "csv")
    assert default.exit_code == 0, default.output
    years = {int(row["year"]) for row in csv.DictReader(io.StringIO(default.stdout))}
    assert years == {2020, 2021, 2022, 2023}
    line = assert_one_bokmal_line(kostra_cli(db, *args, "--from-year", "2018"), 2)
    assert "faste priser for 2020–2024" in line


@pytest.mark.parametrize(
    "args",
    [
        ["similar", "Akershus"],
        ["profile", "Akershus", "-s", "barnehage"],
        ["analyse", "Akershus", "-s", "barnehage"],
        ["analyse", "Bærum", "-s", "barnehage", "--peer", "Akershus"],
        ["rank", "-m", "Akershus"],
        ["report", "Akershus", "--sectors", "barnehage"],
    ],
)
def test_a_county_where_municipalities_are_compared(db: Path, args: list[str]) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, *args), 2)
    assert "Akershus er et fylke" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["report", "Bærum", "--all"], "ikke begge"),
        (["report", "--all", "--all-asss"], "ikke begge"),
        (["report", "Bærum", "--format", ""], "--format er tomt"),
        (["report", "Bærum", "--sectors", ",,"], "--sectors er tomt"),
        (["report", "Bærum", "--compare", " "], "--compare er tomt"),
        (["profile", "x" * 5000, "-s", "plo"], "fant ingen kommune"),
    ],
)
def test_conflicting_or_empty_options(db: Path, args: list[str], needle: str) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, *args), 2)
    assert needle in line and len(line) < 300


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("groups:\n  - id: naboer\n    members: Asker\n", "må være en liste"),
        ("groups:\n  - id: naboer\n    members: [null]\n", "medlem nr. 1"),
        ("groups:\n  - id: naboer\n    name_nb: [1, 2]\n    members: [Asker]\n", "name_nb"),
        ("groups:\n  - id: a\n    members: [Asker]\n  - id: a\n    members: [Oslo]\n", "to ganger"),
        ("groups: [\n", "linje 2"),
        ("group_id,municipality\n", "ingen grupper"),
        ("groups:\n  - id: naboer\n    members: [Akershus]\n", "Akershus er et fylke"),
        ("groups:\n  - id: asss\n    members: [Asker]\n", "finnes fra før"),
    ],
)
def test_a_groups_file_that_is_not_one(db: Path, tmp_path: Path, content: str, needle: str) -> None:
    suffix = ".csv" if content.startswith("group_id") else ".yaml"
    groups = tmp_path / f"naboer{suffix}"
    groups.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["--db", str(db), "--groups", str(groups), "groups"])
    line = assert_one_bokmal_line(result, 1)
    assert groups.name in line and needle in line


def test_a_missing_report_config_is_named_in_bokmal(db: Path, tmp_path: Path) -> None:
    line = assert_one_bokmal_line(kostra_cli(db, "report", "--config", str(tmp_path / "borte.yaml")), 1)
    assert "borte.yaml: kan ikke leses (finnes ikke)" in line


@pytest.mark.parametrize("option", ["--db", "--groups"])
@pytest.mark.parametrize("name", ["", " "])
def test_a_blank_file_name_is_refused(option: str, name: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a blank --db used to create a store called " " here
    line = assert_one_bokmal_line(runner.invoke(app, [option, name, "groups"]), 2)
    assert f"{option} trenger et filnavn" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "directory", "sqlite"])
def test_a_store_that_is_no_database_file(tmp_path: Path, kind: str) -> None:
    import sqlite3

    path = tmp_path / "kostra.db"
    if kind == "fifo":
        os.mkfifo(path)  # used to block the open for good
    elif kind == "directory":
        path.mkdir()
    else:  # DuckDB used to try to download its SQLite extension for this one
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE x (a)")
    line = assert_one_bokmal_line(runner.invoke(app, ["--db", str(path), "groups"]), 1)
    assert str(path) in line


def test_import_of_a_year_outside_the_span_needs_any_year(db: Path, tmp_path: Path) -> None:
    late = tmp_path / "sent.csv"
    late.write_text(
        "region;statistikkvariabel;år;verdi\n0301 Oslo;Frie inntekter per innbygger (kr);2099;85000\n",
        encoding="utf-8",
    )
    line = assert_one_bokmal_line(kostra_cli(db, "data", "import", str(late)), 1)
    assert "2099" in line and "--any-year" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-y", "2031"], "kostra henter år 2015–"),
        (["-y", "1999"], "ikke 1999"),
        (["-s", "romfart"], "ukjent tjenesteområde 'romfart'"),
        (["-m", "Atlantis"], "fant ingen kommune eller fylke som heter 'Atlantis'"),
        (["-m", "Akershus"], "Akershus er et fylke"),
    ],
)
def test_data_fetch_refuses_what_it_cannot_fetch_before_asking_ssb(
    db: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: str
) -> None:
    # SSB's address is a closed port: had kostra asked, the line would say SSB cannot be reached
    monkeypatch.setenv("KOSTRA_SSB_URL", "http://127.0.0.1:9/api/pxwebapi/v2")
    monkeypatch.setenv("KOSTRA_KLASS_URL", "http://127.0.0.1:9/api/klass/v1")
    fingerprint = _fingerprint(db)
    line = assert_one_bokmal_line(kostra_cli(db, "data", "fetch", *args), 2)
    assert words in line and "nås" not in line
    assert _fingerprint(db) == fingerprint


def _fingerprint(db: Path) -> tuple[int, int, str | None]:
    from kostra.store import Store

    with Store(db, read_only=True) as store:
        return store.fingerprint()
