"""The command line as a user runs it: the real entry point in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path


def test_profile_table_is_norwegian_and_says_demodata(cli, store_path: Path) -> None:
    result = cli("--db", str(store_path), "profile", "Bærum", "-s", "plo", "-y", "2024")
    assert result.returncode == 0, result.stderr
    assert "1\u00a0552\u00a0889" in result.stdout  # published Bærum figure, Norwegian format
    assert "Snitt ASSS" in result.stdout
    assert "DEMODATA" in result.stdout


def test_profile_json(cli, store_path: Path) -> None:
    result = cli(
        "--db",
        str(store_path),
        "profile",
        "3201",
        "-s",
        "pleie-og-omsorg",
        "-p",
        "67+",
        "-y",
        "2024",
        "-f",
        "json",
    )
    doc = json.loads(result.stdout)
    assert doc["region_code"] == "3201" and doc["year"] == 2024 and doc["demodata"] is True
    first = doc["rows"][0]
    assert first["values"]["2024"] == 1.97 and first["group_average"] == 1.81


def test_unknown_municipality_is_one_red_line_and_exit_2(cli, store_path: Path) -> None:
    result = cli("--db", str(store_path), "profile", "Atlantis", "-s", "plo")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Feil:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_sector_lists_the_choices(cli, store_path: Path) -> None:
    result = cli("--db", str(store_path), "profile", "Bærum", "-s", "romfart")
    assert result.returncode == 2 and "grunnskole" in result.stderr


def test_data_status_and_import(cli, store_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "statbank_12134_semicolon_utf8.csv"
    imported = cli("--db", str(store_path), "data", "import", str(fixture))
    assert (
        imported.returncode == 0
        and "3 tall (og 1 celle med SSBs symboler for tall som mangler) og 1 av SSBs egne aggregater"
        in imported.stdout
    )
    status = cli("--db", str(store_path), "data", "status", "-f", "csv")
    lines = {line.split(",")[0]: line for line in status.stdout.splitlines()}
    assert lines["pop_total"].split(",")[-4:-2] == ["3570", "0"]  # real: SSB population
    # municipal figures only: the file's EAK is SSB's aggregate, kept apart for `data check`
    assert lines["okonomi_frie_inntekter_per_innb"].split(",")[-4] == "5"
    table = cli("--db", str(store_path), "data", "status")
    assert table.returncode == 0, table.stderr
    # People read names, not the catalog's ids (those are in --format csv|json).
    assert "Innbyggere 0-5 år" in table.stdout and "pop_0_5" not in table.stdout
    assert "Befolkning" in table.stdout and "KOSTRA-grupper" in table.stdout


def test_first_run_fills_a_new_store_under_kostra_home(cli, tmp_path: Path) -> None:
    result = cli(
        "profile", "Oslo", "-s", "barnehage", "-g", "landet", "-f", "csv", env={"KOSTRA_HOME": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kostra.duckdb").exists()
    assert result.stdout.startswith("indicator_id,indicator_group,indicator,unit,2022,2023,2024,")


def test_data_fetch_then_profile_without_demodata(cli, store_path: Path, fake_ssb) -> None:
    fetched = cli("--db", str(store_path), "data", "fetch", "--sector", "okonomi")
    assert fetched.returncode == 0, fetched.stderr
    assert "12134" in fetched.stdout and "lest inn" in fetched.stdout
    assert "Tabeller" in fetched.stderr  # the progress display
    # Against KOSTRA group 13 (Oslo, fetched too) nothing in the table is generated any more.
    profile = cli(
        "--db", str(store_path), "profile", "Bærum", "-s", "okonomi", "-y", "2024", "-g", "kostragruppe-13"
    )
    assert profile.returncode == 0, profile.stderr
    assert "Frie inntekter per innbygger" in profile.stdout
    assert "DEMODATA" not in profile.stdout
    again = cli("--db", str(store_path), "data", "fetch", "--sector", "okonomi", "--no-regions")
    assert again.returncode == 0 and "uendret" in again.stdout


def test_data_fetch_reports_an_unreachable_ssb_in_one_line(cli, store_path: Path) -> None:
    env = {"KOSTRA_SSB_URL": "http://127.0.0.1:9/api/pxwebapi/v2"}
    result = cli("--db", str(store_path), "data", "fetch", "--sector", "okonomi", env=env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Feil: SSB kan ikke nås")


def test_data_diff(cli, store_path: Path, fake_ssb, tmp_path: Path) -> None:
    assert cli("--db", str(store_path), "data", "fetch", "-s", "okonomi", "--no-regions").returncode == 0
    revised = tmp_path / "revidert.csv"
    revised.write_text(
        "region;statistikkvariabel;år;verdi\n0301 Oslo;Frie inntekter per innbygger (kr);2024;85000\n",
        encoding="utf-8",
    )
    assert cli("--db", str(store_path), "data", "import", str(revised)).returncode == 0
    diff = cli("--db", str(store_path), "data", "diff", "--year", "2024", "-f", "csv")
    lines = diff.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("okonomi_frie_inntekter_per_innb,0301,2024,")
    table = cli("--db", str(store_path), "data", "diff", "--year", "2024")
    assert "4,6" in table.stdout and "Oslo" in table.stdout


def test_analyse_json_and_table(cli, store_path: Path) -> None:
    result = cli("--db", str(store_path), "analyse", "Bærum", "-s", "plo", "-y", "2024", "-f", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["municipality"]["name"] == "Bærum" and doc["group"]["id"] == "asss"
    assert any("6 prosent under ASSS-snittet" in s for s in doc["comments"]["plo_inst_brutto_per_plass"])
    assert doc["need_adjusted"]["mer_mindreutgift"] is not None
    assert {"production_index", "cost_index", "efficiency"} <= set(doc["efficiency"][0])
    table = cli(
        "--db",
        str(store_path),
        "analyse",
        "3201",
        "-s",
        "barnehage",
        "-y",
        "2024",
        "--fixed-prices",
        "--need-adjusted",
        "-p",
        "Asker",
        "-p",
        "Oslo",
    )
    assert table.returncode == 0, table.stderr
    assert "(B)" in table.stdout and "Oslo har" in table.stdout and "Oslove" not in table.stdout


def test_rank_dea_and_similar(cli, store_path: Path) -> None:
    table = cli("--db", str(store_path), "rank", "--year", "2024")
    assert table.returncode == 0, table.stderr
    assert "Totalt" in table.stdout or "totalt" in table.stdout
    mine = cli(
        "--db", str(store_path), "rank", "--year", "2024", "--municipality", "Bærum", "--sector", "plo"
    )
    assert mine.returncode == 0 and "Bærum" in mine.stdout and "Sykefravær pleie og omsorg" in mine.stdout
    assert "plo_sykefravaer" not in mine.stdout
    dea = cli("--db", str(store_path), "dea", "--sector", "plo", "--year", "2024", "-f", "csv")
    lines = dea.stdout.splitlines()
    assert lines[0].startswith("region_code,efficiency,peers") and len(lines) > 300
    similar = cli("--db", str(store_path), "similar", "Bærum", "-n", "5")
    assert similar.returncode == 0 and similar.stdout.count("\n") >= 5
