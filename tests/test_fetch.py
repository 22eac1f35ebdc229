"""The real SSB client against a local server on 127.0.0.1 replaying SSB's
answers, with faults: the store always ends complete or unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest

from kostra.errors import SourceUnreachable
from kostra.sources.klass import KlassClient
from kostra.sources.pxweb import PxWebClient, RetryPolicy

OKONOMI = ["okonomi"]


def _fetch(
    session, base: str, sleeps: list[float] | None = None, timeout: float = 2.0, attempts: int = 4, **kwargs
):  # type: ignore[no-untyped-def]
    """Fetch with the real client against the fake, with short backoff and recorded sleeps."""
    sleeps = [] if sleeps is None else sleeps
    with httpx.Client(timeout=timeout) as http:
        client = PxWebClient(
            http,
            base + "/api/pxwebapi/v2",
            retry=RetryPolicy(attempts=attempts, backoff_seconds=0.01),
            sleep=sleeps.append,
        )
        return session.fetch(
            kwargs.pop("years", None), kwargs.pop("sectors", OKONOMI), regions=False, pxweb=client, **kwargs
        )


def _value(session, indicator: str, code: str, year: int) -> tuple[float, str, str | None]:  # type: ignore[no-untyped-def]
    row = session.store.observations([indicator], [year]).set_index("region_code").loc[code]
    return row["value"], row["release_kind"], row["status"]


def test_normal_fetch_loads_one_release_per_table(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    report = _fetch(fresh, base)
    assert [(t.table, t.status) for t in report.tables] == [("12134", "loaded"), ("12137", "loaded")]
    assert report.retries == 0
    # the real recorded figure, now in force as SSB's
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "0301", 2024)[:2] == (81240.0, "ssb")
    release = fresh.releases().set_index("source").loc["ssb:12134"]
    assert release["kind"] == "ssb" and str(release["published"]).startswith("2026-03-16")
    assert release["revision"] == "revised"  # fetched after 15 June 2025 for 2024
    # status symbols are kept, and a missing value is never a zero
    value, _, status = _value(fresh, "okonomi_frie_inntekter_per_innb", "EAKUO", 2024)
    assert status == ".." and value != value
    # old numbers arrive under the old numbers and are followed to Bærum
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "3024", 2022)[1] == "ssb"
    assert fake.data_requests("12134")[0].body["selection"][0]["variableCode"] == "KOKkommuneregion0000"


def test_fetched_figures_replace_demodata_in_the_profile(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    before = fresh.profile("Bærum", "okonomi", year=2024).set_index("indicator_id")
    assert before.loc["okonomi_frie_inntekter_per_innb", "demodata"]
    _fetch(fresh, base)
    after = fresh.profile("Bærum", "okonomi", year=2024, group="asss").set_index("indicator_id")
    frie = after.loc["okonomi_frie_inntekter_per_innb"]
    assert frie["2022"] == _value(fresh, "okonomi_frie_inntekter_per_innb", "3024", 2022)[0]
    assert frie["2024"] == _value(fresh, "okonomi_frie_inntekter_per_innb", "3201", 2024)[0]
    # Bærum's own row is SSB's now; the group still mixes in demodata for members not fetched
    mine = fresh.observations(["okonomi_frie_inntekter_per_innb"], [2022, 2023, 2024])
    assert set(mine.loc[mine["region_code"] == "3201", "release_kind"]) == {"ssb"}


def test_fetch_limited_to_municipalities_and_years(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    _fetch(fresh, base, municipalities=["Bærum"], years=[2023, 2024])
    body = fake.data_requests("12134")[0].body["selection"]
    chosen = {s["variableCode"]: s["valueCodes"] for s in body}
    assert chosen["KOKkommuneregion0000"] == ["0219", "3024", "3201"]
    assert chosen["Tid"] == ["2023", "2024"]


def test_a_second_fetch_is_resumed_not_repeated(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    _fetch(fresh, base)
    data_calls = len(fake.data_requests("12134"))
    releases = len(fresh.releases())
    again = _fetch(fresh, base)
    assert [t.status for t in again.tables] == ["unchanged", "unchanged"]
    assert len(fake.data_requests("12134")) == data_calls  # only metadata was asked for
    assert len(fresh.releases()) == releases


def test_429_with_retry_after_is_respected(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/tables/12134/data$", "429", times=2, retry_after="2")
    sleeps: list[float] = []
    report = _fetch(fresh, base, sleeps)
    assert report.retries == 2
    assert sleeps.count(2.0) == 2
    assert all(t.status == "loaded" for t in report.tables)
    assert any("HTTP 429" in e for e in report.events)


def test_500s_are_retried_with_backoff(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/tables/12137/", "500", times=2)
    fake.fault(r"/tables/12137/", "503", times=1)
    report = _fetch(fresh, base)
    assert report.retries == 3
    assert all(t.status == "loaded" for t in report.tables)


def test_a_timeout_is_retried(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/tables/12134/data$", "hang", times=1, hang_seconds=2.0)
    report = _fetch(fresh, base, timeout=0.5)
    assert report.retries == 1 and "tidsavbrudd" in report.events[0]
    assert all(t.status == "loaded" for t in report.tables)


@pytest.mark.parametrize("kind", ["truncate", "invalid-json"])
def test_a_broken_body_is_fetched_again(fresh, fake_ssb, kind: str) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/tables/12134/data$", kind, times=1)
    report = _fetch(fresh, base)
    assert report.retries == 1
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "4601", 2024)[:2] == (66605.0, "ssb")


def test_a_table_that_keeps_failing_is_not_half_written(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fresh_releases = len(fresh.releases())
    # the second part of 12362's split extract keeps failing
    fake.max_cells = 1000
    fake.fault(r"/tables/12362/data$", "500", times=100)
    report = _fetch(fresh, base, sectors=["okonomi", "administrasjon"], attempts=3)
    status = {t.table: t.status for t in report.tables}
    assert status == {"12134": "loaded", "12137": "loaded", "12362": "failed"}
    assert "etter 3 forsøk" in report.failed[0].message
    sources = set(fresh.releases()["source"])
    assert {"ssb:12134", "ssb:12137"} <= sources and "ssb:12362" not in sources
    assert len(fresh.releases()) == fresh_releases + 2


def test_a_cube_over_the_cell_limit_is_split(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.max_cells = 1000
    report = _fetch(fresh, base, sectors=["administrasjon", "kultur-og-fritid", "eiendom"])
    result = {t.table: t for t in report.tables}["12362"]
    assert result.status == "loaded"
    requests = fake.data_requests("12362")
    assert len(requests) > 1
    for request in requests:
        cells = 1
        for part in request.body["selection"]:
            cells *= len(part["valueCodes"])
        assert cells <= 1000
    value, kind, _ = _value(fresh, "adm_netto_per_innb", "3201", 2024)
    assert kind == "ssb" and value > 0


def test_unreachable_ssb_is_one_line_and_leaves_the_store_unchanged(fresh) -> None:  # type: ignore[no-untyped-def]
    before = fresh.store.fingerprint()
    with httpx.Client(timeout=1.0) as http:
        client = PxWebClient(http, "http://127.0.0.1:9", sleep=lambda s: None)
        with pytest.raises(SourceUnreachable, match="SSB kan ikke nås") as info:
            fresh.fetch(sectors=OKONOMI, regions=False, pxweb=client)
    assert "\n" not in str(info.value)
    assert fresh.store.fingerprint() == before


def test_regions_and_kostra_groups_from_klass(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    with httpx.Client(timeout=2.0) as http:
        count = fresh.fetch_regions(KlassClient(http, base + "/api/klass/v1"), today=date(2026, 11, 26))
    assert count > 800
    assert fresh.region("0219").code == "3201"
    assert fresh.region("Tromsø").code == "5501"
    assert {"4601", "3201"} <= fresh.members("kostragruppe-12", 2024)
    sources = fresh.membership_sources().set_index("source")["memberships"]
    assert sources["klass-112"] == 357
    assert fresh.store.get_meta("regions_source") == "klass"


def test_diff_lists_changes_between_releases(fresh, fake_ssb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    _fetch(fresh, base)
    csv = tmp_path / "revidert.csv"
    csv.write_text(
        "region;statistikkvariabel;år;verdi\n"
        "0301 Oslo;Frie inntekter per innbygger (kr);2024;85000\n"
        "4601 Bergen;Frie inntekter per innbygger (kr);2024;66605\n",
        encoding="utf-8",
    )
    fresh.import_file(csv)
    changes = fresh.diff(2024)
    assert len(changes) == 1  # Bergen's figure did not change
    row = changes.iloc[0]
    assert (row["region_code"], row["old_value"], row["new_value"]) == ("0301", 81240.0, 85000.0)
    assert row["relative_change"] == pytest.approx(3760 / 81240)
    assert row["indicator"] == "Frie inntekter per innbygger"
    assert isinstance(changes, pd.DataFrame)
