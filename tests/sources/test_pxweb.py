"""The PxWebApi v2 client's pure parts (limits, selections, the planner, retries, the bucket),
and the client over httpx.MockTransport: Retry-After, malformed answers."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import orjson
import pytest

from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.jsonstat import read_jsonstat
from kostra.sources.pxweb import (
    ApiLimits,
    PxWebClient,
    RetryPolicy,
    Selection,
    plan_selections,
    read_answer,
    resolve_filters,
    table_total,
)
from kostra.sources.ratelimit import TokenBucket

METADATA = {
    "version": "2.0",
    "class": "dataset",
    "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
    "size": [4, 2, 3],
    "role": {"geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"], "time": ["Tid"]},
    "dimension": {
        "KOKkommuneregion0000": {
            "category": {"index": {"0301": 0, "3201": 1, "3203": 2, "EAK": 3}},
            "extension": {"elimination": False},
        },
        "ContentsCode": {"category": {"index": {"A": 0, "B": 1}}, "extension": {"elimination": False}},
        "Tid": {
            "category": {"index": {"2022": 0, "2023": 1, "2024": 2}},
            "extension": {"elimination": False},
        },
    },
}


def _meta():  # type: ignore[no-untyped-def]
    return read_jsonstat(METADATA, with_values=False)


def test_limits_from_ssb_config_keep_defaults_for_zero() -> None:
    # SSB's /config (2026) reports 0 for the rate limit and announces it in headers instead.
    limits = ApiLimits.from_config({"maxDataCells": 800000, "maxCallsPerTimeWindow": 0, "timeWindow": 0})
    assert limits == ApiLimits(800_000, 30, 60.0)
    assert ApiLimits.from_config(
        {"maxDataCells": 150000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}
    ) == ApiLimits(150_000, 30, 10.0)


def test_selection_body_and_cells() -> None:
    selection = Selection(
        "12134", (("KOKkommuneregion0000", ("0301", "3201")), ("ContentsCode", ("A",)), ("Tid", ("2024",)))
    )
    assert selection.cells == 2
    assert selection.body() == {
        "selection": [
            {"variableCode": "KOKkommuneregion0000", "valueCodes": ["0301", "3201"]},
            {"variableCode": "ContentsCode", "valueCodes": ["A"]},
            {"variableCode": "Tid", "valueCodes": ["2024"]},
        ]
    }
    assert selection.key() == Selection(selection.table, selection.dimensions).key()


def test_plan_fits_everything_in_one_request_when_it_can() -> None:
    wanted = {"KOKkommuneregion0000": ["0301", "3201"], "ContentsCode": ["A", "B"], "Tid": ["2024"]}
    plans = plan_selections("12134", _meta(), wanted, 800_000)
    assert len(plans) == 1 and plans[0].cells == 4


def test_plan_splits_regions_first_and_covers_every_cell() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301", "3201", "3203", "EAK"],
        "ContentsCode": ["A", "B"],
        "Tid": ["2022", "2023", "2024"],
    }
    plans = plan_selections("12134", _meta(), wanted, max_cells=12)
    assert all(p.cells <= 12 for p in plans)
    assert len(plans) == 2
    assert [dict(p.dimensions)["KOKkommuneregion0000"] for p in plans] == [("0301", "3201"), ("3203", "EAK")]
    covered = {
        (r, c, t)
        for p in plans
        for r in dict(p.dimensions)["KOKkommuneregion0000"]
        for c in dict(p.dimensions)["ContentsCode"]
        for t in dict(p.dimensions)["Tid"]
    }
    assert len(covered) == 24


def test_plan_cuts_further_when_one_region_is_too_big() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301", "3201"],
        "ContentsCode": ["A", "B"],
        "Tid": ["2022", "2023", "2024"],
    }
    plans = plan_selections("12134", _meta(), wanted, max_cells=2)
    assert all(p.cells <= 2 for p in plans)
    assert sum(p.cells for p in plans) == 12


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"ContentsCode": ["A"], "Tid": ["2024"]}, "KOKkommuneregion0000 må være med i uttrekket"),
        (
            {"KOKkommuneregion0000": ["9999"], "ContentsCode": ["A"], "Tid": ["2024"]},
            "har ingen verdi '9999'",
        ),
        (
            {"KOKkommuneregion0000": ["0301"], "ContentsCode": ["A"], "Tid": ["2024"], "X": ["1"]},
            "har ingen dimensjon 'X'",
        ),
    ],
)
def test_plan_validates_against_metadata(wanted: dict[str, list[str]], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        plan_selections("12134", _meta(), wanted, 100)


def test_retry_policy_prefers_retry_after_and_caps_backoff() -> None:
    policy = RetryPolicy(attempts=5, backoff_seconds=1.0, max_wait_seconds=10.0)
    assert policy.wait(0, None) == 1.0
    assert policy.wait(3, None) == 8.0
    assert policy.wait(6, None) == 10.0
    assert policy.wait(0, 7.0) == 7.0
    assert policy.wait(0, 0.0) == 0.0
    assert policy.wait(0, 300.0) == 10.0  # honoured up to the cap


@pytest.mark.parametrize("retry_after", [-5.0, math.nan, math.inf, 99999.0, 601.0])
def test_retry_policy_ignores_an_unusable_retry_after(retry_after: float) -> None:
    policy = RetryPolicy(attempts=5, backoff_seconds=1.0, max_wait_seconds=10.0)
    assert policy.wait(2, retry_after) == 4.0


NOW = 1_790_000_000.0  # the injected wall clock, for HTTP-dates
CONFIG = {"maxDataCells": 800000, "maxCallsPerTimeWindow": 30, "timeWindow": 60}


def _after_429(retry_after: str, **kwargs: Any) -> tuple[list[float], list[str]]:
    """Ask /config once, answered 429 with ``retry_after`` and then 200; the sleeps and events."""
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": retry_after}), httpx.Response(200, json=CONFIG)]
    )
    sleeps: list[float] = []
    events: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(lambda request: next(answers))) as http:
        client = PxWebClient(
            http,
            "http://ssb.test",
            retry=RetryPolicy(backoff_seconds=1.5),
            sleep=sleeps.append,
            on_event=events.append,
            **kwargs,
        )
        client.fetch_config()
    return sleeps, events


@pytest.mark.parametrize(
    "retry_after",
    ["-5", "soon", "99999", "1e9", "nan", "inf", "", "Wed, 21 Oct 2015 07:28:00 GMT"],
    ids=["negative", "not-a-number", "absurd", "absurd-float", "nan", "inf", "empty", "past-date"],
)
def test_an_unusable_retry_after_waits_the_default_backoff(retry_after: str) -> None:
    sleeps, events = _after_429(retry_after)
    assert sleeps == [1.5]
    assert events == ["oppsettet (/config): HTTP 429; prøver igjen om 1,5 s"]


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("300", 120.0),  # capped at max_wait_seconds
        (format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True), 30.0),
        (format_datetime(datetime.fromtimestamp(NOW + 300, UTC), usegmt=True), 120.0),
        (format_datetime(datetime.fromtimestamp(NOW - 5, UTC), usegmt=True), 1.5),  # just past
        (format_datetime(datetime.fromtimestamp(NOW + 3600, UTC), usegmt=True), 1.5),  # absurd
    ],
    ids=["seconds", "zero", "seconds-capped", "date", "date-capped", "date-past", "date-absurd"],
)
def test_a_retry_after_is_honoured_up_to_the_cap(retry_after: str, wait: float) -> None:
    sleeps, _ = _after_429(retry_after, clock=lambda: NOW)
    assert sleeps == [pytest.approx(wait)]


@pytest.mark.parametrize(
    "config",
    [
        {"maxDataCells": "mange", "maxCallsPerTimeWindow": None, "timeWindow": "lenge"},
        {"maxDataCells": -1, "maxCallsPerTimeWindow": [30], "timeWindow": {"s": 60}},
        {"maxDataCells": None, "maxCallsPerTimeWindow": "30", "timeWindow": -60},
        ["not", "an", "object"],
    ],
)
def test_an_unreadable_config_keeps_the_published_limits(config: Any) -> None:
    body = orjson.dumps(config) if not isinstance(config, dict) else json.dumps(config).encode()
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))) as http:
        assert PxWebClient(http, "http://ssb.test").fetch_config() == ApiLimits()


@pytest.mark.parametrize(
    "answer",
    [
        {"class": "dataset"},
        [METADATA],
        {**METADATA, "dimension": ["KOKkommuneregion0000"]},
        {**METADATA, "size": "4,2,3"},
    ],
    ids=["no-id", "a-list", "dimension-as-a-list", "size-as-text"],
)
def test_malformed_metadata_is_one_line_without_a_retry(answer: Any) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=answer)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None)
        with pytest.raises(
            SourceError, match=r"^SSB sendte et ugyldig svar .* metadata for tabell 12134"
        ) as info:
            client.fetch_metadata("12134")
    assert "\n" not in str(info.value)
    assert len(calls) == 1


def _selection() -> Selection:
    return Selection(
        "12134", (("KOKkommuneregion0000", ("0301", "3201")), ("ContentsCode", ("A",)), ("Tid", ("2024",)))
    )


def _answer(**changes: Any) -> dict[str, Any]:
    doc = {
        **METADATA,
        "size": [2, 1, 1],
        "extension": {"px": {"tableid": "12134"}},
        "value": [1.0, 2.0],
        "dimension": {
            "KOKkommuneregion0000": {"category": {"index": {"0301": 0, "3201": 1}}},
            "ContentsCode": {"category": {"index": {"A": 0}}},
            "Tid": {"category": {"index": {"2024": 0}}},
        },
    }
    doc.update(changes)
    return doc


def test_an_answer_is_checked_against_its_selection() -> None:
    assert read_answer(_answer(), _selection()).size == 2
    assert read_answer(orjson.dumps(_answer()), _selection()).size == 2
    other_region = _answer()
    other_region["dimension"]["KOKkommuneregion0000"] = {"category": {"index": {"0301": 0, "3203": 1}}}
    with pytest.raises(SourceError, match="KOKkommuneregion0000 mangler '3201'"):
        read_answer(other_region, _selection())
    with pytest.raises(SourceError, match="har 1 celle, ventet 2"):
        read_answer(_answer(size=[1, 1, 1]), _selection())
    with pytest.raises(SourceError, match="gjelder tabell 12137"):
        read_answer(_answer(extension={"px": {"tableid": "12137"}}), _selection())


def test_token_bucket_waits_when_the_window_is_used_up() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(3, 60.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(20.0)  # one token every 60/3 seconds
    now[0] += 40.0
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 0.0
    assert slept == [pytest.approx(20.0)]


def test_client_over_mock_transport_refuses_4xx_without_retrying() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            400, json={"type": "Parameter error", "title": "Non-existent value", "status": 400}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None)
        with pytest.raises(SourceError, match="HTTP 400 Non-existent value"):
            client.fetch_metadata("12134")
    assert len(calls) == 1


def test_client_reports_an_unreachable_ssb_in_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None)
        with pytest.raises(SourceUnreachable, match=r"SSB kan ikke nås på http://ssb\.test") as info:
            client.fetch_config()
    assert "\n" not in str(info.value)


# -- required dimensions and discontinued tables -----------------------------------------

WITH_DIMS = {
    **METADATA,
    "id": ["KOKkommuneregion0000", "KOKfunksjon0000", "KOKeieform0000", "Kjonn", "ContentsCode", "Tid"],
    "size": [4, 7, 3, 2, 2, 3],
    "dimension": {
        **METADATA["dimension"],
        "KOKfunksjon0000": {
            "category": {
                "index": {c: i for i, c in enumerate(["130", "221", "222", "261", "381", "386", "FGK9"])}
            },
            "extension": {"elimination": False},
        },
        "KOKeieform0000": {
            "category": {
                "index": {"eid": 0, "leid": 1, "samlet": 2},
                "label": {"eid": "Eid areal", "leid": "Leid areal", "samlet": "Samlet areal"},
            },
            "extension": {"elimination": False},
        },
        "Kjonn": {
            "category": {"index": {"1": 0, "2": 1}, "label": {"1": "Menn", "2": "Kvinner"}},
            "extension": {"elimination": True},
        },
    },
}


def _dims():  # type: ignore[no-untyped-def]
    return read_jsonstat(WITH_DIMS, with_values=False)


def test_a_required_dimension_takes_the_catalog_s_value_or_the_table_s_total() -> None:
    chosen = resolve_filters("11906", _dims(), "A", {"KOKfunksjon0000": "222"}, "indikator x")
    # KOKeieform0000 is required and left open: its total ("Samlet areal"); Kjonn is eliminable
    assert chosen == {"KOKfunksjon0000": "222", "KOKeieform0000": "samlet"}


def test_a_required_dimension_without_value_or_total_names_what_ssb_offers() -> None:
    with pytest.raises(SourceError) as info:
        resolve_filters("11906", _dims(), "A", {"KOKeieform0000": "eid"}, "indikator x")
    assert str(info.value) == (
        "tabell 11906: dimensjonen KOKfunksjon0000 må ha en verdi, men katalogen velger ingen "
        "(indikator x) og SSB har ingen total; SSB har 130, 221, 222, 261, 381, 386, …"
    )


@pytest.mark.parametrize(
    ("contents", "filters", "message"),
    [
        ("C", {}, "tabell 11906: ContentsCode har ingen verdi 'C' (indikator x); SSB har A, B"),
        (
            "A",
            {"KOKfunksjon0000": "222", "KOKeieform0000": "alt"},
            "tabell 11906: KOKeieform0000 har ingen verdi 'alt' (indikator x); SSB har eid, leid, samlet",
        ),
        ("A", {"KOKart0000": "AGD2"}, "tabell 11906: har ingen dimensjon 'KOKart0000' (indikator x)"),
    ],
)
def test_a_value_not_in_the_metadata_is_one_line(
    contents: str, filters: dict[str, str], message: str
) -> None:
    with pytest.raises(SourceError) as info:
        resolve_filters("11906", _dims(), contents, filters, "indikator x")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_an_eliminable_dimension_another_figure_selects_needs_a_value_too() -> None:
    with pytest.raises(SourceError, match=r"dimensjonen Kjonn må ha en verdi, .*; SSB har 1, 2"):
        resolve_filters("11906", _dims(), "A", {"KOKfunksjon0000": "222"}, "indikator x", also=["Kjonn"])


def test_the_total_is_found_by_ssb_s_label() -> None:
    dims = {d.id: d for d in _dims().dimensions}
    assert table_total(dims["KOKeieform0000"]) == "samlet"
    assert table_total(dims["KOKfunksjon0000"]) is None
    assert table_total(dims["Kjonn"]) is None


def test_the_planner_names_the_values_ssb_offers() -> None:
    with pytest.raises(
        SourceError, match=r"KOKkommuneregion0000 må være med i uttrekket; SSB har 0301, 3201"
    ):
        plan_selections("12134", _meta(), {"ContentsCode": ["A"], "Tid": ["2024"]}, 100)


@pytest.mark.parametrize(("flag", "expected"), [(True, True), (None, False), (False, False)])
def test_the_discontinued_mark_is_read_from_the_metadata(flag: Any, expected: bool) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={**METADATA, "extension": {"discontinued": flag, "px": {}}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        meta = PxWebClient(http, "http://ssb.test").fetch_table_metadata("12210")
    assert meta.discontinued is expected and meta.cube.dimension("geo") is not None
    # D6: metadata is JSON-stat 2.0 always; no outputFormat is sent
    assert dict(seen[0].url.params) == {"lang": "no"}
