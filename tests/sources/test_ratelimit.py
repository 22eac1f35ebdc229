"""The token bucket shared by the PxWebApi and KLASS clients."""

from __future__ import annotations

import pytest

from kostra.sources.ratelimit import TokenBucket


def _bucket(calls: int, seconds: float) -> tuple[TokenBucket, list[float]]:
    now = [0.0]
    slept: list[float] = []

    def sleep(wait: float) -> None:
        slept.append(wait)
        now[0] += wait

    return TokenBucket(calls, seconds, clock=lambda: now[0], sleep=sleep), slept


def test_reconfigure_keeps_the_tokens_spent_and_the_new_rate() -> None:
    bucket, slept = _bucket(30, 60.0)
    bucket.acquire()  # /config, under the published default
    bucket.reconfigure(2, 10.0)  # what /config announced: a full bucket is cut to its capacity
    assert [bucket.acquire(), bucket.acquire()] == [0.0, 0.0]
    assert bucket.acquire() == pytest.approx(5.0)  # one token every 10/2 seconds
    assert slept == [pytest.approx(5.0)]


def test_reconfigure_never_adds_tokens() -> None:
    bucket, _ = _bucket(1, 60.0)
    bucket.acquire()
    bucket.reconfigure(30, 60.0)
    assert bucket.acquire() == pytest.approx(2.0)  # the spent token is still spent


@pytest.mark.parametrize(("calls", "seconds"), [(0, 60.0), (30, 0.0), (30, -1.0), (30, float("nan"))])
def test_a_limit_without_calls_or_time_is_refused(calls: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="at least one call"):
        TokenBucket(calls, seconds)
    bucket, _ = _bucket(30, 60.0)
    with pytest.raises(ValueError, match="at least one call"):
        bucket.reconfigure(calls, seconds)


def test_drain_makes_the_next_call_wait_a_token() -> None:
    bucket, slept = _bucket(30, 60.0)
    bucket.drain()
    assert bucket.acquire() == pytest.approx(2.0)
    assert slept == [pytest.approx(2.0)]
