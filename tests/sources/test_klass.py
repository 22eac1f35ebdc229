"""The KLASS client over httpx.MockTransport: retried like PxWebApi, one line when it gives up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pandas as pd
import pytest

from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.klass import (
    KlassClient,
    kostra_groups_at,
    kostra_memberships,
    oriented_groups,
    without_years,
)
from kostra.sources.pxweb import PxWebClient, RetryPolicy
from kostra.sources.ratelimit import TokenBucket

CODES = {
    "codes": [
        {"code": "0301", "name": "Oslo", "validFrom": None, "validTo": None},
        {"code": "3201", "name": "Bærum", "validFrom": None, "validTo": None},
    ]
}
WHOLE = httpx.Response(200, json=CODES)


Handler = Callable[[httpx.Request], httpx.Response]


def _answers(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that gives ``answers`` in turn (an exception is raised), and the requests it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def _client(handler: Handler, sleeps: list[float], events: list[str], **kwargs: Any) -> KlassClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return KlassClient(
        http,
        "http://klass.test",
        retry=kwargs.pop("retry", RetryPolicy(attempts=3, backoff_seconds=0.5)),
        sleep=sleeps.append,
        on_event=events.append,
        **kwargs,
    )


def _truncated() -> httpx.Response:
    body = httpx.Response(200, json=CODES).content
    return httpx.Response(200, content=body[: len(body) // 2])


@pytest.mark.parametrize(
    ("first", "wait", "problem"),
    [
        (httpx.Response(429, headers={"Retry-After": "2"}), 2.0, "HTTP 429"),
        (httpx.Response(500), 1.0, "HTTP 500"),
        (httpx.Response(503, text="Service Unavailable"), 1.0, "HTTP 503"),
        (_truncated(), 1.0, "ufullstendig eller ugyldig JSON"),
        (httpx.ReadTimeout("too slow"), 1.0, "tidsavbrudd"),
        (httpx.RemoteProtocolError("peer closed connection"), 1.0, "ødelagt svar"),
    ],
    ids=["429", "500", "503", "truncated", "timeout", "connection-broken"],
)
def test_a_klass_fault_is_retried_then_the_answer_is_read(
    monkeypatch: pytest.MonkeyPatch, first: httpx.Response | Exception, wait: float, problem: str
) -> None:
    # built as api.py builds it, with the default policy; time.sleep recorded instead of slept
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    handler, seen = _answers(first, WHOLE)
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = KlassClient(http, "http://klass.test", acquire=lambda: None)
        codes = client.fetch_codes_at(131, date(2024, 1, 1))
    assert list(codes["code"]) == ["0301", "3201"]
    assert len(seen) == 2
    assert sleeps == [wait]
    events = client.stats.events
    assert len(events) == 1 and problem in events[0] and "KLASS-klassifikasjon 131" in events[0]


def test_klass_retries_are_reported_to_on_event() -> None:
    handler, _ = _answers(httpx.Response(500), WHOLE)
    sleeps: list[float] = []
    events: list[str] = []
    _client(handler, sleeps, events).fetch_changes(131, date(2015, 1, 1), date(2024, 1, 1))
    assert sleeps == [0.5]
    assert events == [
        "endringene i KLASS-klassifikasjon 131 01.01.2015–01.01.2024: HTTP 500; prøver igjen om 0,5 s"
    ]


def test_klass_gives_up_in_one_line_after_the_policy_s_attempts() -> None:
    handler, seen = _answers(*(httpx.Response(500) for _ in range(3)))
    sleeps: list[float] = []
    with pytest.raises(SourceError, match="etter 3 forsøk") as info:
        _client(handler, sleeps, []).fetch_correspondence(2840)
    assert str(info.value).startswith("KLASS svarte ikke") and "\n" not in str(info.value)
    assert len(seen) == 3 and sleeps == [0.5, 1.0]  # the same doubling backoff as PxWebApi


def test_a_klass_client_error_is_not_retried() -> None:
    handler, seen = _answers(httpx.Response(404, json={"error": "not found"}))
    with pytest.raises(SourceError, match=r"KLASS avviste forespørselen .* HTTP 404"):
        _client(handler, [], []).fetch_correspondence(9999)
    assert len(seen) == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json=[CODES]),
        httpx.Response(200, json={"codes": {"0301": "Oslo"}}),
        httpx.Response(200, json={"codes": [{"name": "Oslo"}]}),
    ],
    ids=["a-list", "codes-as-object", "a-code-without-code"],
)
def test_a_malformed_klass_answer_is_one_line_without_a_retry(answer: httpx.Response) -> None:
    handler, seen = _answers(answer)
    with pytest.raises(SourceError, match=r"^KLASS sendte et") as info:
        _client(handler, [], []).fetch_codes_at(131, date(2024, 1, 1))
    assert "\n" not in str(info.value)
    assert len(seen) == 1


def test_an_unreachable_klass_is_one_line() -> None:
    handler, _ = _answers(httpx.ConnectError("connection refused"))
    with pytest.raises(SourceUnreachable, match=r"KLASS kan ikke nås på http://klass\.test .*--no-regions"):
        _client(handler, [], []).fetch_codes_at(131, date(2024, 1, 1))


def test_klass_takes_a_token_from_the_shared_bucket_for_every_attempt() -> None:
    now = [0.0]
    bucket = TokenBucket(2, 60.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    handler, _ = _answers(httpx.Response(500), WHOLE)
    _client(handler, [], [], bucket=bucket).fetch_codes_at(131, date(2024, 1, 1))
    assert bucket.acquire() == pytest.approx(30.0)  # both tokens went to KLASS's two attempts


def test_the_older_acquire_callable_is_still_called_per_attempt() -> None:
    calls: list[int] = []
    handler, _ = _answers(httpx.Response(429, headers={"Retry-After": "0"}), WHOLE)
    http = httpx.Client(transport=httpx.MockTransport(handler))
    KlassClient(http, "http://klass.test", acquire=lambda: calls.append(1)).fetch_codes_at(
        131, date(2024, 1, 1)
    )
    assert len(calls) == 2


def test_alongside_shares_bucket_policy_events_and_counters_with_pxweb() -> None:
    failed: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "klass.test" and not failed:
            failed.append(str(request.url))
            return httpx.Response(503)
        return WHOLE

    sleeps: list[float] = []
    events: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        pxweb = PxWebClient(
            http,
            "http://ssb.test",
            retry=RetryPolicy(attempts=2, backoff_seconds=0.25),
            sleep=sleeps.append,
            on_event=events.append,
        )
        klass = KlassClient.alongside(pxweb, "http://klass.test")
        assert klass.sender.gate is pxweb.bucket and klass.http is http
        klass.fetch_codes_at(131, date(2024, 1, 1))
    assert sleeps == [0.25] and len(events) == 1 and "HTTP 503" in events[0]
    assert pxweb.stats.requests == 2 and pxweb.stats.retries == 1 and pxweb.stats.events == events


# -- KOSTRA groups by year, direction checked ----------------------------------------------

MUNICIPALITIES = {"0301", "3201", "4601"}


def _pairs(rows: list[tuple[str, str]], **attrs: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(s, "", t, "") for s, t in rows],
        columns=["source_code", "source_name", "target_code", "target_name"],
    )
    frame.attrs.update(attrs)
    return frame


@pytest.mark.parametrize(
    ("rows", "attrs"),
    [
        ([("0301", "EKG13"), ("3201", "EKG12"), ("4601", "EKG12")], {}),
        ([("EKG13", "0301"), ("EKG12", "3201"), ("EKG12", "4601")], {}),  # as SSB stores it: 112 -> 131
        ([("13", "0301"), ("12", "3201"), ("12", "4601")], {"source_id": 112, "target_id": 131}),
        ([("0301", "13"), ("3201", "12"), ("4601", "12")], {"source_id": 131, "target_id": 112}),
    ],
    ids=["131-to-112", "reversed-by-codes", "reversed-by-ids", "by-ids"],
)
def test_kostra_groups_come_out_right_whichever_way_klass_gives_them(
    rows: list[tuple[str, str]], attrs: dict[str, int]
) -> None:
    groups = oriented_groups(_pairs(rows, **attrs), MUNICIPALITIES, "korrespondansen")
    assert dict(zip(groups["code"], groups["group"], strict=True)) == {
        "0301": "EKG13",
        "3201": "EKG12",
        "4601": "EKG12",
    }


@pytest.mark.parametrize(
    ("rows", "attrs", "message"),
    [
        ([("EKG12", "K12")], {}, "ingen kommunenummer"),
        ([("0301", "EKG13")], {"source_id": 131, "target_id": 104}, "mellom klassifikasjon 131 og 104"),
        ([("0301", "Kostragruppe 13")], {}, "ingen kommunenummer som hører til en KOSTRA-gruppe"),
    ],
)
def test_a_correspondence_that_is_not_municipality_to_group_is_one_line(
    rows: list[tuple[str, str]], attrs: dict[str, int], message: str
) -> None:
    with pytest.raises(SourceError, match=message) as info:
        oriented_groups(_pairs(rows, **attrs), MUNICIPALITIES, "korrespondansen")
    assert "\n" not in str(info.value)


def test_corresponds_at_asks_klass_for_the_date_and_reads_correspondence_items() -> None:
    answer = {
        "correspondenceItems": [
            {
                "sourceCode": "4601",
                "sourceName": "Bergen",
                "targetCode": "EKG12",
                "targetName": "Kostragruppe 12",
            }
        ]
    }
    handler, seen = _answers(httpx.Response(200, json=answer))
    groups = kostra_groups_at(_client(handler, [], []), 2020, {"4601"})
    assert groups.to_dict("records") == [{"code": "4601", "group": "EKG12"}]
    assert seen[0].url.path == "/classifications/131/correspondsAt"
    assert dict(seen[0].url.params) == {"targetClassificationId": "112", "date": "2020-01-01"}


def test_a_correspondence_table_carries_its_direction() -> None:
    table = {
        "sourceId": 112,
        "targetId": 131,
        "correspondenceMaps": [{"sourceCode": "EKG12", "targetCode": "4601"}],
    }
    handler, _ = _answers(httpx.Response(200, json=table))
    frame = _client(handler, [], []).fetch_correspondence(2840)
    assert frame.attrs == {"source_id": 112, "target_id": 131}
    assert oriented_groups(frame, {"4601"}, "2840").to_dict("records") == [{"code": "4601", "group": "EKG12"}]


def test_memberships_by_year_become_spans_and_other_years_are_kept() -> None:
    fetched = pd.DataFrame(
        [("3024", "EKG12", 2020), ("3024", "EKG12", 2021), ("3201", "EKG12", 2024)],
        columns=["code", "group", "year"],
    )
    rows = kostra_memberships(fetched, {"EKG12": "kostragruppe-12"}, "klass-112")
    assert list(rows.itertuples(index=False, name=None)) == [
        ("kostragruppe-12", "3024", 2020, 2021, "klass-112"),
        ("kostragruppe-12", "3201", 2024, 2024, "klass-112"),
    ]
    earlier = pd.DataFrame(
        [
            ("kostragruppe-12", "4601", None, None, "klass-112"),
            ("kostragruppe-12", "3024", 2020, 2023, "klass-112"),
        ],
        columns=["group_id", "region_code", "from_year", "to_year", "source"],
    )
    kept = without_years(earlier, [2021, 2024])
    assert [(r.region_code, r.from_year, r.to_year) for r in kept.itertuples()] == [
        ("4601", pd.NA, 2020),
        ("4601", 2022, 2023),
        ("4601", 2025, pd.NA),
        ("3024", 2020, 2020),
        ("3024", 2022, 2023),
    ]
