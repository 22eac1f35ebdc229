"""A client for SSB's classification service KLASS: municipalities (131),
counties (104) and KOSTRA groups (correspondence 2840: municipality -> group).

Endpoints (base URL ``https://data.ssb.no/api/klass/v1``, configurable by
``KOSTRA_KLASS_URL``)::

    GET /classifications/{id}/codesAt.json?date=YYYY-MM-DD
    GET /classifications/{id}/changes.json?from=YYYY-MM-DD&to=YYYY-MM-DD
    GET /correspondencetables/{id}.json

Requests are retried like PxWebApi's (429 with ``Retry-After``, 5xx, timeouts,
truncated bodies; :mod:`kostra.sources.retrying`) under SSB's token bucket; an
answer of the wrong shape is one :class:`~kostra.errors.SourceError` line.
:func:`succession_from_changes` turns KLASS's list of code changes into the
store's ``region_succession`` rows (renumbered, merged or split).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import httpx
import pandas as pd

from kostra.errors import SourceError
from kostra.sources.pxweb import DEFAULT_CALLS, DEFAULT_WINDOW, PxWebClient
from kostra.sources.ratelimit import TokenBucket
from kostra.sources.retrying import ClientStats, Gate, RetryingHttp, RetryPolicy

__all__ = [
    "DEFAULT_KLASS_URL",
    "KlassClient",
    "KlassRegions",
    "klass_base_url",
    "regions_from_klass",
    "succession_from_changes",
]

T = TypeVar("T")

DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1"
MUNICIPALITIES = 131
COUNTIES = 104
KOSTRA_GROUPS_CORRESPONDENCE = 2840


def klass_base_url() -> str:
    return os.environ.get("KOSTRA_KLASS_URL", DEFAULT_KLASS_URL).rstrip("/")


_UNREACHABLE_HINT = "sjekk nettforbindelsen eller KOSTRA_KLASS_URL, eller hopp over KLASS med --no-regions"


class _CallableGate:
    """A bare ``acquire`` callable as a gate (the older way to share SSB's token bucket)."""

    def __init__(self, acquire: Callable[[], object]) -> None:
        self._acquire = acquire

    def acquire(self) -> float:
        waited = self._acquire()
        return float(waited) if isinstance(waited, int | float) else 0.0

    def drain(self) -> None:
        pass


class KlassClient:
    """KLASS over an ``httpx.Client``, with the same retries as :class:`PxWebClient`.

    SSB's rate limit covers both APIs, so a fetch shares one token bucket, retry
    policy and event stream between them: :meth:`alongside` builds a client that
    does. On its own the client keeps its own bucket under SSB's published limit.
    """

    def __init__(
        self,
        http: httpx.Client,
        base_url: str | None = None,
        acquire: Callable[[], object] | None = None,
        *,
        bucket: Gate | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[str], None] | None = None,
        sender: RetryingHttp | None = None,
    ) -> None:
        self.base_url = (base_url or klass_base_url()).rstrip("/")
        sleep = sleep or time.sleep
        if sender is None:
            gate: Gate
            if bucket is not None:
                gate = bucket
            elif acquire is not None:
                gate = _CallableGate(acquire)
            else:
                gate = TokenBucket(DEFAULT_CALLS, DEFAULT_WINDOW, sleep=sleep)
            sender = RetryingHttp(
                http,
                service="KLASS",
                unreachable_hint=_UNREACHABLE_HINT,
                gate=gate,
                retry=retry,
                sleep=sleep,
                clock=clock,
                on_event=on_event,
            )
        self.sender = sender

    @classmethod
    def alongside(cls, pxweb: PxWebClient, base_url: str | None = None) -> KlassClient:
        """A KLASS client sharing ``pxweb``'s HTTP client, token bucket, retry policy, sleep,
        clock, ``on_event`` and counters."""
        return cls(pxweb.http, base_url, sender=pxweb.sender.sibling("KLASS", _UNREACHABLE_HINT))

    @property
    def http(self) -> httpx.Client:
        return self.sender.http

    @property
    def stats(self) -> ClientStats:
        return self.sender.stats

    def _get(self, path: str, params: dict[str, str], what: str, parse: Callable[[dict[str, Any]], T]) -> T:
        def checked(doc: Any, _raw: bytes) -> T:
            if not isinstance(doc, dict):
                raise SourceError(f"KLASS sendte et uventet svar på forespørselen om {what} (ikke et objekt)")
            return parse(doc)

        return self.sender.send(
            "GET",
            self.base_url,
            path,
            what=what,
            parse=checked,
            params=params,
            headers={"Accept": "application/json"},
        )

    def fetch_codes_at(self, classification: int, when: date) -> pd.DataFrame:
        """code, name, valid_from, valid_to of a classification on a date."""
        return self._get(
            f"/classifications/{classification}/codesAt.json",
            {"date": when.isoformat()},
            f"kodene i KLASS-klassifikasjon {classification} per {when:%d.%m.%Y}",
            _codes,
        )

    def fetch_changes(self, classification: int, start: date, end: date) -> pd.DataFrame:
        """old_code, old_name, new_code, new_name, year of every change in the period."""
        return self._get(
            f"/classifications/{classification}/changes.json",
            {"from": start.isoformat(), "to": end.isoformat()},
            f"endringene i KLASS-klassifikasjon {classification} {start:%d.%m.%Y}–{end:%d.%m.%Y}",
            _changes,
        )

    def fetch_correspondence(self, table: int) -> pd.DataFrame:
        """source_code, source_name, target_code, target_name of a correspondence table."""
        return self._get(
            f"/correspondencetables/{table}.json", {}, f"KLASS-korrespondansetabell {table}", _correspondence
        )


def _entries(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = doc.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError(f"{key!r} er ikke en liste av objekter")
    return entries


def _codes(doc: dict[str, Any]) -> pd.DataFrame:
    rows = [
        (str(c["code"]), str(c["name"]), c.get("validFrom"), c.get("validTo")) for c in _entries(doc, "codes")
    ]
    return pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_to"])


def _changes(doc: dict[str, Any]) -> pd.DataFrame:
    rows = [
        (
            str(c["oldCode"]),
            str(c.get("oldName") or ""),
            str(c["newCode"]),
            str(c.get("newName") or ""),
            int(str(c["changeOccurred"])[:4]),
        )
        for c in _entries(doc, "codeChanges")
        if c.get("oldCode") and c.get("newCode")
    ]
    return pd.DataFrame(rows, columns=["old_code", "old_name", "new_code", "new_name", "year"])


def _correspondence(doc: dict[str, Any]) -> pd.DataFrame:
    rows = [
        (
            str(m["sourceCode"]),
            str(m.get("sourceName") or ""),
            str(m["targetCode"]),
            str(m.get("targetName") or ""),
        )
        for m in _entries(doc, "correspondenceMaps")
    ]
    return pd.DataFrame(rows, columns=["source_code", "source_name", "target_code", "target_name"])


def succession_from_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Classify KLASS code changes: one old to several new is a split; several old
    to one new (or a new number that existed already) is a merger; one to one,
    with nothing else joining, a renumbering."""
    rows = []
    for rec in changes.itertuples(index=False):
        same_year = changes[changes["year"] == rec.year]
        fan_out = (same_year["old_code"] == rec.old_code).sum()
        fan_in = (same_year["new_code"] == rec.new_code).sum()
        if fan_out > 1:
            kind = "split"
        elif fan_in > 1 or _continues(changes, rec.new_code, rec.year):
            kind = "merged"
        else:
            kind = "renumbered"
        rows.append((rec.old_code, rec.new_code, rec.year, kind))
    frame = pd.DataFrame(rows, columns=["old_code", "new_code", "year", "kind"])
    return frame[frame["old_code"] != frame["new_code"]].drop_duplicates(["old_code", "new_code"])


def _continues(changes: pd.DataFrame, code: str, year: int) -> bool:
    """True if ``code`` was already in use before ``year`` (it absorbed the old one)."""
    return bool(((changes["new_code"] == code) & (changes["year"] < year)).any())


@dataclass(frozen=True)
class KlassRegions:
    regions: pd.DataFrame  # code, name, kind, valid_from, valid_to, county
    succession: pd.DataFrame  # old_code, new_code, year, kind
    kostra_groups: pd.DataFrame  # code, group (EKGnn)


def _kostra_group_code(code: str) -> str:
    return f"EKG{int(code):02d}" if code.isdigit() else code


def regions_from_klass(client: KlassClient, today: date, first_year: int) -> KlassRegions:
    """Municipalities valid in any year since ``first_year`` (with their years),
    the changes between them, today's counties and the KOSTRA groups."""
    seen: dict[str, tuple[str, int, int]] = {}  # code -> (latest name, first year, last year)
    for year in range(first_year, today.year + 1):
        for row in client.fetch_codes_at(MUNICIPALITIES, date(year, 1, 1)).itertuples():
            first = seen.get(row.code, (row.name, year, year))[1]
            seen[str(row.code)] = (str(row.name), first, year)
    current = set(client.fetch_codes_at(MUNICIPALITIES, today)["code"])
    rows = []
    for code, (name, first, last) in sorted(seen.items()):
        if code == "9999":
            continue
        is_current = code in current
        rows.append(
            (
                code,
                name,
                "municipality",
                first if first > first_year else None,
                None if is_current else last,
                f"EKA{code[:2]}" if is_current else None,
            )
        )
    counties = client.fetch_codes_at(COUNTIES, today)
    rows += [
        (f"EKA{c}", n, "county", None, None, None)
        for c, n in zip(counties["code"], counties["name"], strict=True)
        if c != "99"
    ]
    regions = pd.DataFrame(rows, columns=["code", "name", "kind", "valid_from", "valid_to", "county"])
    regions = regions.astype({"valid_from": "Int64", "valid_to": "Int64"})
    changes = client.fetch_changes(MUNICIPALITIES, date(first_year, 1, 1), today)
    groups = client.fetch_correspondence(KOSTRA_GROUPS_CORRESPONDENCE)
    kostra_groups = pd.DataFrame(
        {"code": groups["source_code"], "group": groups["target_code"].map(_kostra_group_code)}
    )
    return KlassRegions(regions, succession_from_changes(changes), kostra_groups)
