"""The real SSB client against a local server on 127.0.0.1 replaying SSB's
answers, with faults: the store always ends complete or unchanged."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import kostra
from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.klass import KlassClient
from kostra.sources.pxweb import PxWebClient, RetryPolicy
from ssbfake import KLASS, ROOT, without_category

OKONOMI = ["okonomi"]
FIXTURES = ROOT


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
            kwargs.pop("years", None),
            kwargs.pop("sectors", OKONOMI),
            regions=kwargs.pop("regions", False),
            pxweb=client,
            **kwargs,
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
    value, _, status = _value(fresh, "okonomi_frie_inntekter_per_innb", "3201", 2019)
    assert status == "." and value != value
    # old numbers arrive under the old numbers and are followed to Bærum
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "3024", 2022)[1] == "ssb"
    region = fake.data_requests("12134")[0].body["selection"][0]
    assert region["variableCode"] == "KOKkommuneregion0000"
    # D9: Longyearbyen and SSB's aggregates are asked for along with the municipalities ...
    assert {"2111", "EAK", "EAKUO", "EKA32", "EKG12", "EKG17"} <= set(region["valueCodes"])
    # ... the aggregates kept as SSB's published aggregates, apart from the municipalities,
    # and Longyearbyen as a region of its own, so `kostra data check` can run after the fetch
    municipal = set(fresh.store.observations(["okonomi_frie_inntekter_per_innb"], [2024])["region_code"])
    assert "EAKUO" not in municipal and "2111" in municipal
    aggregates = fresh.ssb_aggregates(["okonomi_frie_inntekter_per_innb"], [2024])
    assert {"EAK", "EAKUO", "EKA32", "EKG12"} <= set(aggregates["region_code"])
    assert not fresh.ssb_check([2024], "okonomi").empty


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
    municipal = [c for c in chosen["KOKkommuneregion0000"] if c[0].isdigit()]
    assert municipal == ["0219", "3024", "3201"]  # Bærum under its three numbers, not Longyearbyen
    assert {"EAK", "EKG12"} <= set(chosen["KOKkommuneregion0000"])  # SSB's aggregates come along
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
    # the answers are whole-country cubes now: a timeout long enough for them, a hang past it
    fake.fault(r"/tables/12134/data$", "hang", times=1, hang_seconds=4.0)
    report = _fetch(fresh, base, timeout=1.5)
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
    fake, base = fake_ssb
    with httpx.Client(timeout=2.0) as http:
        count = fresh.fetch_regions(
            KlassClient(http, base + "/api/klass/v1"), today=date(2026, 11, 26), years=[2020]
        )
    assert count > 800
    assert fresh.region("0219").code == "3201"
    assert fresh.region("Tromsø").code == "5501"
    # the 2020 grouping, under 2020's municipality numbers, from KLASS's correspondsAt 131 -> 112
    assert {"4601", "3024"} <= fresh.members("kostragruppe-12", 2020)
    asked = [r for r in fake.requests if r.path.endswith("/classifications/131/correspondsAt")]
    assert [(r.query["targetClassificationId"], r.query["date"]) for r in asked] == [
        (["112"], ["2020-01-01"])
    ]
    assert not any("correspondencetables" in r.path for r in fake.requests)  # no fixed table id
    sources = fresh.membership_sources().set_index("source")["memberships"]
    assert sources["klass-112"] > 300
    assert fresh.store.get_meta("regions_source") == "klass"


def _grouping(year: int, reverse: bool = False) -> dict[str, Any]:
    """A correspondsAt 131 -> 112 answer for 1 January ``year``: that year's municipalities in
    the bundled groups (followed through renumberings), optionally with source and target
    swapped (the direction SSB stores its correspondence tables in)."""
    codes = json.loads((FIXTURES / f"api/klass/v1/classifications/131/codesAt/{year}-01-01.json").read_text())
    members = pd.read_csv(FIXTURES.parents[1].parent / "src/kostra/data/group_members.csv", dtype=str)
    succession = pd.read_csv(FIXTURES.parents[1].parent / "src/kostra/data/region_succession.csv", dtype=str)
    later = dict(zip(succession["old_code"], succession["new_code"], strict=True))
    group_of = {
        r.region_code: r.group_id[-2:]
        for r in members[members["group_id"].str.startswith("kostragruppe")].itertuples()
    }
    items = []
    for entry in codes["codes"]:
        code = entry["code"]
        group = (
            group_of.get(code)
            or group_of.get(later.get(code, ""))
            or group_of.get(later.get(later.get(code, ""), ""))
        )
        if group:
            pair = {
                "sourceCode": code,
                "sourceName": entry["name"],
                "targetCode": f"EKG{group}",
                "targetName": "",
            }
            if reverse:
                pair = {
                    "sourceCode": f"EKG{group}",
                    "sourceName": "",
                    "targetCode": code,
                    "targetName": entry["name"],
                }
            items.append(pair)
    return {"correspondenceItems": items}


def _regions(fresh, base: str, years: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    with httpx.Client(timeout=2.0) as http:
        fresh.fetch_regions(
            KlassClient(http, base + KLASS), today=date(2026, 11, 26), years=years, warnings=warnings
        )
    return warnings


def test_kostra_groups_of_2020_and_2024_both_hold_and_earlier_years_are_kept(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.answer(r"correspondsAt\?.*date=2024-01-01", _grouping(2024))
    assert _regions(fresh, base, [2020, 2024]) == []
    # D5: each year has its own grouping under that year's municipality numbers
    assert "3024" in fresh.members("kostragruppe-12", 2020) and "3201" not in fresh.members(
        "kostragruppe-12", 2020
    )
    assert "3201" in fresh.members("kostragruppe-12", 2024) and "3024" not in fresh.members(
        "kostragruppe-12", 2024
    )
    # a later fetch of 2024 alone keeps the 2020 membership fetched before
    assert _regions(fresh, base, [2024]) == []
    assert "3024" in fresh.members("kostragruppe-12", 2020)
    rows = fresh.store.table("group_member")
    fetched = rows[rows["source"] == "klass-112"]
    assert {(2020, 2020), (2024, 2024)} <= set(zip(fetched["from_year"], fetched["to_year"], strict=True))


def test_a_reversed_correspondence_does_not_empty_the_groups(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    # KLASS's correspondence tables run grouping -> municipality; the direction is read from the codes
    fake.answer(r"correspondsAt\?.*date=2024-01-01", _grouping(2024, reverse=True))
    assert _regions(fresh, base, [2024]) == []
    assert {"3201", "4601"} <= fresh.members("kostragruppe-12", 2024)
    assert len(fresh.members("kostragruppe-13", 2024)) >= 1


def test_a_correspondence_without_municipalities_is_a_warning_not_empty_groups(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    before = fresh.members("kostragruppe-12", 2024)
    nonsense = {"correspondenceItems": [{"sourceCode": "EKG12", "targetCode": "K12"}]}
    fake.answer(r"correspondsAt\?.*date=2024-01-01", nonsense)
    warnings = _regions(fresh, base, [2024])
    assert len(warnings) == 1 and "2024" in warnings[0] and "\n" not in warnings[0]
    assert fresh.members("kostragruppe-12", 2024) == before and before


def test_klass_down_is_a_warning_and_the_tables_are_still_fetched(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/api/klass/", "500", times=1000)
    before = fresh.store.table("region")
    report = _fetch(fresh, base, regions=True, attempts=2)
    # D5b: KLASS failing does not stop the fetch before a table is read
    assert [(t.table, t.status) for t in report.tables] == [("12134", "loaded"), ("12137", "loaded")]
    assert (
        len(report.warnings) == 1 and "KLASS" in report.warnings[0] and "lagret fra før" in report.warnings[0]
    )
    assert fresh.store.table("region").equals(before)
    assert fresh.store.get_meta("regions_source") != "klass"


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


def _set(key: str, value: Any) -> Callable[[Any], Any]:
    def mutate(doc: Any) -> Any:
        doc[key] = value(doc) if callable(value) else value
        return doc

    return mutate


def _drop(key: str) -> Callable[[Any], Any]:
    def mutate(doc: Any) -> Any:
        del doc[key]
        return doc

    return mutate


def _rename(doc: Any, dim: str, old: str, new: str) -> Any:
    category = doc["dimension"][dim]["category"]
    category["index"] = {new if c == old else c: i for c, i in category["index"].items()}
    category["label"] = {new if c == old else c: label for c, label in category["label"].items()}
    return doc


# Valid JSON that is not the answer asked for: each fails its table, and only its table.
MALFORMED = {
    "a list, not a dataset": ("data", lambda doc: [doc]),
    "role as a list": ("data", _set("role", ["geo"])),
    "no roles": ("data", _drop("role")),
    "no dimensions": ("data", _drop("dimension")),
    "values as text": ("data", _set("value", lambda doc: ["mange"] * len(doc["value"]))),
    "one value too few": ("data", _set("value", lambda doc: doc["value"][:-1])),
    "sizes that disagree": ("data", _set("size", [1, 1, 1])),
    "sizes as text": ("data", _set("size", ["sytten", "åtte", "seks"])),
    "status beyond the cube": ("data", _set("status", {"99999999": ".."})),
    "a region left out": ("data", lambda doc: without_category(doc, "KOKkommuneregion0000", "0301")),
    "another region in its place": ("data", lambda doc: _rename(doc, "KOKkommuneregion0000", "0301", "0302")),
    "another table's answer": ("data", lambda doc: {**doc, "extension": {"px": {"tableid": "12137"}}}),
    "metadata role as a list": ("metadata", _set("role", ["geo"])),
    "metadata dimension as a list": ("metadata", _set("dimension", ["KOKkommuneregion0000"])),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_answer_fails_its_table_and_the_others_land(fresh, fake_ssb, case: str) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    endpoint, mutate = MALFORMED[case]
    fake.fault(rf"/tables/12134/{endpoint}$", "malformed", mutate=mutate)
    before = set(fresh.releases()["source"])
    report = _fetch(fresh, base)
    assert {t.table: t.status for t in report.tables} == {"12134": "failed", "12137": "loaded"}
    message = report.failed[0].message
    assert "12134" in message and "\n" not in message and "Traceback" not in message
    assert report.retries == 0  # a well-formed JSON answer of the wrong shape is not asked for again
    assert set(fresh.releases()["source"]) == before | {"ssb:12137"}  # nothing of 12134
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "0301", 2024)[1] != "ssb"


def test_a_malformed_part_is_not_kept_for_the_next_run(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/tables/12134/data$", "malformed", mutate=_drop("role"))
    first = _fetch(fresh, base)
    assert [t.status for t in first.tables] == ["failed", "loaded"]
    again = _fetch(fresh, base)
    assert [t.status for t in again.tables] == ["loaded", "unchanged"]
    assert _value(fresh, "okonomi_frie_inntekter_per_innb", "0301", 2024)[:2] == (81240.0, "ssb")


def test_a_damaged_cached_part_is_fetched_again(fresh, fake_ssb, template_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    _fetch(fresh, base)
    parts = sorted((tmp_path / "cache" / "ssb").rglob("*.json"))
    assert len(parts) == 2
    parts[0].write_bytes(b"[]")  # valid JSON, not a dataset
    parts[1].write_bytes(parts[1].read_bytes()[:100])  # cut short
    other = tmp_path / "andre.duckdb"  # a second store beside the first shares its cache
    shutil.copy(template_store, other)
    with kostra.open(other) as second:
        report = _fetch(second, base)
        assert [t.status for t in report.tables] == ["loaded", "loaded"]
        assert _value(second, "okonomi_frie_inntekter_per_innb", "0301", 2024)[:2] == (81240.0, "ssb")
    assert len(fake.data_requests("12134")) == len(fake.data_requests("12137")) == 2


def _klass(base: str, http: httpx.Client, sleeps: list[float], events: list[str]) -> KlassClient:
    return KlassClient(
        http,
        base + KLASS,
        retry=RetryPolicy(attempts=3, backoff_seconds=0.01),
        sleep=sleeps.append,
        on_event=events.append,
    )


@pytest.mark.parametrize(
    ("kind", "extra"),
    [("429", {"retry_after": "3"}), ("500", {}), ("503", {}), ("truncate", {}), ("invalid-json", {})],
)
def test_klass_faults_are_retried(fresh, fake_ssb, kind: str, extra: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/classifications/131/codesAt", kind, **extra)
    sleeps: list[float] = []
    events: list[str] = []
    with httpx.Client(timeout=2.0) as http:
        count = fresh.fetch_regions(_klass(base, http, sleeps, events), today=date(2026, 11, 26))
    assert count > 800 and fresh.region("0219").code == "3201"
    assert len(events) == 1 and "KLASS" in events[0] and "prøver igjen" in events[0]
    assert sleeps == ([3.0] if kind == "429" else [0.01])


def test_a_klass_timeout_is_retried(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/classifications/131/correspondsAt", "hang", hang_seconds=1.5)
    sleeps: list[float] = []
    events: list[str] = []
    with httpx.Client(timeout=0.5) as http:
        fresh.fetch_regions(_klass(base, http, sleeps, events), today=date(2026, 11, 26), years=[2020])
    assert len(events) == 1 and "tidsavbrudd" in events[0]
    assert {"4601", "3024"} <= fresh.members("kostragruppe-12", 2020)


def test_klass_that_keeps_failing_is_one_line_and_changes_nothing(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/classifications/131/changes", "500", times=100)
    before = fresh.store.fingerprint()
    with httpx.Client(timeout=2.0) as http, pytest.raises(SourceError, match="etter 3 forsøk") as info:
        fresh.fetch_regions(_klass(base, http, [], []), today=date(2026, 11, 26))
    assert "\n" not in str(info.value) and str(info.value).startswith("KLASS")
    assert fresh.store.fingerprint() == before


def test_the_default_fetch_rides_out_a_klass_429(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    fake.fault(r"/classifications/131/codesAt", "429", retry_after="0")
    report = _fetch(fresh, base, regions=True)
    assert [t.status for t in report.tables] == ["loaded", "loaded"]
    assert fresh.store.get_meta("regions_source") == "klass"


# -- SSB's rules, for every catalog table ------------------------------------------------


def _required(fake, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    meta = fake.metadata(table)
    return {d for d in meta["id"] if meta["dimension"][d]["extension"]["elimination"] is False}


def test_every_catalog_table_is_fetched_under_ssb_s_rules(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    tables = fresh.fetch_tables()
    assert {"12150", "12210", "12362"} <= set(tables)
    # The fake cuts 12362's answer (some 600 000 cells) out of the whole cube: on a loaded
    # machine that takes longer than the other tests' 2 s timeout, which is not what this
    # test is about.
    report = _fetch(fresh, base, timeout=60.0, years=[2020, 2024], sectors=None)
    status = {t.table: t for t in report.tables}
    assert set(status) == set(tables)  # the whole catalog, not a hand-picked list
    assert {t: r.message for t, r in status.items() if r.status != "loaded"} == {}
    for table in tables:
        requests = fake.data_requests(table)
        assert requests, table
        for request in requests:
            chosen = {s["variableCode"]: s["valueCodes"] for s in request.body["selection"]}
            # D1: every required dimension has a value, one the table has
            assert _required(fake, table) <= set(chosen), table
            assert "2111" in chosen["KOKkommuneregion0000"], table  # D9
            assert {"EAK", "EAKUO", "EKG12"} <= set(chosen["KOKkommuneregion0000"]), table
        assert status[table].observations > 0, table
    # Every catalog source, not only every table: its ContentsCode and each filter value were
    # asked for in one request of its table, for each year it covers, and the figure it
    # names is in the store as SSB's.
    asked: dict[str, list[dict[str, list[str]]]] = {
        table: [
            {s["variableCode"]: s["valueCodes"] for s in r.body["selection"]}
            for r in fake.data_requests(table)
        ]
        for table in tables
    }
    for ind in fresh.catalog.indicators.values():
        for source in ind.all_sources:
            for year in (y for y in (2020, 2024) if source.covers(y)):
                wanted = {"ContentsCode": source.contents, "Tid": str(year), **source.filters}
                assert any(
                    all(value in chosen.get(dim, ()) for dim, value in wanted.items())
                    for chosen in asked[source.table]
                ), (ind.id, source.table, year)
                kinds = fresh.store.observations([ind.id], [year])["release_kind"]
                assert (kinds == "ssb").any(), (ind.id, year)
    # D3: the discontinued 12210 is asked only for the year it covers
    assert {s["variableCode"]: s["valueCodes"] for s in fake.data_requests("12210")[0].body["selection"]}[
        "Tid"
    ] == ["2020"]
    # the fixed catalog reads 12150 at the values it names
    chosen = {s["variableCode"]: s["valueCodes"] for s in fake.data_requests("12150")[0].body["selection"]}
    assert chosen["KOKfunksjon0000"] == ["222"] and chosen["KOKenergitype0000"] == ["01"]
    assert _value(fresh, "eiendom_energibruk_per_kvm", "3201", 2024)[1] == "ssb"
    assert _value(fresh, "sos_mottakere", "3024", 2020)[1] == "ssb"


def _with_source(session, indicator: str, **changes: Any):  # type: ignore[no-untyped-def]
    """The session's catalog with one indicator changed (a catalog entry as it once was)."""
    catalog = session.catalog
    ind = catalog.indicators[indicator]
    changed = ind.model_copy(update=changes)
    return dataclasses.replace(catalog, indicators={**catalog.indicators, indicator: changed})


def test_a_required_dimension_left_open_fails_its_table_in_one_line(fresh, fake_ssb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    old = fresh.catalog.indicators["eiendom_energibruk_per_kvm"].source.model_copy(update={"filters": {}})
    monkeypatch.setattr(fresh, "catalog", _with_source(fresh, "eiendom_energibruk_per_kvm", source=old))
    report = _fetch(fresh, base, years=[2024], sectors=["eiendom"])
    result = {t.table: t for t in report.tables}["12150"]
    # D1: the entry as it was (no filters) fails with table, dimension and SSB's values
    assert result.status == "failed"
    assert result.message == (
        "tabell 12150: dimensjonen KOKfunksjon0000 må ha en verdi, men katalogen velger ingen "
        "(indikator eiendom_energibruk_per_kvm) og SSB har ingen total; SSB har 130, 221, 222, 261, 381, 386"
    )
    assert fake.data_requests("12150") == []  # found before any data request
    assert {t.table: t.status for t in report.tables}["12051"] == "loaded"  # the other tables go on


def test_a_value_ssb_does_not_have_names_what_it_has(fresh, fake_ssb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    source = fresh.catalog.indicators["eiendom_energibruk_per_kvm"].source.model_copy(
        update={"filters": {"KOKfunksjon0000": "999", "KOKenergitype0000": "01"}}
    )
    monkeypatch.setattr(fresh, "catalog", _with_source(fresh, "eiendom_energibruk_per_kvm", source=source))
    report = _fetch(fresh, base, years=[2024], sectors=["eiendom"])
    message = {t.table: t for t in report.tables}["12150"].message
    assert message == (
        "tabell 12150: KOKfunksjon0000 har ingen verdi '999' (indikator eiendom_energibruk_per_kvm); "
        "SSB har 130, 221, 222, 261, 381, 386"
    )


def test_one_wrong_catalog_row_costs_only_its_figure_and_is_named(fresh, fake_ssb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    source = fresh.catalog.indicators["adm_netto_per_innb"].source.model_copy(
        update={"filters": {"KOKfunksjon0000": "FGK99", "KOKart0000": "AGD2"}}
    )
    monkeypatch.setattr(fresh, "catalog", _with_source(fresh, "adm_netto_per_innb", source=source))
    report = _fetch(fresh, base, years=[2024], sectors=["administrasjon"])
    result = {t.table: t for t in report.tables}["12362"]
    assert result.status == "loaded" and result.observations > 0  # the table's other figures
    assert any(
        "KOKfunksjon0000 har ingen verdi 'FGK99' (indikator adm_netto_per_innb)" in w
        and "indikatoren er ikke hentet" in w
        for w in report.warnings
    ), report.warnings
    assert _value(fresh, "adm_netto_per_innb", "3201", 2024)[1] == "demodata"


def test_the_fake_refuses_what_ssb_refuses(fake_ssb) -> None:  # type: ignore[no-untyped-def]
    _, base = fake_ssb
    from kostra.sources.pxweb import Selection

    region = ("KOKkommuneregion0000", ("0301",))
    cases = {
        "Missing selection for mandantory variable": Selection(
            "12150", (region, ("ContentsCode", ("KOSbrukperkvm0000",)), ("Tid", ("2024",)))
        ),
        "Non-existent value": Selection(
            "12134", (region, ("ContentsCode", ("KOSfinnesikke0000",)), ("Tid", ("2024",)))
        ),
        "Non-existent table": Selection("99999", (region,)),
    }
    with httpx.Client(timeout=2.0) as http:
        client = PxWebClient(http, base + "/api/pxwebapi/v2", sleep=lambda s: None)
        for title, selection in cases.items():
            with pytest.raises(SourceError, match=title):
                client.fetch_data(selection)


def test_a_discontinued_table_is_flagged_and_read_only_for_its_years(fresh, fake_ssb) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    report = _fetch(fresh, base, years=[2024], sectors=["sosialtjeneste-og-bolig"])
    result = {t.table: t for t in report.tables}["12210"]
    # D3: the catalog reads 12210 only to 2021, so for 2024 SSB is not even asked
    assert result.status == "empty" and "2015–2021" in result.message
    assert fake.metadata_requests("12210") == [] and fake.data_requests("12210") == []
    report = _fetch(fresh, base, years=[2020, 2024], sectors=["sosialtjeneste-og-bolig"])
    result = {t.table: t for t in report.tables}["12210"]
    # D4: SSB's discontinued mark is read and flagged in the summary
    assert result.status == "loaded" and result.discontinued and report.discontinued == [result]
    assert result.message.startswith("SSB har avsluttet tabellen")
    assert any("12210" in w and "avsluttet" in w for w in report.warnings)
    assert {t.table for t in report.tables if t.discontinued} == {"12210"}


def test_an_indicator_reads_each_year_from_the_table_that_carries_it(fresh, fake_ssb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake, base = fake_ssb
    # A stand-in successor table: the real 14019's ContentsCode for recipients is not known,
    # so this test gives the fake a table of that id carrying the same code.
    successor = fake.metadata("12210")
    successor["label"] = "14019: stand-in successor (test only)"
    successor["extension"]["discontinued"] = None
    successor["extension"]["px"]["tableid"] = "14019"
    years = [str(y) for y in range(2022, 2026)]
    successor["dimension"]["Tid"]["category"] = {
        "index": {y: i for i, y in enumerate(years)},
        "label": {y: y for y in years},
    }
    successor["size"][successor["id"].index("Tid")] = len(years)
    fake.tables["14019"] = successor
    earlier = fresh.catalog.indicators["sos_mottakere"].source
    current = earlier.model_copy(update={"table": "14019", "first_year": 2022, "last_year": None})
    monkeypatch.setattr(
        fresh, "catalog", _with_source(fresh, "sos_mottakere", source=current, earlier_sources=(earlier,))
    )
    assert {"12210", "12362", "14019"} <= set(fresh.fetch_tables(["sosialtjeneste-og-bolig"]))
    report = _fetch(fresh, base, years=[2021, 2022], sectors=["sosialtjeneste-og-bolig"])
    status = {t.table: t.status for t in report.tables}
    assert {"12210", "12362", "14019"} <= set(status) and set(status.values()) == {"loaded"}
    tid = {
        table: {s["variableCode"]: s["valueCodes"] for s in fake.data_requests(table)[0].body["selection"]}[
            "Tid"
        ]
        for table in ("12210", "14019")
    }
    assert tid == {"12210": ["2021"], "14019": ["2022"]}  # D3: each table only for its years
    assert _value(fresh, "sos_mottakere", "4601", 2021)[1] == "ssb"
    assert _value(fresh, "sos_mottakere", "4601", 2022)[1] == "ssb"
    sources = set(fresh.releases()["source"])
    assert {"ssb:12210", "ssb:14019"} <= sources
