"""The PxWebApi v2 client's pure parts (limits, selections, the planner, retries, the bucket),
and the client over httpx.MockTransport: Retry-After, malformed answers."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import orjson
import pytest

from kostra.errors import InputError, SourceError, SourceUnreachable
from kostra.sources.jsonstat import Dimension, read_jsonstat
from kostra.sources.pxweb import (
    ApiLimits,
    PxWebClient,
    RetryPolicy,
    Selection,
    _discontinued,
    offered,
    plan_selections,
    read_answer,
    resolve_filters,
    ssb_base_url,
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
    # 2·2·3 = 12 cells > 2, and no one dimension can be sliced: one region leaves 2·3 = 6 > 2,
    # one year 2·2 = 4 > 2, one figure 2·3 = 6 > 2. So the regions are halved (1 + 1) and each
    # region's 6 cells are cut by year: 2 // (1·2) = 1 year per request, 2 cells each.
    assert [tuple(codes for _, codes in p.dimensions) for p in plans] == [
        (("0301",), ("A", "B"), ("2022",)),
        (("0301",), ("A", "B"), ("2023",)),
        (("0301",), ("A", "B"), ("2024",)),
        (("3201",), ("A", "B"), ("2022",)),
        (("3201",), ("A", "B"), ("2023",)),
        (("3201",), ("A", "B"), ("2024",)),
    ]
    assert all(p.table == "12134" for p in plans)


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
        with pytest.raises(SourceUnreachable) as info:
            client.fetch_config()
    assert str(info.value) == (
        "SSB kan ikke nås på http://ssb.test (ConnectError); "
        "tallene i datalageret er uendret; sjekk nettforbindelsen eller KOSTRA_SSB_URL"
    )


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
        (
            "A",
            {"KOKart0000": "AGD2"},
            "tabell 11906: har ingen dimensjon 'KOKart0000' (indikator x); SSBs dimensjoner er "
            "KOKkommuneregion0000, KOKfunksjon0000, KOKeieform0000, Kjonn, ContentsCode, Tid",
        ),
    ],
)
def test_a_value_not_in_the_metadata_is_one_line(
    contents: str, filters: dict[str, str], message: str
) -> None:
    with pytest.raises(SourceError) as info:
        resolve_filters("11906", _dims(), contents, filters, "indikator x")
    assert str(info.value) == message


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


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ({"discontinued": True, "px": {}}, True),
        ({"discontinued": None, "px": {}}, False),
        ({"discontinued": False, "px": {}}, False),
        # the flag written as text, in any case and with spaces around it
        ({"discontinued": "true"}, True),
        ({"discontinued": " TRUE "}, True),
        ({"discontinued": "yes"}, True),
        ({"discontinued": "Yes"}, True),
        ({"discontinued": "ja"}, True),
        ({"discontinued": "JA"}, True),
        ({"discontinued": "false"}, False),
        ({"discontinued": "nei"}, False),
        ({"discontinued": 1}, False),
        ({}, False),
        ("discontinued", False),  # an extension that is not an object carries no flag
    ],
)
def test_the_discontinued_mark_is_read_from_the_metadata(extension: Any, expected: bool) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={**METADATA, "extension": extension})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        meta = PxWebClient(http, "http://ssb.test").fetch_table_metadata("12210")
    assert meta.discontinued is expected and meta.cube.dimension("geo") is not None
    assert meta.table == "12210"
    assert seen[0].method == "GET" and str(seen[0].url.copy_with(query=None)) == (
        "http://ssb.test/tables/12210/metadata"
    )
    # D6: metadata is JSON-stat 2.0 always; no outputFormat is sent
    assert dict(seen[0].url.params) == {"lang": "no"}


# -- mutation-testing additions: URLs, /config, the planner's order, messages, the data request --


def test_the_base_url_comes_from_kostra_ssb_url_without_a_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KOSTRA_SSB_URL", raising=False)
    assert ssb_base_url() == "https://data.ssb.no/api/pxwebapi/v2"
    # a path may end in any character; only the slashes after it go
    monkeypatch.setenv("KOSTRA_SSB_URL", "http://proxy.test/SSBX//")
    assert ssb_base_url() == "http://proxy.test/SSBX"
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=CONFIG))) as http:
        assert PxWebClient(http).base_url == "http://proxy.test/SSBX"
        assert PxWebClient(http, "http://ssb.test/v2X/").base_url == "http://ssb.test/v2X"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # every limit SSB states is adopted, a window of half a second too
        ({"maxDataCells": 150000, "maxCallsPerTimeWindow": 10, "timeWindow": 20}, (150_000, 10, 20.0)),
        ({"maxDataCells": 1, "maxCallsPerTimeWindow": 1, "timeWindow": 0.5}, (1, 1, 0.5)),
        ({"maxDataCells": "150000", "maxCallsPerTimeWindow": "10", "timeWindow": "20"}, (150_000, 10, 20.0)),
        # a rate needs both a number of calls and a window: half of one keeps both defaults
        ({"maxDataCells": 0, "maxCallsPerTimeWindow": 10, "timeWindow": 0}, (800_000, 30, 60.0)),
        ({"maxDataCells": 0, "maxCallsPerTimeWindow": 0, "timeWindow": 10}, (800_000, 30, 60.0)),
        ({"maxCallsPerTimeWindow": 0.5, "timeWindow": 10}, (800_000, 30, 60.0)),  # int(0,5) = 0 calls
        # negative and infinite values are unreadable, not limits
        ({"maxDataCells": -5, "maxCallsPerTimeWindow": -10, "timeWindow": -60}, (800_000, 30, 60.0)),
        ({"maxDataCells": "1e999", "maxCallsPerTimeWindow": 10, "timeWindow": "inf"}, (800_000, 30, 60.0)),
        ({"maxDataCells": "nan", "maxCallsPerTimeWindow": "nan", "timeWindow": "nan"}, (800_000, 30, 60.0)),
    ],
)
def test_limits_from_config(config: dict[str, Any], expected: tuple[int, int, float]) -> None:
    assert ApiLimits.from_config(config) == ApiLimits(*expected)


def test_the_client_adopts_ssb_s_config_and_its_bucket_follows() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"maxDataCells": 150000, "maxCallsPerTimeWindow": 10, "timeWindow": 20}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test/")
        assert client.fetch_config() == ApiLimits(150_000, 10, 20.0)
    assert client.limits == ApiLimits(150_000, 10, 20.0)
    assert client.bucket.capacity == 10.0 and client.bucket.rate == pytest.approx(0.5)  # 10 calls / 20 s
    assert [(r.method, str(r.url)) for r in seen] == [("GET", "http://ssb.test/config")]


def test_the_client_waits_on_its_own_sleep_when_the_rate_limit_is_used_up() -> None:
    sleeps: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=METADATA))) as http:
        client = PxWebClient(
            http, "http://ssb.test", limits=ApiLimits(max_calls=1, window_seconds=10.0), sleep=sleeps.append
        )
        client.fetch_metadata("12134")
        client.fetch_metadata("12134")
    # one call per 10 s: the second call waits (almost) the whole 10 s, through the injected sleep
    assert sleeps == [pytest.approx(10.0, abs=5.0)]


def test_a_selection_describes_itself_in_norwegian() -> None:
    assert _selection().describe() == "tabell 12134 (KOKkommuneregion0000=2, ContentsCode=1, Tid=1; 2 celler)"
    assert Selection("12134", (("Tid", ("2024",)),)).describe() == "tabell 12134 (Tid=1; 1 celle)"
    big = Selection("12134", (("KOKkommuneregion0000", ("0301",) * 2000), ("Tid", ("2024",) * 500)))
    # 2 000 · 500 = 1 000 000 cells, thousands split by a no-break space
    assert big.describe() == "tabell 12134 (KOKkommuneregion0000=2\xa0000, Tid=500; 1\xa0000\xa0000 celler)"


def test_a_selection_s_key_is_the_sha256_of_its_json_cut_to_24_hex_digits() -> None:
    one = Selection("12134", (("Tid", ("2024",)),))
    assert one.key() == hashlib.sha256(b'["12134",[["Tid",["2024"]]]]').hexdigest()[:24]
    assert len(one.key()) == 24
    assert Selection("12134", (("Tid", ("2023",)),)).key() != one.key()


def test_a_request_of_exactly_max_cells_is_one_request() -> None:
    wanted = {"KOKkommuneregion0000": ["0301", "3201"], "ContentsCode": ["A", "B"], "Tid": ["2024"]}
    plans = plan_selections("12134", _meta(), wanted, max_cells=4)  # 2·2·1 = 4 cells
    assert [p.dimensions for p in plans] == [
        (("KOKkommuneregion0000", ("0301", "3201")), ("ContentsCode", ("A", "B")), ("Tid", ("2024",)))
    ]
    assert plans[0].table == "12134"


def test_the_planner_cuts_years_before_figures() -> None:
    wanted = {"KOKkommuneregion0000": ["0301"], "ContentsCode": ["A", "B"], "Tid": ["2022", "2023", "2024"]}
    plans = plan_selections("12134", _meta(), wanted, max_cells=3)
    # 1·2·3 = 6 cells > 3. The one region leaves 6 > 3; then years (before figures, although
    # ContentsCode comes first in the table): one year leaves 1·2 = 2, so 3 // 2 = 1 year a request.
    # (Cutting figures instead would give 2 requests of 3 cells.)
    assert [tuple(codes for _, codes in p.dimensions) for p in plans] == [
        (("0301",), ("A", "B"), ("2022",)),
        (("0301",), ("A", "B"), ("2023",)),
        (("0301",), ("A", "B"), ("2024",)),
    ]
    assert all(p.table == "12134" for p in plans)


def test_the_planner_halves_the_regions_and_plans_each_half_again() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301", "3201", "3203", "EAK"],
        "ContentsCode": ["A", "B"],
        "Tid": ["2022", "2023", "2024"],
    }
    plans = plan_selections("12134", _meta(), wanted, max_cells=4)
    # 4·2·3 = 24 > 4 and no one dimension can be sliced: one region leaves 2·3 = 6 > 4, one year
    # 4·2 = 8 > 4, one figure 4·3 = 12 > 4. Regions are halved (4 // 2 = 2 each): 2·2·3 = 12, where
    # one year leaves 2·2 = 4 ≤ 4, so 4 // 4 = 1 year a request: 2 halves × 3 years = 6 requests.
    assert [tuple(codes for _, codes in p.dimensions) for p in plans] == [
        (("0301", "3201"), ("A", "B"), ("2022",)),
        (("0301", "3201"), ("A", "B"), ("2023",)),
        (("0301", "3201"), ("A", "B"), ("2024",)),
        (("3203", "EAK"), ("A", "B"), ("2022",)),
        (("3203", "EAK"), ("A", "B"), ("2023",)),
        (("3203", "EAK"), ("A", "B"), ("2024",)),
    ]
    assert all(p.table == "12134" for p in plans)


def test_a_dimension_without_a_role_is_cut_last_in_the_table_s_order() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301"],
        "KOKfunksjon0000": ["221", "130"],
        "KOKeieform0000": ["samlet"],
        "ContentsCode": ["A"],
        "Tid": ["2024"],
    }
    plans = plan_selections("11906", _dims(), wanted, max_cells=1)
    # 2 cells > 1: region, year and figure have one code each (one leaves 2 > 1); the functions,
    # which have no role, are cut into 1 // 1 = 1 a request; codes in the table's order.
    assert [p.dimensions for p in plans] == [
        (
            ("KOKkommuneregion0000", ("0301",)),
            ("KOKfunksjon0000", (code,)),
            ("KOKeieform0000", ("samlet",)),
            ("ContentsCode", ("A",)),
            ("Tid", ("2024",)),
        )
        for code in ("130", "221")
    ]


def test_offered_lists_at_most_six_values() -> None:
    dims = {d.id: d for d in _dims().dimensions}
    assert offered(dims["KOKfunksjon0000"]) == "130, 221, 222, 261, 381, 386, …"  # 7 values
    assert offered(dims["KOKfunksjon0000"], limit=7) == "130, 221, 222, 261, 381, 386, FGK9"
    assert offered(dims["ContentsCode"]) == "A, B"


def test_a_required_dimension_without_any_value_says_so() -> None:
    doc = {
        **WITH_DIMS,
        "id": [*WITH_DIMS["id"], "Tom"],
        "size": [*WITH_DIMS["size"], 0],
        "dimension": {
            **WITH_DIMS["dimension"],
            "Tom": {"category": {"index": {}}, "extension": {"elimination": False}},
        },
    }
    with pytest.raises(SourceError) as info:
        resolve_filters(
            "11906",
            read_jsonstat(doc, with_values=False),
            "A",
            {"KOKfunksjon0000": "222", "KOKeieform0000": "eid"},
            "indikator x",
        )
    assert str(info.value) == (
        "tabell 11906: dimensjonen Tom må ha en verdi, men katalogen velger ingen "
        "(indikator x) og SSB har ingen total; SSB har ingen verdier"
    )


@pytest.mark.parametrize(
    ("labels", "total"),
    [
        (("0 år", "1 år", "I alt"), "c"),
        (("0 år", "1 år", "  i alt "), "c"),
        (("0 år", "Alle aldre", "1 år"), "b"),
        (("Totalt", "Menn", "Kvinner"), "a"),
        (("I alt", "Menn", "Sum"), None),  # two totals: none is the total
        (("Alternativ", "Summen av", "Allergi"), None),  # a total word must stand alone
    ],
)
def test_the_total_is_the_one_label_that_is_a_total_word(labels: tuple[str, ...], total: str | None) -> None:
    assert table_total(Dimension("Alder", "alder", ("a", "b", "c"), labels, None)) == total


def test_the_discontinued_flag_of_an_answer_that_is_not_an_object_is_false() -> None:
    assert _discontinued(["extension"]) is False
    assert _discontinued('{"extension": {"discontinued": true}}') is False


def test_malformed_metadata_names_the_request_once() -> None:
    answer = {**METADATA, "size": "4,2,3"}
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))
    with httpx.Client(transport=transport) as http, pytest.raises(SourceError) as info:
        PxWebClient(http, "http://ssb.test").fetch_metadata("12134")
    assert str(info.value) == (
        "SSB sendte et ugyldig svar på forespørselen om metadata for tabell 12134: "
        "JSON-stat 'size' må være en liste med ett tall per dimensjon (3)"
    )


def test_the_metadata_of_a_table_bigger_than_any_extract_is_read() -> None:
    # 2 000 regions · 10 figures · 600 years = 12 000 000 cells, above the 10 000 000 kostra reads
    # as data: metadata carries no values, so its size is no limit
    regions = [f"{i:04d}" for i in range(2000)]
    figures = [f"C{i}" for i in range(10)]
    years = [str(1500 + i) for i in range(600)]
    doc = {
        **METADATA,
        "size": [2000, 10, 600],
        "dimension": {
            "KOKkommuneregion0000": {"category": {"index": regions}},
            "ContentsCode": {"category": {"index": figures}},
            "Tid": {"category": {"index": years}},
        },
    }
    body = orjson.dumps(doc)
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))) as http:
        cube = PxWebClient(http, "http://ssb.test").fetch_metadata("12134")
    assert [len(d.codes) for d in cube.dimensions] == [2000, 10, 600] and cube.size == 0


# -- read_answer: every message names the request ------------------------------------------

ASKED = "SSBs svar på forespørselen om tabell 12134 (KOKkommuneregion0000=2, ContentsCode=1, Tid=1; 2 celler)"


def test_an_answer_of_the_wrong_size_is_refused_before_it_is_read() -> None:
    with pytest.raises(SourceError) as info:
        read_answer(_answer(size=[3, 1, 1]), _selection())
    assert str(info.value) == f"{ASKED} har 3 celler, ventet 2"
    # raw bytes are checked the same way (its 2 values would not fit 1 cell either)
    with pytest.raises(SourceError) as info:
        read_answer(orjson.dumps(_answer(size=[1, 1, 1])), _selection())
    assert str(info.value) == f"{ASKED} har 1 celle, ventet 2"


def test_an_answer_that_is_no_dataset_is_refused_by_the_reader_with_the_request_s_name() -> None:
    name = "tabell 12134 (KOKkommuneregion0000=2, ContentsCode=1, Tid=1; 2 celler)"
    with pytest.raises(InputError) as info:
        read_answer([_answer()], _selection())
    assert str(info.value) == f"{name}: er ikke et JSON-stat 2.0-datasett (mangler class 'dataset' med 'id')"
    without_size = _answer()
    del without_size["size"]
    with pytest.raises(InputError) as info:
        read_answer(without_size, _selection())
    assert str(info.value) == f"{name}: JSON-stat 'size' må være en liste med ett tall per dimensjon (3)"


def test_an_answer_may_carry_an_eliminated_dimension_as_its_single_total() -> None:
    doc = _answer(
        id=["KOKkommuneregion0000", "Kjonn", "ContentsCode", "Tid"],
        size=[2, 1, 1, 1],
    )
    doc["dimension"]["Kjonn"] = {"category": {"index": {"0": 0}, "label": {"0": "Begge kjønn"}}}
    assert read_answer(doc, _selection()).values.tolist() == [1.0, 2.0]


def test_an_answer_with_other_dimensions_names_them() -> None:
    # Kjonn has 2 values, so it is no eliminated total: it is in the answer instead of the regions
    doc = _answer(id=["Kjonn", "ContentsCode", "Tid"], role={"metric": ["ContentsCode"], "time": ["Tid"]})
    doc["dimension"] = {
        "Kjonn": {"category": {"index": {"1": 0, "2": 1}}},
        "ContentsCode": {"category": {"index": {"A": 0}}},
        "Tid": {"category": {"index": {"2024": 0}}},
    }
    with pytest.raises(SourceError) as info:
        read_answer(doc, _selection())
    assert str(info.value) == (
        f"{ASKED} har dimensjonene Kjonn, ContentsCode, Tid, ventet KOKkommuneregion0000, ContentsCode, Tid"
    )
    # an answer with nothing but an eliminated total has none of the dimensions asked for
    one = Selection(
        "12134", (("KOKkommuneregion0000", ("0301",)), ("ContentsCode", ("A",)), ("Tid", ("2024",)))
    )
    doc = _answer(id=["Kjonn"], size=[1], role={}, value=[5.0])
    doc["dimension"] = {"Kjonn": {"category": {"index": {"0": 0}}}}
    with pytest.raises(SourceError) as info:
        read_answer(doc, one)
    assert str(info.value) == (
        "SSBs svar på forespørselen om tabell 12134 (KOKkommuneregion0000=1, ContentsCode=1, Tid=1; 1 celle) "
        "har dimensjonene ingen, ventet KOKkommuneregion0000, ContentsCode, Tid"
    )


def test_an_answer_with_a_value_not_asked_for_names_it() -> None:
    # the same 2 cells, but as 2 figures for 1 region instead of 1 figure for 2 regions
    selection = Selection(
        "12134", (("ContentsCode", ("A",)), ("KOKkommuneregion0000", ("0301", "3201")), ("Tid", ("2024",)))
    )
    doc = _answer(size=[1, 2, 1])
    doc["dimension"]["KOKkommuneregion0000"] = {"category": {"index": {"0301": 0}}}
    doc["dimension"]["ContentsCode"] = {"category": {"index": {"A": 0, "B": 1}}}
    with pytest.raises(SourceError) as info:
        read_answer(doc, selection)
    assert str(info.value) == (
        "SSBs svar på forespørselen om tabell 12134 "
        "(ContentsCode=1, KOKkommuneregion0000=2, Tid=1; 2 celler) "
        "er ikke det som ble spurt om: ContentsCode har 'B' i tillegg"
    )
    # a selection that repeats a code: the same codes, but not as many
    twice = Selection(
        "12134", (("KOKkommuneregion0000", ("0301", "0301")), ("ContentsCode", ("A",)), ("Tid", ("2024",)))
    )
    with pytest.raises(SourceError) as info:
        read_answer(doc, twice)
    assert str(info.value) == f"{ASKED} er ikke det som ble spurt om: KOKkommuneregion0000"


# -- fetch_data over httpx.MockTransport ----------------------------------------------------


def test_fetch_data_posts_the_selection_and_counts_the_cells() -> None:
    body = orjson.dumps(_answer())
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", limits=ApiLimits(max_cells=2))  # 2 cells: just within
        raw, cube = client.fetch_data(_selection())
        client.fetch_data(_selection())
    assert raw == body and cube.values.tolist() == [1.0, 2.0] and cube.table_id == "12134"
    assert client.stats.cells == 4 and client.stats.requests == 2  # 2 requests of 2 cells
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url.copy_with(query=None)) == "http://ssb.test/tables/12134/data"
    assert dict(request.url.params) == {"lang": "no", "outputFormat": "json-stat2"}
    assert orjson.loads(request.content) == _selection().body()


def test_fetch_data_refuses_a_selection_over_the_cell_limit_without_asking() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    big = Selection("12134", (("KOKkommuneregion0000", ("0301",) * 2000), ("Tid", ("2024",) * 500)))
    with httpx.Client(transport=httpx.MockTransport(handler)) as http, pytest.raises(SourceError) as info:
        PxWebClient(http, "http://ssb.test").fetch_data(big)
    assert str(info.value) == (
        "tabell 12134 (KOKkommuneregion0000=2\xa0000, Tid=500; 1\xa0000\xa0000 celler) er over SSBs grense "
        "på 800\xa0000 celler; del opp uttrekket først"
    )
    assert seen == []


def test_fetch_data_names_the_selection_in_retries_and_refusals() -> None:
    answers = iter(
        [
            httpx.Response(503),
            httpx.Response(200, json=_answer(extension={"px": {"tableid": "12137"}})),
        ]
    )
    events: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(lambda request: next(answers))) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None, on_event=events.append)
        with pytest.raises(SourceError) as info:
            client.fetch_data(_selection())
    assert events == [
        "tabell 12134 (KOKkommuneregion0000=2, ContentsCode=1, Tid=1; 2 celler): "
        "HTTP 503; prøver igjen om 1,0 s"
    ]
    assert str(info.value) == f"{ASKED} gjelder tabell 12137"
    assert client.stats.cells == 0
