"""The KLASS client over httpx.MockTransport: retried like PxWebApi, one line when it gives up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.klass import KlassClient
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
