"""A client for SSB's classification service KLASS: municipalities (131),
counties (104) and KOSTRA groups (classification 112, by year).

Endpoints (base URL ``https://data.ssb.no/api/klass/v1``, configurable by
``KOSTRA_KLASS_URL``)::

    GET /classifications/{id}/codesAt.json?date=YYYY-MM-DD
    GET /classifications/{id}/changes.json?from=YYYY-MM-DD&to=YYYY-MM-DD
    GET /classifications/131/correspondsAt?targetClassificationId=112&date=YYYY-01-01
    GET /correspondencetables/{id}.json

KOSTRA groups are read per year through ``correspondsAt`` (KLASS picks the
correspondence valid on that date, so the 2020 and the 2024 grouping both
work), never from one fixed correspondence table: the tables change every few
years and SSB stores them as grouping -> municipality, the opposite direction
of what kostra needs. Each answer's direction is checked from its codes (which
side holds that year's municipality numbers) and turned round when needed; an
answer with neither side recognisable is one line, never silently empty groups.

Requests are retried like PxWebApi's (429 with ``Retry-After``, 5xx, timeouts,
truncated bodies; :mod:`kostra.sources.retrying`) under SSB's token bucket; an
answer of the wrong shape is one :class:`~kostra.errors.SourceError` line.
:func:`succession_from_changes` turns KLASS's list of code changes into the
store's ``region_succession`` rows (renumbered, merged or split).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import httpx
import pandas as pd

from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.pxweb import DEFAULT_CALLS, DEFAULT_WINDOW, PxWebClient
from kostra.sources.ratelimit import TokenBucket
from kostra.sources.retrying import ClientStats, Gate, RetryingHttp, RetryPolicy

__all__ = [
    "DEFAULT_KLASS_URL",
    "KlassClient",
    "KlassRegions",
    "klass_base_url",
    "kostra_groups_at",
    "oriented_groups",
    "regions_from_klass",
    "succession_from_changes",
]

T = TypeVar("T")

DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1"
MUNICIPALITIES = 131
COUNTIES = 104
KOSTRA_GROUPS = 112


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
        """source_code, source_name, target_code, target_name of a correspondence table; its
        direction is in ``attrs["source_id"]``/``attrs["target_id"]`` (KLASS's sourceId/targetId)."""
        return self._get(
            f"/correspondencetables/{table}.json", {}, f"KLASS-korrespondansetabell {table}", _correspondence
        )

    def fetch_corresponds_at(self, source: int, target: int, when: date) -> pd.DataFrame:
        """source_code, source_name, target_code, target_name of the correspondence from
        classification ``source`` to ``target`` valid on ``when`` (KLASS's correspondsAt)."""
        return self._get(
            f"/classifications/{source}/correspondsAt",
            {"targetClassificationId": str(target), "date": when.isoformat()},
            f"KLASS-korrespondansen {source}→{target} per {when:%d.%m.%Y}",
            _corresponds_at,
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


def _pairs(entries: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        (
            str(m["sourceCode"]),
            str(m.get("sourceName") or ""),
            str(m["targetCode"]),
            str(m.get("targetName") or ""),
        )
        for m in entries
    ]
    return pd.DataFrame(rows, columns=["source_code", "source_name", "target_code", "target_name"])


def _correspondence(doc: dict[str, Any]) -> pd.DataFrame:
    frame = _pairs(_entries(doc, "correspondenceMaps"))
    for key, attr in (("sourceId", "source_id"), ("targetId", "target_id")):
        value = doc.get(key)
        frame.attrs[attr] = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
    return frame


def _corresponds_at(doc: dict[str, Any]) -> pd.DataFrame:
    return _pairs(_entries(doc, "correspondenceItems"))


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
    kostra_groups: pd.DataFrame  # code, group (EKGnn), year
    group_years: tuple[int, ...] = ()  # the years whose KOSTRA groups KLASS gave
    warnings: tuple[str, ...] = ()  # one bokmål line per year KLASS could not give


_GROUP_COLUMNS = ["code", "group", "year"]


def _kostra_group_code(code: str) -> str | None:
    """SSB's region code of a KOSTRA group ("EKG12") from KLASS 112's code ("12" or "EKG12")."""
    code = code.strip().upper()
    if code.isdigit() and 0 < int(code) < 100:
        return f"EKG{int(code):02d}"
    if code.startswith("EKG") and code[3:].isdigit():
        return f"EKG{int(code[3:]):02d}"
    return None


def oriented_groups(pairs: pd.DataFrame, municipalities: set[str], what: str) -> pd.DataFrame:
    """code (municipality), group (EKGnn) from a correspondence between municipalities
    and KOSTRA groups in either direction: the side that holds ``municipalities`` is
    the municipality. When ``pairs`` says its direction (``attrs`` source_id/target_id),
    it is checked too. Raises one SourceError line when neither side fits."""
    source_ids = pairs.attrs.get("source_id"), pairs.attrs.get("target_id")
    by_codes = (
        pairs["source_code"].isin(municipalities).mean() if len(pairs) else 0.0,
        pairs["target_code"].isin(municipalities).mean() if len(pairs) else 0.0,
    )
    if source_ids == (KOSTRA_GROUPS, MUNICIPALITIES) or (
        source_ids == (None, None) and by_codes[1] > by_codes[0]
    ):
        codes, groups = pairs["target_code"], pairs["source_code"]
    elif source_ids in ((MUNICIPALITIES, KOSTRA_GROUPS), (None, None)):
        codes, groups = pairs["source_code"], pairs["target_code"]
    else:
        raise SourceError(
            f"{what} går mellom klassifikasjon {source_ids[0]} og {source_ids[1]}, "
            f"ikke kommuner ({MUNICIPALITIES}) og KOSTRA-grupper ({KOSTRA_GROUPS})"
        )
    frame = pd.DataFrame({"code": codes.to_numpy(), "group": groups.map(_kostra_group_code).to_numpy()})
    frame = frame[frame["code"].isin(municipalities)]
    if frame.empty or frame["group"].isna().all():
        raise SourceError(
            f"{what} har ingen kommunenummer som hører til en KOSTRA-gruppe (EKG01–EKG17); "
            "KOSTRA-gruppene er ikke endret"
        )
    bad = frame.loc[frame["group"].isna(), "code"]
    if len(bad):
        raise SourceError(f"{what}: kommune {bad.iloc[0]} har en gruppekode som ikke er en KOSTRA-gruppe")
    return frame.drop_duplicates().reset_index(drop=True)


def kostra_groups_at(client: KlassClient, year: int, municipalities: set[str]) -> pd.DataFrame:
    """code, group of every municipality valid on 1 January ``year`` (KLASS 131 -> 112)."""
    when = date(year, 1, 1)
    pairs = client.fetch_corresponds_at(MUNICIPALITIES, KOSTRA_GROUPS, when)
    return oriented_groups(
        pairs, municipalities, f"KLASS-korrespondansen kommune→KOSTRA-gruppe per {when:%d.%m.%Y}"
    )


def regions_from_klass(
    client: KlassClient, today: date, first_year: int, group_years: Iterable[int] | None = None
) -> KlassRegions:
    """Municipalities valid in any year since ``first_year`` (with their years),
    the changes between them, today's counties and the KOSTRA groups of
    ``group_years`` (default: every year since ``first_year``), each year's as
    KLASS had them on 1 January. A year KLASS cannot give the groups for is one
    line in ``warnings``; the groups of the other years still count."""
    seen: dict[str, tuple[str, int, int]] = {}  # code -> (latest name, first year, last year)
    valid: dict[int, set[str]] = {}  # year -> the municipality numbers of 1 January
    for year in range(first_year, today.year + 1):
        codes = client.fetch_codes_at(MUNICIPALITIES, date(year, 1, 1))
        valid[year] = {str(c) for c in codes["code"]}
        for row in codes.itertuples():
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
    years = sorted(set(range(first_year, today.year + 1) if group_years is None else group_years))
    frames, fetched, warnings = [], [], []
    for year in years:
        municipalities = valid.get(year) or set(
            client.fetch_codes_at(MUNICIPALITIES, date(year, 1, 1))["code"]
        )
        try:
            groups = kostra_groups_at(client, year, {str(c) for c in municipalities})
        except SourceUnreachable:
            raise
        except SourceError as exc:
            # one year's grouping missing (KLASS has none for that date, or a bad answer)
            # leaves that year's stored groups; the other years still count
            warnings.append(f"KOSTRA-gruppene for {year} ble ikke hentet: {exc}")
            continue
        frames.append(groups.assign(year=year))
        fetched.append(year)
    kostra_groups = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_GROUP_COLUMNS)
    ).loc[:, _GROUP_COLUMNS]
    return KlassRegions(
        regions, succession_from_changes(changes), kostra_groups, tuple(fetched), tuple(warnings)
    )


_MEMBER_COLUMNS = ["group_id", "region_code", "from_year", "to_year", "source"]


def kostra_memberships(kostra_groups: pd.DataFrame, group_ids: dict[str, str], source: str) -> pd.DataFrame:
    """group_member rows (group_id, region_code, from_year, to_year, source) from KLASS's
    KOSTRA groups by year (code, group, year); consecutive years in the same group become
    one row. ``group_ids`` maps SSB's group code (EKG12) to the catalog's group id."""
    rows: list[tuple[object, ...]] = []
    known = kostra_groups[kostra_groups["group"].isin(group_ids)]
    for (group, code), part in known.groupby(["group", "code"], sort=True):
        years = sorted({int(y) for y in part["year"]})
        start = previous = years[0]
        for year in [*years[1:], None]:
            if year is not None and year == previous + 1:
                previous = year
                continue
            rows.append((group_ids[str(group)], str(code), start, previous, source))
            if year is not None:
                start = previous = year
    return pd.DataFrame(rows, columns=_MEMBER_COLUMNS)


def without_years(members: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """``members`` (group_member rows) with ``years`` cut out of each row's from/to span, so
    that memberships fetched for those years replace them and every other year keeps its own."""
    cut_years = sorted(set(years))
    rows: list[tuple[object, ...]] = []
    for r in members.itertuples(index=False):
        low = None if pd.isna(r.from_year) else int(r.from_year)
        high = None if pd.isna(r.to_year) else int(r.to_year)
        start = low
        for year in cut_years:
            if (low is not None and year < low) or (high is not None and year > high):
                continue
            if start is None or start <= year - 1:
                rows.append((r.group_id, r.region_code, start, year - 1, r.source))
            start = year + 1
        if start is None or high is None or start <= high:
            rows.append((r.group_id, r.region_code, start, high, r.source))
    frame = pd.DataFrame(rows, columns=_MEMBER_COLUMNS)
    return frame.astype({"from_year": "Int64", "to_year": "Int64"})
