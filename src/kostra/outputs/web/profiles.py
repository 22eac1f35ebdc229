"""``/api/profile`` answered by a lookup: every municipality's profiles of one year, group
and service area computed at once, each row encoded once, and each answer joined from them.

A profile on its own (:meth:`~kostra.api.Session.profile`) takes about 10 ms of pandas
under the one interpreter lock, so 50 clients asking for different municipalities queue
behind each other (issue 17: p95 over a second). :meth:`~kostra.api.Session.all_profiles`
computes all 357 municipalities of a service area, and their rows are encoded, in about
0.2 s (some 20 single profiles); an answer is then a lookup of a tenth of a millisecond.
Each row is encoded as the single profile's answer encodes it (the row of
:func:`~kostra.outputs.profile_table.render_profile_json`, with ``checked_against_ssb``,
encoded as FastAPI's JSONResponse does), so an answer is the same bytes.
``tests/outputs/test_web_profiles.py`` compares the two for every municipality, service area
and profile.

What is kept is bounded: a (year, group, service area) is built once it has been asked
:data:`BUILD_AFTER` times (a one-off question is answered one by one, as before), and the
tables kept hold at most :data:`MAX_BYTES` of encoded rows (least recently used out, and
asked afresh before they are built again). A write to the store (a new
:attr:`~kostra.api.Session.cached`) forgets them all. A group that leaves the municipality
analysed out of its own average (``exclude_self``) is answered one by one: see
:meth:`ProfileIndex.answer`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from kostra.analysis.regions import require_municipality
from kostra.api import GroupChoice, Session
from kostra.catalog import Profile, Sector
from kostra.formatting import format_plain, is_missing
from kostra.outputs.profile_table import INDEX_COLUMNS, INDEX_DECIMALS, VALUE_COLUMNS
from kostra.outputs.report.ssb_marks import ssb_marks

__all__ = ["BUILD_AFTER", "MAX_BYTES", "Later", "ProfileIndex", "build", "encode"]

log = logging.getLogger("kostra.web")

BUILD_AFTER = 4
"""Answers of a (year, group, service area) computed one by one before its table is built."""
MAX_BYTES = 24 * 2**20
"""Encoded rows kept in all (a service area of one year and group: 1-4 MB)."""
_COUNTED = 1024  # keys whose requests are counted; least recent out
_MIDDLE = (  # a municipality's own part of a row: its figures, its group's and its indexes
    ',"values":{{"{}":{},"{}":{},"{}":{}}},"group_average":{},"group_highest":{},"group_lowest":{},'
    '"index":{},"index_highest":{},"index_lowest":{},"index_previous":{}'
)
_TAIL = (
    "highest_region",
    "lowest_region",
    "members",
    "members_with_data",
    "members_without_weight",
    "average_rule",
    "demodata",
    "checked_against_ssb",
)

Key = tuple[int, str, str]  # year, group id, service area id
_Resolved = tuple[Sector, Profile, GroupChoice, int]


def encode(content: Any) -> bytes:
    """JSON as FastAPI's JSONResponse encodes it."""
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return text.encode()


@dataclass(frozen=True)
class _Table:
    """One year, group and service area: each municipality's rows, encoded (with whether the
    row is demodata), and each profile's indicators in the order of its rows."""

    rows: dict[tuple[str, str], tuple[bytes, bytes, bytes, bool]]  # (region code, indicator) -> row
    order: dict[str, tuple[str, ...]]  # profile -> indicator ids
    size: int

    def body(self, code: str, profile: str) -> tuple[bytes, bool] | None:
        order = self.order.get(profile)
        if order is None:
            return None
        try:
            parts = [self.rows[(code, indicator)] for indicator in order]
        except KeyError:
            return None
        return b",".join(b"".join(p[:3]) for p in parts), any(p[3] for p in parts)


class Later(Exception):
    """The answer's table is to be built first: call :meth:`ProfileIndex.answer` again
    where a second of work does not hold up other requests."""


class ProfileIndex:
    """The lookup behind ``/api/profile`` for one session."""

    def __init__(self, session: Session, build_after: int = BUILD_AFTER, max_bytes: int = MAX_BYTES) -> None:
        self.session = session
        self.build_after = build_after
        self.max_bytes = max_bytes
        self._memo: object = None  # the session's memo the tables were computed under
        self._asked: OrderedDict[Key, int] = OrderedDict()
        self._resolved: dict[tuple[str, str | None, int | None, str], _Resolved] = {}
        self._tables: OrderedDict[Key, _Table] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._building = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        """(tables, bytes) held now."""
        with self._lock:
            return len(self._tables), self._bytes

    def answer(
        self,
        municipality: str,
        sector: str,
        profile: str | None,
        year: int | None,
        group: str,
        build: bool = True,
    ) -> bytes | None:
        """The answer's bytes, or None when its table is not (yet) built or the single profile
        should answer (a refusal among them, so that its message stays the same). A table
        due to be built is built here, or, with ``build`` false, :class:`Later` is raised
        (the caller builds it in a worker thread, not on the event loop)."""
        session = self.session
        try:
            region = require_municipality(session.region(municipality), "tjenesteprofilen")
            area, chosen, found, when = self._resolve(sector, profile, year, group)
        except Exception:  # the single profile refuses it, in its own words
            return None
        if found.definition.exclude_self:
            # Each member has its own group, and the group statistics break a tie for the
            # highest or lowest by the order of their input rows, which differs between one
            # subject and all of them (0301 grunnskole 2024 "ovrige-asss": 4204 or 5501, both
            # 8.1): answered one by one until that order is fixed.
            return None
        table = self._table((when, found.id, area.id), build)
        got = None if table is None else table.body(region.code, chosen.id)
        if got is None:
            return None
        body, demodata = got
        head = {
            "municipality": region.name,
            "region_code": region.code,
            "year": when,
            "group": found.name,
            "group_id": found.id,
            "sector": area.id,
            "profile": chosen.id,
            "demodata": demodata,
        }
        return encode(head)[:-1] + b',"rows":[' + body + b"]}"

    def _resolve(self, sector: str, profile: str | None, year: int | None, group: str) -> _Resolved:
        """The service area, profile, group and year the single profile would choose, as it
        chooses them (the catalog matches names in any spelling, which costs more than the
        rest of an answer), remembered per spelling."""
        self._check_memo()
        key = (sector, profile, year, group)
        found = self._resolved.get(key)
        if found is None:
            session = self.session
            area = session.service_area(sector)
            chosen = session.catalog.profile(area, profile)
            when = session.resolve_year(session.catalog.indicators_of(area.id, chosen.id), year)
            found = (area, chosen, session.group(group), when)
            if len(self._resolved) >= _COUNTED:
                self._resolved = {}
            self._resolved[key] = found
        return found

    def _check_memo(self) -> None:
        memo = self.session.cached
        if self._memo is memo:
            return
        with self._lock:  # the store was written to: all computed afresh
            if self._memo is not memo:
                self._memo = memo
                self._tables.clear()
                self._asked.clear()
                self._resolved = {}
                self._bytes = 0

    def _table(self, key: Key, build_now: bool) -> _Table | None:
        self._check_memo()
        memo = self.session.cached
        with self._lock:
            table = self._tables.get(key)
            if table is not None:
                self._tables.move_to_end(key)
                return table
            asked = self._asked.pop(key, 0) + 1
            self._asked[key] = asked
            while len(self._asked) > _COUNTED:
                self._asked.popitem(last=False)
        if asked < self.build_after:
            return None
        if not build_now:
            raise Later
        with self._building:  # one build at a time: the others wait, or answer one by one
            with self._lock:
                table = self._tables.get(key)
            if table is not None:
                return table
            try:
                table = build(self.session, *key)
            except Exception:  # answered one by one, in the single profile's words
                log.exception("kostra: the profiles of %s could not be built", key)
                table = _Table({}, {}, 0)
            with self._lock:
                if self._memo is memo and self.session.cached is memo:  # no write meanwhile
                    self._asked.pop(key, None)
                    self._tables[key] = table
                    self._bytes += table.size
                    while self._bytes > self.max_bytes and len(self._tables) > 1:
                        _, dropped = self._tables.popitem(last=False)
                        self._bytes -= dropped.size
        return table


class _Numbers:
    """``profile_table._json_number`` as JSON text: the value rounded half up to its decimals
    (:func:`~kostra.formatting.format_plain`), as the float ``json.dumps`` writes
    (``float.__repr__``), or ``null``. Remembered per value: a group's figures repeat in
    every municipality's rows."""

    def __init__(self) -> None:
        self._known: dict[int, dict[float, str]] = {}

    def __call__(self, value: Any, decimals: int) -> str:
        known = self._known.get(decimals)
        if known is None:
            known = self._known[decimals] = {}
        found = known.get(value)
        if found is not None:
            return found
        if is_missing(value):
            return "null"
        found = repr(float(format_plain(value, decimals)))
        if value != 0:  # -0.0 and 0.0 are one key, but each keeps its sign
            known[value] = found
        return found


def build(session: Session, year: int, group: str, sector: str) -> _Table:
    """Every municipality's profiles of ``sector`` in ``year`` against ``group``, each row
    encoded as :func:`~kostra.outputs.profile_table.render_profile_json` renders it and
    JSONResponse encodes it: ``{"indicator_id": ..., "decimals": ..., "values": {...}, the
    group's figures, the indexes, "highest_region": ..., "checked_against_ssb": ...}``."""
    frame = session.all_profiles(year, group, sectors=[sector])
    order: dict[str, list[str]] = {}
    first = frame["region_code"].iloc[0] if len(frame) else None
    for code, profile, indicator in zip(
        frame["region_code"], frame["profile"], frame["indicator_id"], strict=True
    ):
        if code == first:
            order.setdefault(str(profile), []).append(str(indicator))
    unique = frame.drop_duplicates(["region_code", "indicator_id"])
    marks = ssb_marks(session, list(dict.fromkeys(unique["indicator_id"])), year)
    number = _Numbers()
    # A dict's JSON is its items joined by commas, so a row is three parts joined: the
    # indicator's (alike in every municipality), the municipality's own figures, and the
    # group's (alike in every municipality the group does not leave out).
    heads: dict[str, bytes] = {}
    tails: dict[tuple[Any, ...], bytes] = {}
    rows: dict[tuple[str, str], tuple[bytes, bytes, bytes, bool]] = {}
    size = 0
    column = {c: unique[c].tolist() for c in unique.columns}
    without_weight = column.get("members_without_weight", [0] * len(unique))
    for n, indicator in enumerate(column["indicator_id"]):
        decimals = int(column["decimals"][n])
        head = heads.get(indicator)
        if head is None:
            head = heads[indicator] = encode(
                {
                    "indicator_id": indicator,
                    "indicator_group": column["indicator_group"][n],
                    "indicator": column["indicator"][n],
                    "unit": column["unit"][n],
                    "decimals": decimals,
                }
            )[:-1]
        figures = [number(column[f"value_{k}"][n], decimals) for k in (2, 1, 0)]
        figures += [number(column[c][n], decimals) for c in VALUE_COLUMNS]
        figures += [number(column[c][n], INDEX_DECIMALS) for c in INDEX_COLUMNS]
        middle = _MIDDLE.format(year - 2, figures[0], year - 1, figures[1], year, *figures[2:]).encode()
        highest, lowest = column["highest_region"][n], column["lowest_region"][n]
        group_part = (
            None if is_missing(highest) else highest,
            None if is_missing(lowest) else lowest,
            int(column["members"][n]),
            int(column["members_with_data"][n]),
            int(without_weight[n] or 0),
            column["average_rule"][n],
            bool(column["demodata"][n]),
            marks[str(indicator)].checked,
        )
        tail = tails.get(group_part)
        if tail is None:
            tail = tails[group_part] = b"," + encode(dict(zip(_TAIL, group_part, strict=True)))[1:]
        size += len(middle) + 200  # the municipality's own bytes, its key and entry, roughly
        rows[(str(column["region_code"][n]), str(indicator))] = (head, middle, tail, group_part[6])
    size += sum(len(b) for b in heads.values()) + sum(len(b) for b in tails.values())
    return _Table(rows, {p: tuple(ids) for p, ids in order.items()}, size)
