"""A token bucket that keeps a client under a server's request-rate limit.

SSB allows a fixed number of calls per time window (30 per 60 s when this was
written; the live limit is announced in ``/config`` or the ``x-ratelimit-*``
headers). The bucket starts full, refills continuously, and :meth:`acquire`
sleeps until a token is free. One bucket is shared by every client of the same
server (PxWebApi and KLASS both live on data.ssb.no), so a limit learnt later is
set with :meth:`reconfigure`, not by making a new bucket. Clock and sleep are
injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


def _limits(calls: int, per_seconds: float) -> tuple[float, float]:
    if calls < 1 or not per_seconds > 0:
        raise ValueError("a rate limit needs at least one call per positive time window")
    return float(calls), calls / per_seconds


class TokenBucket:
    def __init__(
        self,
        calls: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity, self.rate = _limits(calls, per_seconds)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def reconfigure(self, calls: int, per_seconds: float) -> None:
        """Adopt a new limit, keeping the tokens already spent (never more than the new capacity)."""
        capacity, rate = _limits(calls, per_seconds)
        with self._lock:
            self._refill()
            self.capacity, self.rate = capacity, rate
            self._tokens = min(self._tokens, capacity)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one token, sleeping first if none is free; returns the seconds slept."""
        with self._lock:
            self._refill()
            wait = 0.0
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.rate
                self._sleep(wait)
                self.waited += wait
                self._refill()
            self._tokens -= 1.0
            return wait

    def drain(self) -> None:
        """The server said the window is used up: wait a full token's time before the next call."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)
