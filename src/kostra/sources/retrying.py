"""One retry loop for SSB's HTTP APIs (PxWebApi v2 and KLASS).

:class:`RetryingHttp` sends one logical request: it takes a token from the
shared rate-limit bucket before every attempt, and retries with backoff on 429
(honouring a sensible ``Retry-After``), 5xx, timeouts, broken connections and
bodies that are not JSON (a truncated answer). Everything else is final: a
refused connection is :class:`~kostra.errors.SourceUnreachable`, another 4xx a
:class:`~kostra.errors.SourceError`, and so is valid JSON of the wrong shape
(asking again would only get the same answer). Every retry is counted in
:class:`ClientStats` and reported as one bokmål line to ``on_event``.

``Retry-After`` is honoured when it is a usable delay: a number of seconds
from 0 up to :attr:`RetryPolicy.max_retry_after_seconds`, or an HTTP-date that
far in the future, waited at most :attr:`RetryPolicy.max_wait_seconds`. A
negative, non-numeric or absurdly large value, or a date already past, is
treated as absent: the default exponential backoff applies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx
import orjson

from kostra.errors import InputError, SourceError, SourceUnreachable
from kostra.sources.numbers_nb import seconds_nb

__all__ = [
    "MALFORMED_ERRORS",
    "ClientStats",
    "Gate",
    "RetryPolicy",
    "RetryingHttp",
    "describe_malformed",
    "one_line",
    "retry_after_seconds",
]

T = TypeVar("T")

# What a parser of an answer raises when the answer has the wrong shape: kostra's own
# input errors, and the Python errors of reading a dict/list that is not what was expected.
MALFORMED_ERRORS: tuple[type[Exception], ...] = (
    InputError,
    ArithmeticError,
    AttributeError,
    LookupError,
    MemoryError,
    TypeError,
    ValueError,
)
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 120.0
    # A Retry-After beyond this is taken for a server's mistake, not a wish.
    max_retry_after_seconds: float = 600.0

    def backoff(self, attempt: int) -> float:
        """The default wait after failed attempt ``attempt`` (0-based): doubling, capped."""
        return float(min(self.backoff_seconds * 2**attempt, self.max_wait_seconds))

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before the next attempt: a usable ``retry_after`` (capped at
        ``max_wait_seconds``), else the default backoff."""
        if (
            retry_after is None
            or not math.isfinite(retry_after)
            or retry_after < 0
            or retry_after > self.max_retry_after_seconds
        ):
            return self.backoff(attempt)
        return float(min(retry_after, self.max_wait_seconds))


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """The delay a ``Retry-After`` header asks for, in seconds from ``now`` (a Unix time),
    or None when it is absent or unusable: not a number or an HTTP-date, or a date that
    is not in the future. Range checks are :meth:`RetryPolicy.wait`'s."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:  # "-0000": UTC by the RFC
            moment = moment.replace(tzinfo=UTC)
        delay = moment.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return delay if delay > 0 else None


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    cells: int = 0
    waited_seconds: float = 0.0
    events: list[str] = field(default_factory=list)


class Gate(Protocol):
    """What the retry loop needs of a rate limiter (a :class:`~kostra.sources.ratelimit.TokenBucket`)."""

    def acquire(self) -> float: ...

    def drain(self) -> None: ...


@dataclass(frozen=True)
class _Success(Generic[T]):
    value: T


def _problem(response: httpx.Response) -> str:
    try:
        doc = response.json()
    except ValueError:
        return response.text[:120].strip() or response.reason_phrase
    if isinstance(doc, dict):
        return str(doc.get("title") or doc.get("detail") or doc)[:160]
    return str(doc)[:160]


def describe_malformed(exc: BaseException) -> str:
    """What was wrong with an answer, in bokmål: kostra's own message, or for a Python
    error (the answer was not the shape the reader expected) its class only."""
    if isinstance(exc, InputError):
        return str(exc)
    return f"svaret har ikke den formen det skulle ha ({exc.__class__.__name__})"


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RetryingHttp:
    """Sends requests to one service (``"SSB"``, ``"KLASS"``) with retries, under a shared gate."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        service: str,
        unreachable_hint: str,
        gate: Gate,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[str], None] | None = None,
        stats: ClientStats | None = None,
    ) -> None:
        self.http = http
        self.service = service
        self.unreachable_hint = unreachable_hint
        self.gate = gate
        self.retry = retry or RetryPolicy()
        # resolved now, not at import, so a test can replace time.sleep
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self.clock: Callable[[], float] = clock or time.time
        self.on_event = on_event or (lambda _event: None)
        self.stats = stats if stats is not None else ClientStats()

    def sibling(self, service: str, unreachable_hint: str) -> RetryingHttp:
        """The same HTTP client, gate, policy, sleep, clock, events and counters, for another service."""
        return RetryingHttp(
            self.http,
            service=service,
            unreachable_hint=unreachable_hint,
            gate=self.gate,
            retry=self.retry,
            sleep=self.sleep,
            clock=self.clock,
            on_event=self.on_event,
            stats=self.stats,
        )

    def send(
        self,
        method: str,
        base_url: str,
        path: str,
        *,
        what: str,
        parse: Callable[[Any, bytes], T],
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> T:
        """One logical request for ``what`` (bokmål, for messages). ``parse`` gets the
        decoded JSON and the raw body; whatever it raises of :data:`MALFORMED_ERRORS`
        becomes one :class:`SourceError` line, without a retry."""
        problem = "ikke noe svar"
        for attempt in range(self.retry.attempts):
            self.stats.waited_seconds += self.gate.acquire()
            self.stats.requests += 1
            outcome = self._attempt(method, base_url, path, what, parse, params, json, headers)
            if isinstance(outcome, _Success):
                return outcome.value
            problem, retry_after = outcome
            if attempt + 1 < self.retry.attempts:
                wait = self.retry.wait(attempt, retry_after)
                self.stats.retries += 1
                self.stats.waited_seconds += wait
                event = one_line(f"{what}: {problem}; prøver igjen om {seconds_nb(wait)} s")
                self.stats.events.append(event)
                self.on_event(event)
                self.sleep(wait)
        raise SourceError(
            one_line(
                f"{self.service} svarte ikke på forespørselen om {what} etter {self.retry.attempts} "
                f"forsøk (sist: {problem}); prøv igjen senere"
            )
        )

    def _attempt(
        self,
        method: str,
        base_url: str,
        path: str,
        what: str,
        parse: Callable[[Any, bytes], T],
        params: dict[str, str] | None,
        json: Any,
        headers: dict[str, str] | None,
    ) -> _Success[T] | tuple[str, float | None]:
        """One HTTP exchange: a success, or (what went wrong, Retry-After) for a retry."""
        try:
            response = self.http.request(method, base_url + path, params=params, json=json, headers=headers)
            response.read()
        except (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.ProxyError) as exc:
            name = exc.__class__.__name__
            raise SourceUnreachable(
                f"{self.service} kan ikke nås på {base_url} ({name}); {self.unreachable_hint}"
            ) from exc
        except httpx.TimeoutException:
            return "tidsavbrudd", None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            return f"ødelagt svar ({exc.__class__.__name__})", None
        except httpx.HTTPError as exc:
            name = exc.__class__.__name__
            raise SourceError(
                one_line(f"{self.service} svarte ikke på forespørselen om {what} ({name})")
            ) from exc
        if response.headers.get("x-ratelimit-remaining") == "0":
            self.gate.drain()
        return self._read(response, what, parse)

    def _read(
        self, response: httpx.Response, what: str, parse: Callable[[Any, bytes], T]
    ) -> _Success[T] | tuple[str, float | None]:
        """The answer's status and body: a success, a retry, or a final SourceError."""
        status = response.status_code
        if status == 429 or status >= 500:
            return f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After"), self.clock())
        if status >= 400:
            problem = _problem(response)
            raise SourceError(
                one_line(f"{self.service} avviste forespørselen om {what}: HTTP {status} {problem}")
            )
        if status >= 300:
            raise SourceError(one_line(f"{self.service} svarte HTTP {status} på forespørselen om {what}"))
        try:
            doc = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return "ufullstendig eller ugyldig JSON", None
        try:
            return _Success(parse(doc, response.content))
        except SourceError:
            raise
        except MALFORMED_ERRORS as exc:
            raise SourceError(self.malformed(what, exc)) from exc

    def malformed(self, what: str, exc: BaseException) -> str:
        """One line for an answer of the wrong shape."""
        detail = describe_malformed(exc).removeprefix(f"{what}: ")  # a parser may name the request
        return one_line(f"{self.service} sendte et ugyldig svar på forespørselen om {what}: {detail}")
