"""A client for SSB's classification service KLASS: municipalities (131),
counties (104) and KOSTRA groups (correspondence 2840: municipality -> group).

Endpoints (base URL ``https://data.ssb.no/api/klass/v1``, configurable by
``KOSTRA_KLASS_URL``)::

    GET /classifications/{id}/codesAt.json?date=YYYY-MM-DD
    GET /classifications/{id}/changes.json?from=YYYY-MM-DD&to=YYYY-MM-DD
    GET /correspondencetables/{id}.json

:func:`succession_from_changes` turns KLASS's list of code changes into the
store's ``region_succession`` rows (renumbered, merged or split).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import orjson
import pandas as pd

from kostra.errors import SourceError, SourceUnreachable

__all__ = [
    "DEFAULT_KLASS_URL",
    "KlassClient",
    "KlassRegions",
    "klass_base_url",
    "regions_from_klass",
    "succession_from_changes",
]

DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1"
MUNICIPALITIES = 131
COUNTIES = 104
KOSTRA_GROUPS_CORRESPONDENCE = 2840


def klass_base_url() -> str:
    return os.environ.get("KOSTRA_KLASS_URL", DEFAULT_KLASS_URL).rstrip("/")


class KlassClient:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str | None = None,
        acquire: Callable[[], object] | None = None,
    ) -> None:
        self.http = http
        self.base_url = (base_url or klass_base_url()).rstrip("/")
        self._acquire = acquire or (lambda: None)

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        self._acquire()
        url = f"{self.base_url}{path}"
        try:
            response = self.http.get(url, params=params, headers={"Accept": "application/json"})
        except httpx.ConnectError as exc:
            raise SourceUnreachable(
                f"KLASS kan ikke nås på {self.base_url} ({exc.__class__.__name__}); sjekk "
                "nettforbindelsen eller KOSTRA_KLASS_URL, eller hopp over KLASS med --no-regions"
            ) from exc
        except httpx.HTTPError as exc:
            raise SourceError(
                f"KLASS svarte ikke på {path} ({exc.__class__.__name__}); prøv igjen senere"
            ) from exc
        if response.status_code != 200:
            raise SourceError(f"KLASS svarte HTTP {response.status_code} på {path}")
        try:
            doc = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceError(f"KLASS sendte ugyldig JSON som svar på {path}") from exc
        if not isinstance(doc, dict):
            raise SourceError(f"KLASS sendte et uventet svar på {path}")
        return doc

    def fetch_codes_at(self, classification: int, when: date) -> pd.DataFrame:
        """code, name, valid_from, valid_to of a classification on a date."""
        doc = self._get(f"/classifications/{classification}/codesAt.json", {"date": when.isoformat()})
        rows = [
            (str(c["code"]), str(c["name"]), c.get("validFrom"), c.get("validTo"))
            for c in doc.get("codes", [])
        ]
        return pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_to"])

    def fetch_changes(self, classification: int, start: date, end: date) -> pd.DataFrame:
        """old_code, old_name, new_code, new_name, year of every change in the period."""
        doc = self._get(
            f"/classifications/{classification}/changes.json",
            {"from": start.isoformat(), "to": end.isoformat()},
        )
        rows = [
            (
                str(c["oldCode"]),
                str(c.get("oldName") or ""),
                str(c["newCode"]),
                str(c.get("newName") or ""),
                int(str(c["changeOccurred"])[:4]),
            )
            for c in doc.get("codeChanges", [])
            if c.get("oldCode") and c.get("newCode")
        ]
        return pd.DataFrame(rows, columns=["old_code", "old_name", "new_code", "new_name", "year"])

    def fetch_correspondence(self, table: int) -> pd.DataFrame:
        """source_code, source_name, target_code, target_name of a correspondence table."""
        doc = self._get(f"/correspondencetables/{table}.json", {})
        rows = [
            (
                str(m["sourceCode"]),
                str(m.get("sourceName") or ""),
                str(m["targetCode"]),
                str(m.get("targetName") or ""),
            )
            for m in doc.get("correspondenceMaps", [])
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
