"""The Python API: ``kostra.open()`` returns a :class:`Session` over one store.

    >>> import kostra
    >>> with kostra.open() as k:
    ...     k.profile("Bærum", sector="pleie-og-omsorg", profile="alle", year=2024)

A session opens (and on first use fills) the store from the bundled dataset,
finds municipalities and groups by name or number, and runs the analysis on
the figures in force. Everything returns pandas DataFrames.

A session may be shared by many threads (the web app runs its handlers in a
thread pool over one session). What it remembers lives in one :class:`_Cache`,
replaced whole after every write to the store, and each value in it is computed
once even when many threads ask for it at the same moment; on a store open for
writing, each public call reads one state of the store (no write commits in the
middle of it).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar, cast

import numpy as np
import pandas as pd

from kostra.analysis.group_average import compute_group_stats, positions_of
from kostra.analysis.groups import find_group, members_in_year
from kostra.analysis.regions import (
    Region,
    RegionFinder,
    canonical_codes,
    canonicalize,
    in_use,
    require_municipality,
)
from kostra.analysis.releases import compute_release_diff
from kostra.analysis.service_profile import PROFILE_YEARS, compute_profile, text_column, value_column
from kostra.analysis.ssb_check import Verdict, check_aggregates
from kostra.analysis.weights import year_border_weights
from kostra.catalog import Catalog, GroupDef, Indicator, Member, Sector, load_catalog, ssb_regions
from kostra.errors import InputError, KostraError, ParameterError, YearNotAvailable
from kostra.home import default_db_path
from kostra.sources.bundled import bundle_manifest, read_bundled_csv, read_bundled_observations
from kostra.store import LoadResult, ReleaseSpec, Store

if TYPE_CHECKING:  # what only some methods need is imported in them: `kostra profile` never loads httpx
    from kostra.fetching import FetchProgress, FetchReport
    from kostra.importing import ImportResult
    from kostra.profile_cache import ProfileFill
    from kostra.sector_analysis import SectorAnalysis
    from kostra.sources.klass import KlassClient
    from kostra.sources.pxweb import PxWebClient

__all__ = ["Session", "default_db_path", "open", "open_for_reading"]

__version__ = "0.1.0"

Progress = Callable[[str], None]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
P = ParamSpec("P")

LOCK_WAIT = 30.0  # seconds to wait for a store another process holds (KOSTRA_LOCK_WAIT)


def lock_wait() -> float:
    """How long opening waits for a store another process holds: ``$KOSTRA_LOCK_WAIT``
    seconds, else 30."""
    configured = os.environ.get("KOSTRA_LOCK_WAIT", "").strip()
    try:
        return max(0.0, float(configured)) if configured else LOCK_WAIT
    except ValueError:
        raise InputError(
            f"KOSTRA_LOCK_WAIT={configured!r} er ikke et antall sekunder; bruk f.eks. KOSTRA_LOCK_WAIT=30"
        ) from None


_EMPTY_WEIGHTS = pd.DataFrame(columns=["weight_id", "region_code", "year", "value"])


def _rules(indicators: Sequence[Indicator]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": [i.id for i in indicators],
            "average": [i.average for i in indicators],
            "weight": [i.weight for i in indicators],
        }
    )


def _by_indicator(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One slice per indicator of a frame sorted by indicator (far cheaper than grouping)."""
    codes = frame["indicator_id"].to_numpy()
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)] if len(codes) else [0]
    slices = {str(codes[a]): frame.iloc[a:b] for a, b in itertools.pairwise(bounds)}
    if len(slices) != len(bounds) - 1:  # not sorted after all: an indicator came in two runs
        return {str(k): part for k, part in frame.groupby("indicator_id", sort=False)}
    return slices


def _of_years(part: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The rows of ``part`` in ``years`` (sorted, distinct), in their order. A slice of a
    store read is sorted by year, so a run of years is one cut (no copy, no comparison of
    every row); anything else is compared row by row."""
    column = part["year"].to_numpy()
    run = bool(years) and years[-1] - years[0] + 1 == len(years)
    if run and bool((column[:-1] <= column[1:]).all()):
        start = int(np.searchsorted(column, years[0], side="left"))
        end = int(np.searchsorted(column, years[-1], side="right"))
        if start == 0 and end == len(part):  # all of it (a read of just these years)
            return part
        return part.iloc[start:end]
    return part.iloc[np.flatnonzero(np.isin(column, years))]


def _canonical_categories(observations: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """:func:`~kostra.analysis.regions.canonicalize` of a store read whose region codes are
    categories: the same rows in the same order, with the same index, and the codes still
    categories. Today's number replaces the old one in the categories; where a figure then
    exists under two numbers of one municipality, the same one wins (with a value, then real
    before demodata, then the newest release, then the first in the read). Only the rows of
    the municipalities a number was moved to can meet, so only they are ranked."""
    column = observations["region_code"]
    before = column.cat.categories
    after = [mapping.get(c, c) for c in before]
    moved = {new for old, new in zip(before, after, strict=True) if new != old}
    if not moved:
        return observations
    categories = pd.Index(sorted(set(after)))
    codes = categories.get_indexer(after)[column.cat.codes.to_numpy()]
    out = observations.assign(region_code=pd.Categorical.from_codes(codes, categories))
    rows = np.flatnonzero(np.isin(codes, categories.get_indexer(sorted(moved))))
    if not len(rows):
        return out
    part = out.iloc[rows]
    # Best first: with a value, real before demodata, newest release, then the read's order.
    best = np.lexsort(
        (
            rows,
            -part["release_id"].to_numpy(dtype=np.int64),
            (part["release_kind"] == "demodata").to_numpy(),
            part["value"].isna().to_numpy(),
        )
    )
    # One number per (indicator, region, year); the first of each number in that order wins.
    indicator = part["indicator_id"].cat.codes.to_numpy(dtype=np.int64)
    year = part["year"].to_numpy(dtype=np.int64)
    year = year - year.min()
    same = (indicator * len(categories) + codes[rows]) * (int(year.max()) + 1) + year
    _, first = np.unique(same[best], return_index=True)
    dropped = np.setdiff1d(rows, rows[best[first]])
    if not len(dropped):
        return out
    return out.drop(index=out.index[dropped])


def _distinct(*columns: pd.Series) -> pd.Index:
    """The values of ``columns`` once each: their categories when they are categories."""
    if all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        found = columns[0].cat.categories
        for column in columns[1:]:
            found = found.union(column.cat.categories)
        return found
    return pd.Index(pd.unique(np.concatenate([c.to_numpy(dtype=object) for c in columns])))


def _placed(table: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    """Profile rows of ``indicators`` with each indicator's sector and profile, a row once per
    profile the indicator is in: the frame merging them on the indicator gives. The rows go
    indicator by indicator (compute_profile), so where each row's indicator sits is known
    without comparing a million indicator ids."""
    if table.empty:
        placement = pd.DataFrame(
            [(i.id, i.sector, p) for i in indicators for p in i.profiles],
            columns=["indicator_id", "sector", "profile"],
        )
        return table.merge(placement, on="indicator_id")
    counts = np.array([len(i.profiles) for i in indicators])
    sectors = np.array([i.sector for i in indicators for _ in i.profiles], dtype=object)
    profiles = np.array([p for i in indicators for p in i.profiles], dtype=object)
    first = np.cumsum(counts) - counts  # each indicator's first (sector, profile)
    at = np.tile(np.arange(len(indicators)), len(table) // len(indicators))
    if (counts == 1).all():  # every row once: nothing to copy
        return table.assign(sector=text_column(sectors, first[at]), profile=text_column(profiles, first[at]))
    repeat = counts[at]
    rows = np.repeat(np.arange(len(table)), repeat)
    which = first[at][rows] + np.arange(len(rows)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    out = table.iloc[rows].reset_index(drop=True)
    return out.assign(sector=text_column(sectors, which), profile=text_column(profiles, which))


def _rows_by_region(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Region code -> the positions of its rows in ``frame``."""
    if frame.empty:
        return {}
    return {str(k): v for k, v in frame.groupby("region_code", sort=False).indices.items()}


def _profile_attrs(region: Region, year: int, group: GroupDef, sector: str, profile: str) -> dict[str, Any]:
    """What a profile table says of itself (its ``attrs``), in this order."""
    return {
        "municipality": region.name,
        "region_code": region.code,
        "year": int(year),
        "group": group.name_nb,
        "group_id": group.id,
        "sector": sector,
        "profile": profile,
    }


def _profile_years(years: Sequence[int]) -> tuple[list[int], list[int]]:
    """The years profiles of ``years`` read figures of (each year and the two before it),
    and the years of their group statistics (each year and the one before it)."""
    needed = sorted({y - k for y in years for k in range(PROFILE_YEARS)})
    return needed, sorted({y - k for y in years for k in (0, 1)})


def _given(value: T) -> Callable[[], T]:
    """A computation whose answer is known already (for :meth:`_Memo.fill`)."""
    return lambda: value


Reading = Callable[[], AbstractContextManager[None]]


_MISSING = object()


class _Memo(dict[K, V]):
    """A dict whose missing values :meth:`fill` computes once: when many threads ask for
    the same key at once, one computes and the others wait for its answer (a lock per
    key), so no answer is stored under a key it was not computed for, and no work is done
    twice. Readers look up with ``memo[key]`` first, which takes no lock.

    ``reading`` (a store open for writing: :meth:`Store.reading`) is entered before the
    key's lock, so a thread never waits for a memo while a writer waits for it to finish
    reading (the deadlock the store's lock warns of)."""

    def __init__(self, reading: Reading | None = None, limit: int | None = None) -> None:
        super().__init__()
        self._reading = reading
        self._limit = limit
        self._computing: dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def fill(self, key: K, compute: Callable[[], V]) -> V:
        with contextlib.nullcontext() if self._reading is None else self._reading():
            with self._guard:
                lock = self._computing.setdefault(key, threading.Lock())
            try:
                with lock:
                    found = self.get(key, _MISSING)
                    if found is not _MISSING:  # computed by the thread we waited for
                        return cast(V, found)
                    value = compute()
                    self[key] = value
                    self._evict()
                    return value
            finally:
                with self._guard:
                    if self._computing.get(key) is lock:
                        del self._computing[key]

    def _evict(self) -> None:
        """Forget the oldest values beyond ``limit``, so a server answering many different
        questions keeps a bounded amount (a forgotten value is computed again when asked)."""
        while self._limit is not None and len(self) > self._limit:
            try:
                del self[next(iter(self))]
            except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                return


# The indicators the code running now will ask group statistics of, one set after the other
# (a report's chapters): see Session.asked_together. Per thread and task, not per session:
# the web's requests share a session.
_ASKED_TOGETHER: ContextVar[frozenset[str]] = ContextVar("kostra_asked_together", default=frozenset())
# The years the code running now reads figures of (a report: its time series' years): see
# Session.reading_years. Per thread and task, as above.
_READING_YEARS: ContextVar[tuple[int, ...] | None] = ContextVar("kostra_reading_years", default=None)


@dataclass(frozen=True)
class _Together:
    """Group statistics computed for many indicators at once, and where each one's rows are."""

    ids: frozenset[str]
    frame: pd.DataFrame
    rows: dict[str, np.ndarray]

    def take(self, ids: Sequence[str]) -> pd.DataFrame | None:
        """The rows of ``ids`` in that order, as computing them alone gives them (the rows of
        an indicator do not depend on the others'); None where none has rows (an empty
        frame's types are left to computing it)."""
        parts = [self.rows[i] for i in dict.fromkeys(ids) if i in self.rows]
        if not parts:
            return None
        return self.frame.iloc[np.concatenate(parts)].reset_index(drop=True)


class _Cache:
    """What a session remembers between calls. Never cleared in place: a write to the store
    replaces the whole cache, so a call that is running keeps a consistent one."""

    def __init__(self, reading: Reading | None = None) -> None:
        self.reference: _Memo[str, Any] = _Memo(reading)  # regions, succession, group members ...
        self.observations: _Memo[str, pd.DataFrame] = _Memo(reading)
        self.members: _Memo[tuple[str, int, str | None], frozenset[str]] = _Memo(reading)
        # Keyed by what users ask (names as typed, years, options): bounded, oldest out first.
        self.regions: _Memo[str, Region] = _Memo(reading, limit=4096)
        self.diffs: _Memo[tuple[int, int | None, int | None], pd.DataFrame] = _Memo(reading, limit=16)
        self.stats: _Memo[tuple[object, ...], pd.DataFrame] = _Memo(reading, limit=256)
        # Statistics of all the indicators asked together (Session.asked_together), per
        # years, group and subjects, with each indicator's rows: (ids, frame, rows by id).
        self.together: _Memo[tuple[object, ...], _Together] = _Memo(reading, limit=16)
        self.frames: _Memo[tuple[object, ...], object] = _Memo(reading, limit=512)
        # Figures per indicator of some years only (Session.reading_years), by (indicator,
        # years): at most each indicator once per set of years a report reads.
        self.windowed: _Memo[tuple[str, tuple[int, ...]], pd.DataFrame] = _Memo(reading)


def _one_state(method: Callable[Concatenate[Session, P], T]) -> Callable[Concatenate[Session, P], T]:
    """Run a public read on one state of the store: on a store open for writing, no write
    commits while it runs (a read-only store cannot change at all, so it costs nothing)."""

    @functools.wraps(method)
    def reading(self: Session, *args: P.args, **kwargs: P.kwargs) -> T:
        store = self.store
        if store.read_only:
            return method(self, *args, **kwargs)
        with store.reading():
            return method(self, *args, **kwargs)

    return cast("Callable[Concatenate[Session, P], T]", reading)


@dataclass(frozen=True)
class GroupChoice:
    """A resolved comparison group, as reports name it."""

    id: str
    name: str
    definition: GroupDef


def open(
    db: Path | str | None = None,
    *,
    groups: Path | str | None = None,
    read_only: bool = False,
    progress: Progress | None = None,
    on_wait: Progress | None = None,
) -> Session:
    """Open the store at ``db`` (default :func:`default_db_path`), filling it on first use.

    A store another process holds is waited for (:func:`lock_wait` seconds; ``on_wait``,
    else ``progress``, hears it once), then refused naming the process.
    """
    path = Path(db) if db is not None else default_db_path()
    store = Store(path, read_only=read_only, wait=lock_wait(), on_wait=on_wait or progress)
    session = Session(store, progress=progress, on_wait=on_wait)
    if not read_only:
        session.bootstrap()
    if groups is not None:
        session.load_user_groups(Path(groups))
    return session


def open_for_reading(
    db: Path | str | None = None,
    *,
    groups: Path | str | None = None,
    progress: Progress | None = None,
    on_wait: Progress | None = None,
) -> Session:
    """Open the store read-only, so that other readers (``kostra serve``, another report)
    can use it at the same time. Only a store that is missing, not yet filled with this
    kostra's catalog and bundled dataset, or from an older kostra is first opened for
    writing, filled and closed again. A write through the session (an import, a fetch)
    reopens the store for writing when it starts."""
    path = Path(db) if db is not None else default_db_path()
    session: Session | None = None
    if path.exists():
        session = open(path, read_only=True, progress=progress, on_wait=on_wait)
        if not session.is_filled():
            session.close()
            session = None
    if session is None:
        open(path, progress=progress, on_wait=on_wait).close()
        session = open(path, read_only=True, progress=progress, on_wait=on_wait)
    session._writes_reopen = True
    if groups is not None:
        session.load_user_groups(Path(groups))
    return session


class Session:
    def __init__(
        self, store: Store, *, progress: Progress | None = None, on_wait: Progress | None = None
    ) -> None:
        self.store = store
        self.catalog: Catalog = load_catalog()
        self._progress = progress or (lambda _msg: None)
        self._on_wait = on_wait
        self._user_groups: dict[str, GroupDef] = {}
        self._cache = self._new_cache()
        self._writes_reopen = False  # a read-only store is reopened for writing when a write starts
        store.subscribe(self._forget)

    # -- lifecycle -----------------------------------------------------------
    def close(self) -> None:
        self.store.close()

    def _forget(self) -> None:
        """Forget everything remembered (after a write): a call that is running keeps the
        cache it started with."""
        self._cache = self._new_cache()

    def _new_cache(self) -> _Cache:
        return _Cache(None if self.store.read_only else self.store.reading)

    def _for_writing(self) -> Store:
        """The store, reopened for writing first when this session read it read-only on the
        way to a write (:func:`open_for_reading`); not while other threads use the session."""
        if self.store.read_only and self._writes_reopen:
            path = self.store.path
            self.store.close()
            self.store = Store(path, wait=lock_wait(), on_wait=self._on_wait or self._progress)
            self.store.subscribe(self._forget)
            self._forget()
        return self.store

    def is_filled(self) -> bool:
        """Whether the store holds this kostra's schema, catalog and bundled dataset (what
        :meth:`bootstrap` would bring), asked without writing."""
        if self.store.pending_migrations():
            return False
        checksum = str(bundle_manifest()["checksum"])
        with self.store.reading():
            meta = {
                key: self.store.get_meta(key)
                for key in ("catalog_checksum", "regions_source", "regions_checksum", "bundle_checksum")
            }
        return (
            meta["catalog_checksum"] == self.catalog.checksum
            and (meta["regions_source"] == "klass" or meta["regions_checksum"] == checksum)
            and meta["bundle_checksum"] == checksum
        )

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def bootstrap(self) -> list[LoadResult]:
        """Bring catalog, regions and the bundled dataset into the store (idempotent)."""
        self._for_writing().sync_catalog(self.catalog)
        manifest = bundle_manifest()
        checksum = str(manifest["checksum"])
        fetched_regions = self.store.get_meta("regions_source") == "klass"
        if not fetched_regions and self.store.get_meta("regions_checksum") != checksum:
            self._progress("Leser inn kommuner, fylker og grupper")
            self.store.replace_regions(*self._bundled_regions(), checksum=checksum)
        if self.store.get_meta("bundle_checksum") == checksum:
            return []
        self._progress("Leser inn det medfølgende datasettet")
        observations = read_bundled_observations()
        batches = [
            (
                ReleaseSpec(
                    source=f"bundled:{origin}",
                    kind="demodata" if origin == "demodata" else "bundled",
                    checksum=f"bundle:{checksum}:{origin}",
                    note=str(manifest["origins"][origin]),
                ),
                part.drop(columns="origin"),
            )
            for origin, part in observations.groupby("origin", sort=True)
        ]
        results = self.store.load_releases(batches)
        self.store.set_meta("bundle_checksum", checksum)
        return results

    def _bundled_regions(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return self._complete_regions(
            read_bundled_csv("regions.csv"),
            read_bundled_csv("region_succession.csv"),
            read_bundled_csv("group_members.csv"),
        )

    def _complete_regions(
        self, regions: pd.DataFrame, succession: pd.DataFrame, members: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Add SSB's aggregate regions (EAK, EKGnn ...) and the counties' memberships."""
        aggregates = pd.DataFrame(
            [
                (g.ssb_code, g.name_nb, "country" if g.kind == "country" else "group")
                for g in self.catalog.groups.values()
                if g.ssb_code
            ],
            columns=["code", "name", "kind"],
        )
        territories = pd.DataFrame(
            [(r.code, r.name, r.kind) for r in ssb_regions().values() if r.kind == "territory"],
            columns=["code", "name", "kind"],
        )
        territories = territories[~territories["code"].isin(regions["code"])]
        regions = pd.concat([regions, aggregates, territories], ignore_index=True)
        counties = regions.loc[regions["county"].notna(), ["county", "code"]]
        county_members = pd.DataFrame(
            {
                "group_id": counties["county"].str.lower(),
                "region_code": counties["code"],
                "from_year": pd.NA,
                "to_year": pd.NA,
                "source": "region",
            }
        )
        members = pd.concat([members, county_members], ignore_index=True)
        return regions, succession, members

    # -- reference data --------------------------------------------------------
    def _reference(self, name: str, compute: Callable[[], T]) -> T:
        memo = self._cache.reference
        try:
            return cast(T, memo[name])
        except KeyError:
            return cast(T, memo.fill(name, compute))

    @property
    def regions(self) -> pd.DataFrame:
        return self._reference("regions", lambda: self.store.table("region"))

    @property
    def succession(self) -> pd.DataFrame:
        """Renumberings, mergers and splits of municipalities (region_succession)."""
        return self._reference("succession", lambda: self.store.table("region_succession"))

    @property
    def _mapping(self) -> dict[str, str]:
        return self._reference("mapping", lambda: canonical_codes(self.succession))

    @property
    def _members(self) -> pd.DataFrame:
        return self._reference("members", lambda: self.store.table("group_member"))

    @property
    def _members_by_group(self) -> dict[str, pd.DataFrame]:
        return self._reference(
            "members_by_group",
            lambda: {str(k): part for k, part in self._members.groupby("group_id", sort=False)},
        )

    @property
    def _municipalities(self) -> frozenset[str]:
        """Today's municipalities."""
        return self._reference("municipalities", self._current_municipalities)

    def _current_municipalities(self) -> frozenset[str]:
        regions = self.regions
        return frozenset(
            regions.loc[(regions["kind"] == "municipality") & regions["valid_to"].isna(), "code"]
        )

    def municipalities(self) -> list[str]:
        """Today's municipality numbers, sorted."""
        return sorted(self._municipalities)

    def municipalities_in(self, year: int) -> frozenset[str]:
        """The country's members in ``year``: today's municipalities (figures on today's
        borders are filed under them) and the old ones that still existed that year."""
        key = ("municipalities_in", year)
        frames = self._cache.frames
        try:
            return cast(frozenset[str], frames[key])
        except KeyError:
            return cast(frozenset[str], frames.fill(key, lambda: self._municipalities_in(year)))

    def _municipalities_in(self, year: int) -> frozenset[str]:
        regions = self.regions
        old = regions[
            (regions["kind"] == "municipality") & regions["valid_to"].notna() & in_use(regions, year)
        ]
        return self._municipalities | {self._mapping.get(c, c) for c in old["code"]}

    @property
    def groups(self) -> dict[str, GroupDef]:
        """Every comparison group: the catalog's, the counties and the user's own."""
        return {**self.catalog.groups, **self._county_groups, **self._user_groups}

    @property
    def _county_groups(self) -> dict[str, GroupDef]:
        return self._reference("county_groups", self._read_county_groups)

    def _read_county_groups(self) -> dict[str, GroupDef]:
        return {
            str(r.code).lower(): GroupDef(
                id=str(r.code).lower(), name_nb=str(r.name), kind="county", aliases=(str(r.code),)
            )
            for r in self.regions[self.regions["kind"] == "county"].itertuples()
        }

    def region(self, query: str) -> Region:
        """The municipality or county called ``query`` (name or number, old numbers too)."""
        regions = self._cache.regions
        try:
            return regions[query]
        except KeyError:
            return regions.fill(query, lambda: self._region_finder.find(query))

    @property
    def _region_finder(self) -> RegionFinder:
        return self._reference("region_finder", lambda: RegionFinder(self.regions, self._mapping))

    def group(self, query: str) -> GroupChoice:
        definition = find_group(query, self.groups)
        return GroupChoice(definition.id, definition.name_nb, definition)

    def members(self, group: str, year: int, subject: str | None = None) -> frozenset[str]:
        """Codes of the members of ``group`` in ``year`` (``subject`` is left out where the
        group excludes the municipality analysed)."""
        key = (group, year, subject)
        members = self._cache.members
        try:
            return members[key]
        except KeyError:
            return members.fill(key, lambda: self._find_members(group, year, subject))

    def _find_members(self, group: str, year: int, subject: str | None) -> frozenset[str]:
        definition = self.group(group).definition
        subject_code = self.region(subject).code if subject else None
        return members_in_year(
            definition,
            year,
            self.groups,
            self._members_by_group,
            self.municipalities_in(year),
            subject_code,
        )

    @_one_state
    def membership_sources(self) -> pd.DataFrame:
        """How many group memberships come from each source (catalog, KLASS, demodata ...)."""
        return self._members.groupby("source").size().rename("memberships").reset_index()

    def load_user_groups(self, path: Path) -> list[GroupDef]:
        """Add the groups defined in a YAML or CSV file (members by name or number)."""
        from kostra.sources.user_groups import read_user_groups

        loaded = []
        for group in read_user_groups(path):
            members = []
            if group.id in self.catalog.groups or group.id in self._county_groups:
                raise InputError(
                    f"{path.name}: gruppen {group.id} finnes fra før i kostra; gi din gruppe en annen id"
                )
            for text, where in group.members:
                try:
                    region = require_municipality(self.region(text), "en egen gruppe")
                except ParameterError as exc:
                    raise InputError(f"{where}: {exc}") from None
                members.append(Member(code=region.code))
            loaded.append(GroupDef(id=group.id, name_nb=group.name_nb, kind="user", members=tuple(members)))
        # A new dict, not an update: a thread that is reading the groups keeps whole ones.
        self._user_groups = {**self._user_groups, **{g.id: g for g in loaded}}
        self._forget()  # memberships and statistics may name the groups just read
        return loaded

    # -- figures -----------------------------------------------------------------
    @_one_state
    def observations(
        self, indicator_ids: Sequence[str] | None = None, years: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """Figures in force, with municipalities under today's numbers.

        Figures are read per indicator once and kept for the session (a report asks for the
        same indicators many times); every load into the store clears the cache.
        """
        if indicator_ids is None:
            return canonicalize(self.store.observations(None, years), self._mapping)
        key = ("observations", tuple(indicator_ids), None if years is None else tuple(years))
        cache = self._cache
        try:
            return cast(pd.DataFrame, cache.frames[key])
        except KeyError:
            return cast(
                pd.DataFrame,
                cache.frames.fill(key, lambda: self._read_observations(cache, indicator_ids, years)),
            )

    def _read_observations(
        self, cache: _Cache, indicator_ids: Sequence[str], years: Sequence[int] | None
    ) -> pd.DataFrame:
        wanted = list(dict.fromkeys(indicator_ids))
        chosen = None if years is None else sorted({int(y) for y in years})
        window = _READING_YEARS.get()
        if window is not None and chosen is not None and set(chosen) <= set(window):
            frames = self._held_in(cache, wanted, window)
        else:
            missing = [i for i in wanted if i not in cache.observations]
            if missing:
                fresh = canonicalize(self.store.observations(missing), self._mapping)
                slices = _by_indicator(fresh)
                for indicator_id in missing:  # each one whole: a thread never sees a slice half stored
                    cache.observations.setdefault(indicator_id, slices.get(indicator_id, fresh.iloc[:0]))
            frames = [cache.observations[i] for i in wanted]
        if chosen is not None:
            # Each indicator's rows of those years, before putting them together: the same
            # rows in the same order as cutting the whole, without copying every year first.
            frames = [_of_years(part, chosen) for part in frames]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _held_in(self, cache: _Cache, wanted: list[str], window: tuple[int, ...]) -> list[pd.DataFrame]:
        """Each indicator's figures of at least the years of ``window``: all its years where
        the session holds them, else those years, read from the store once. Both are sorted
        by year and region, and renumbering is year by year, so a cut to some of the
        window's years is the same either way."""
        missing = [i for i in wanted if i not in cache.observations and (i, window) not in cache.windowed]
        fresh = None
        if missing:
            fresh = canonicalize(self.store.observations(missing, list(window)), self._mapping)
        if fresh is not None and fresh.empty:
            # An empty read's text columns come typed as DuckDB gives them: read every year.
            fresh = canonicalize(self.store.observations(missing), self._mapping)
            slices = _by_indicator(fresh)
            for indicator_id in missing:
                cache.observations.setdefault(indicator_id, slices.get(indicator_id, fresh.iloc[:0]))
        elif fresh is not None:
            slices = _by_indicator(fresh)
            for indicator_id in missing:
                cache.windowed.setdefault((indicator_id, window), slices.get(indicator_id, fresh.iloc[:0]))
        return [
            cache.observations[i] if i in cache.observations else cache.windowed[(i, window)] for i in wanted
        ]

    @contextlib.contextmanager
    def reading_years(self, years: Iterable[int]) -> Iterator[None]:
        """Within this block (this thread or task), figures asked for years all among
        ``years`` are read from the store for ``years`` only, not for every year: a report
        of 2024 shows 2020-2024, and reading 2015-2024 took twice the time. A question of
        other years, or of every year, reads every year as outside the block. The answers
        are the same (tests/test_reading_years.py)."""
        token = _READING_YEARS.set(tuple(sorted({int(y) for y in years})))
        try:
            yield
        finally:
            _READING_YEARS.reset(token)

    @_one_state
    def observations_for(
        self, indicator_ids: Sequence[str], years: Sequence[int], region_codes: Iterable[str]
    ) -> pd.DataFrame:
        """``observations(indicator_ids, years)`` of ``region_codes`` only: the same rows, in
        the same order and with the same index, as filtering that frame by region, without
        comparing every row: each region's rows are found once per frame and session (a
        report asks for its municipality and peers in every chapter, a batch for each one)."""
        ids, when = tuple(indicator_ids), tuple(int(y) for y in years)
        frame = self.observations(ids, when)
        key = ("rows_by_region", ids, when)
        frames = self._cache.frames
        try:
            index = cast(dict[str, np.ndarray], frames[key])
        except KeyError:
            index = cast(dict[str, np.ndarray], frames.fill(key, lambda: _rows_by_region(frame)))
        found = [index[c] for c in dict.fromkeys(region_codes) if c in index]
        rows = np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.intp)
        return frame.iloc[rows]

    def _read_years_first(self, indicator_ids: Sequence[str], year_sets: Sequence[Sequence[int]]) -> None:
        """Remember what :meth:`observations` gives for ``indicator_ids`` and each of
        ``year_sets`` (the same frame: rows, order, index and types), read from the store
        for those years only, when the session holds none of the indicators yet: a command
        asking one question reads the years it needs instead of every year (later questions
        of other years read theirs). An empty read is left to :meth:`observations` (its text
        columns come typed as DuckDB gives them)."""
        cache = self._cache
        keys = [("observations", tuple(indicator_ids), tuple(years)) for years in year_sets]
        wanted = list(dict.fromkeys(indicator_ids))
        if any(i in cache.observations for i in wanted) or all(k in cache.frames for k in keys):
            return
        union = sorted({int(y) for years in year_sets for y in years})
        fresh = canonicalize(self.store.observations(wanted, union), self._mapping)
        if fresh.empty:
            return
        slices = _by_indicator(fresh)
        parts = [slices.get(i, fresh.iloc[:0]) for i in wanted]
        for key, years in zip(keys, year_sets, strict=True):
            chosen = sorted({int(y) for y in years})
            frame = pd.concat([_of_years(part, chosen) for part in parts], ignore_index=True)
            cache.frames.fill(key, _given(frame))

    def _observations_of_years(self, indicator_ids: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
        """What :meth:`observations` gives for ``indicator_ids`` and ``years`` (the same rows in
        the same order), read from the store for those years only when the session does not
        hold the indicators already: a first call for one year reads a third of the rows.

        Read here, the text columns stay categories (the values are the same): the analysis
        works on their codes, and making a million strings took a good part of a first call."""
        wanted = list(dict.fromkeys(indicator_ids))
        if all(i in self._cache.observations for i in wanted):
            return self.observations(wanted, years)
        fresh = self.store.observations(wanted, years, categories=True)
        if not isinstance(fresh["indicator_id"].dtype, pd.CategoricalDtype):  # nothing read
            fresh = canonicalize(self.store.observations(wanted, years), self._mapping)
            slices = _by_indicator(fresh)
            return pd.concat([slices.get(i, fresh.iloc[:0]) for i in wanted], ignore_index=True)
        fresh = _canonical_categories(fresh, self._mapping)
        # In the order asked for: each indicator's rows are one run of the store's order
        # (indicator, year, region), which a stable sort on the indicator's place keeps.
        place = positions_of(pd.Index(wanted), fresh["indicator_id"])
        return fresh.iloc[np.argsort(place, kind="stable")].reset_index(drop=True)

    def _membership(
        self, group: GroupDef, years: Iterable[int], subjects: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Membership rows keyed by group_key, and each subject's key."""
        rows = []
        per_subject = group.exclude_self
        keys = list(subjects) if per_subject else ["group"]
        for key in keys:
            for year in years:
                found = members_in_year(
                    group,
                    year,
                    self.groups,
                    self._members_by_group,
                    self.municipalities_in(year),
                    subject=key if per_subject else None,
                )
                rows += [(key, year, code) for code in found]
        membership = pd.DataFrame(rows, columns=["group_key", "year", "region_code"])
        subject_keys = pd.DataFrame(
            {
                "region_code": list(subjects),
                "group_key": list(subjects) if per_subject else ["group"] * len(subjects),
            }
        )
        return membership, subject_keys

    def _sector_indicators(self, sector: str, profile: str | None) -> tuple[str, str, list[Indicator]]:
        found = self.service_area(sector)
        chosen = self.catalog.profile(found, profile)
        # The catalog check guarantees every visible profile has indicators.
        return found.id, chosen.id, self.catalog.indicators_of(found.id, chosen.id)

    def _profiles(
        self,
        indicators: list[Indicator],
        subjects: Sequence[str],
        years: Sequence[int],
        group: GroupDef,
        observations: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Profile rows for every subject, indicator and year in ``years``."""
        needed, stat_years = _profile_years(years)
        ids = [i.id for i in indicators]
        weight_ids = sorted({i.weight for i in indicators if i.weight})
        obs = observations if observations is not None else self.observations(ids + weight_ids, needed)
        values = obs[obs["indicator_id"].isin(ids)]
        _, subject_keys = self._membership(group, [], subjects)
        if observations is not None:
            weights = self._with_year_border_weights(
                values, obs[obs["indicator_id"].isin(weight_ids)], indicators
            )
            membership, _ = self._membership(group, stat_years, subjects)
            stats = compute_group_stats(values, weights, membership, _rules(indicators))
        else:
            stats = self.group_stats(indicators, stat_years, group, subjects)
        return compute_profile(indicators, values, stats, subject_keys, years)

    @property
    def cached(self) -> _Memo[tuple[object, ...], object]:
        """Session-wide memo for derived frames (a new one after every write to the store). A
        dict; ``cached.fill(key, compute)`` computes a missing value once however many threads
        ask for it at the same time."""
        return self._cache.frames

    @_one_state
    def group_stats(
        self,
        indicators: list[Indicator],
        years: Sequence[int],
        group: GroupDef,
        subjects: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Average, highest and lowest of ``group`` per indicator and year (kept for the session:
        a report, or a batch of reports, asks for the same group's figures again and again)."""
        per_subject = tuple(subjects) if group.exclude_self else ()
        ids = tuple(i.id for i in indicators)
        key = (ids, tuple(years), group.id, per_subject)
        stats = self._cache.stats
        try:
            return stats[key]
        except KeyError:
            pass
        together = _ASKED_TOGETHER.get()
        if len(together) > len(set(ids)) and together.issuperset(ids):
            scope = (together, tuple(years), group.id, per_subject)
            every = self._cache.together.fill(
                scope, lambda: self._stats_together(together, years, group, subjects)
            )
            taken = every.take(ids)
            if taken is not None:
                return stats.fill(key, lambda: taken)
        return stats.fill(key, lambda: self._group_stats(indicators, years, group, subjects))

    @contextlib.contextmanager
    def asked_together(self, indicator_ids: Iterable[str]) -> Iterator[None]:
        """Within this block (this thread or task), :meth:`group_stats` of some of
        ``indicator_ids`` computes them all at once for those years and that group, and
        later questions about the others take their rows: a report asks of each chapter's
        indicators in turn, and ten small computations cost several times one large one.
        The answers are the same (tests/test_group_stats_together.py)."""
        known = frozenset(i for i in indicator_ids if i in self.catalog.indicators)
        token = _ASKED_TOGETHER.set(known)
        try:
            yield
        finally:
            _ASKED_TOGETHER.reset(token)

    def _stats_together(
        self, ids: frozenset[str], years: Sequence[int], group: GroupDef, subjects: Sequence[str]
    ) -> _Together:
        indicators = [self.catalog.indicators[i] for i in sorted(ids)]
        frame = self._group_stats(indicators, years, group, subjects)
        rows = {
            str(i): np.asarray(r, dtype=np.intp)
            for i, r in frame.groupby("indicator_id", sort=False).indices.items()
        }
        return _Together(ids, frame, rows)

    def _group_stats(
        self, indicators: list[Indicator], years: Sequence[int], group: GroupDef, subjects: Sequence[str]
    ) -> pd.DataFrame:
        ids = [i.id for i in indicators]
        weight_ids = sorted({i.weight for i in indicators if i.weight})
        obs = self.observations(ids + weight_ids, years)
        membership, _ = self._membership(group, years, subjects)
        values = obs[obs["indicator_id"].isin(ids)]
        return compute_group_stats(
            values,
            self._with_year_border_weights(values, obs[obs["indicator_id"].isin(weight_ids)], indicators),
            membership,
            _rules(indicators),
        )

    def _with_year_border_weights(
        self, values: pd.DataFrame, weights: pd.DataFrame, indicators: Sequence[Indicator]
    ) -> pd.DataFrame:
        """``weights`` with a weight for every figure of a municipality that has since been
        renumbered or split (1507 Ålesund 2020-2023 = today's 1508 + 1580), taken from the
        population of the land it became (:func:`~kostra.analysis.weights.year_border_weights`)."""
        weight_of = {i.id: i.weight for i in indicators if i.average == "weighted" and i.weight}
        rows = values[values["value"].notna() & values["indicator_id"].isin(list(weight_of))]
        if rows.empty:
            return weights
        # Each (weight, region, year) as one number, for the figures and for the weights held:
        # the same rows as comparing the three as text, at a fraction of the cost.
        wanted = pd.Index(list(dict.fromkeys(weight_of.values())))
        weight_at = np.append(wanted.get_indexer(list(weight_of.values())), -1)
        regions = _distinct(rows["region_code"], weights["region_code"])
        every_year = np.concatenate(
            [rows["year"].to_numpy(dtype=np.int64), weights["year"].to_numpy(dtype=np.int64)]
        )
        first_year, years = int(every_year.min()), int(every_year.max() - every_year.min()) + 1

        def keys(weight: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
            """-1 where the weight or region is not known (such a figure matches nothing)."""
            region = positions_of(regions, frame["region_code"])
            year = frame["year"].to_numpy(dtype=np.int64) - first_year
            found = (weight.astype(np.int64) * len(regions) + region) * years + year
            return np.where((weight >= 0) & (region >= 0), found, -1)

        row_keys = keys(weight_at[positions_of(pd.Index(list(weight_of)), rows["indicator_id"])], rows)
        have = keys(positions_of(wanted, weights["indicator_id"]), weights)
        have = have[have >= 0]
        _, first = np.unique(row_keys, return_index=True)  # each one once, where it first comes
        first = np.sort(first)
        chosen = rows.iloc[first[~np.isin(row_keys[first], have)]]
        if chosen.empty:
            return weights
        needed = pd.DataFrame(
            {
                "weight_id": chosen["indicator_id"].map(weight_of).to_numpy(dtype=object),
                "region_code": chosen["region_code"].to_numpy(dtype=object),
                "year": chosen["year"].to_numpy(),
            }
        )
        # Only the weights of those years are looked up: no need to index all the others.
        population = weights.loc[
            weights["value"].notna()
            & weights["indicator_id"].isin(needed["weight_id"].unique())
            & weights["year"].isin(needed["year"].unique()),
            ["indicator_id", "region_code", "year", "value"],
        ]
        derived = year_border_weights(needed, population, self.succession, self.regions)
        derived = derived[derived["how"] == "successors"]
        if derived.empty:
            return weights
        extra = pd.DataFrame(
            {
                "indicator_id": derived["weight_id"],
                "region_code": derived["region_code"],
                "year": derived["year"],
                "value": derived["value"],
                "release_kind": "derived",
            }
        )
        return pd.concat([weights, extra], ignore_index=True)

    @_one_state
    def profile(
        self,
        municipality: str,
        sector: str,
        profile: str | None = None,
        year: int | None = None,
        group: str = "asss",
    ) -> pd.DataFrame:
        """The service profile and indicator table of one municipality (see KOSTRA.md, method 2)."""
        region = require_municipality(self.region(municipality), "tjenesteprofilen")
        sector_id, profile_id, indicators = self._sector_indicators(sector, profile)
        chosen = self.group(group).definition
        year = self.resolve_year(indicators, year, self.catalog.sectors[sector_id].name_nb.lower())
        weight_ids = sorted({i.weight for i in indicators if i.weight})
        self._read_years_first([i.id for i in indicators] + weight_ids, _profile_years([year]))
        table = self._profile_frame(self._profiles(indicators, [region.code], [year], chosen), year)
        table.attrs.update(_profile_attrs(region, year, chosen, sector_id, profile_id))
        return table

    def _profile_frame(self, rows: pd.DataFrame, year: int) -> pd.DataFrame:
        """Profile rows of one year as :meth:`profile` gives them (any number of regions)."""
        table = rows.drop(columns="year")
        table = table.rename(columns={value_column(k): str(year - k) for k in range(PROFILE_YEARS)})
        return self._name_regions(table)

    @_one_state
    def profile_tables(self, sector: str, year: int, group: str = "asss") -> ProfileFill:
        """Every municipality's profile tables of one service area and year (each profile of
        the area), as plain values: for each, what :meth:`profile` gives, with the names
        the store resolves as the tables' own (municipalities' numbers and names, the area's
        and its profiles' names, the group's id, each profile's latest year). What the
        command line keeps between commands (:mod:`kostra.profile_cache`)."""
        from kostra.profile_cache import ProfileFill, ProfileTable, frame_rows, latest_kind, profile_kind

        found = self.service_area(sector)
        chosen = self.group(group).definition
        codes = sorted(self._municipalities)
        regions = {code: self.region(code) for code in codes}
        names: list[tuple[str, str, str]] = []
        if self.group(chosen.id).id == chosen.id:
            names.append(("group", chosen.id, chosen.id))
        for code, region in regions.items():
            for text in (code, region.name):
                with contextlib.suppress(KostraError):  # a name two municipalities share is asked by number
                    if self.region(text).code == code:
                        names.append(("municipality", text, code))
        names += [
            ("sector", text, found.id)
            for text in dict.fromkeys((found.id, found.name_nb, *found.aliases))
            if self.catalog.sector(text).id == found.id
        ]
        columns: dict[str, list[str]] = {}
        tables: list[ProfileTable] = []
        for profile in found.profiles:
            indicators = self.catalog.indicators_of(found.id, profile.id)
            names.append((latest_kind(found.id, profile.id), "", str(self.latest_year(indicators))))
            names += [
                (profile_kind(found.id), text, profile.id)
                for text in dict.fromkeys((profile.id, profile.name_nb))
                if self.catalog.profile(found, text).id == profile.id
            ]
            if self.catalog.profile(found, None).id == profile.id:
                names.append((profile_kind(found.id, given=False), "", profile.id))
            first, last = self.year_span(indicators)
            if not first <= year <= last:  # :meth:`profile` refuses this year for the profile
                continue
            frame = self._profile_frame(self._profiles(indicators, codes, [year], chosen), year)
            columns[profile.id], rows = frame_rows(frame)
            by_region: dict[str, list[list[Any]]] = {}
            at = columns[profile.id].index("region_code")
            for row in rows:
                by_region.setdefault(str(row[at]), []).append(row)
            tables += [
                ProfileTable(
                    profile.id,
                    code,
                    _profile_attrs(regions[code], year, chosen, found.id, profile.id),
                    by_region.get(code, []),
                )
                for code in codes
            ]
        return ProfileFill(
            group=chosen.id,
            year=year,
            sector=found.id,
            sector_name=found.name_nb,
            columns=columns,
            profile_names={p.id: p.name_nb for p in found.profiles},
            tables=tables,
            names=names,
        )

    @_one_state
    def all_profiles(
        self,
        years: int | Sequence[int],
        group: str = "asss",
        sectors: Sequence[str] | None = None,
        municipalities: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Profiles of many municipalities, sectors and years at once: one row per
        municipality, indicator and year, with the indicator's sector and profile.

        Year columns are relative here ("value_2" two years back, "value_1",
        "value_0" the year itself), since the rows span several years.
        """
        wanted = [years] if isinstance(years, int) else list(years)
        codes = (
            sorted(self._municipalities)
            if municipalities is None
            else [self.region(m).code for m in municipalities]
        )
        chosen = self.group(group).definition
        sector_ids = (
            [self.service_area(s).id for s in sectors]
            if sectors
            else [s.id for s in self.catalog.sectors.values() if not s.hidden]
        )
        indicators = [i for s in sector_ids for i in self.catalog.indicators_of(s)]
        for year in wanted:
            self.resolve_year(indicators, year)
        needed = sorted({y - k for y in wanted for k in range(PROFILE_YEARS)})
        weight_ids = sorted({i.weight for i in indicators if i.weight})
        observations = self._observations_of_years([i.id for i in indicators] + weight_ids, needed)
        table = self._profiles(indicators, codes, wanted, chosen, observations)
        return _placed(table, indicators)

    @_one_state
    def uses_demodata(self, indicator_ids: Sequence[str], years: Sequence[int]) -> bool:
        """Whether any figure in force for ``indicator_ids`` in ``years`` is generated demodata."""
        figures = self.observations(indicator_ids, years)
        return bool((figures["release_kind"] == "demodata").any()) if len(figures) else False

    def _name_regions(self, table: pd.DataFrame) -> pd.DataFrame:
        names = self.regions.set_index("code")["name"]
        for column in ("highest_region", "lowest_region"):
            table[column + "_name"] = table[column].map(names)
        return table

    def year_span(self, indicators: Sequence[Indicator]) -> tuple[int, int]:
        """The first and last year the store has figures for (any of) ``indicators``."""
        ids = tuple(sorted(i.id for i in indicators))
        key = ("year_span", ids)
        frames = self._cache.frames
        try:
            return cast(tuple[int, int], frames[key])
        except KeyError:
            return cast(tuple[int, int], frames.fill(key, lambda: self._year_span(ids)))

    def _year_span(self, ids: Sequence[str]) -> tuple[int, int]:
        span = self.store.year_span(ids)
        if span is None:
            raise InputError(
                "datalageret har ingen tall for disse indikatorene; "
                "kjør 'kostra data status' for å se hva det har"
            )
        return span

    @_one_state
    def resolve_year(self, indicators: Sequence[Indicator], year: int | None = None, what: str = "") -> int:
        """``year``, or the latest year with figures when it is None; a year outside the
        years the store has figures for is refused, naming the years it has."""
        first, last = self.year_span(indicators)
        if year is None:
            return last
        if not first <= year <= last:
            about = f" ({what})" if what else ""
            raise YearNotAvailable(
                f"kostra har ikke tall for {year}{about}; kostra har tall for {first}–{last}"
            )
        return year

    def latest_year(self, indicators: Sequence[Indicator]) -> int:
        """The latest year with figures for (any of) ``indicators``."""
        return self.year_span(indicators)[1]

    def service_area(self, name: str) -> Sector:
        """The service area called ``name``; the catalog's hidden sectors (basis figures such
        as population) are no service area, so profiles and reports refuse them by name."""
        sector = self.catalog.sector(name)
        if sector.hidden:
            known = ", ".join(s.id for s in self.catalog.sectors.values() if not s.hidden)
            what = sector.intro_nb.rstrip(".")
            raise ParameterError(
                f"{sector.id} er ikke et tjenesteområde, men grunnlagstall ({what[:1].lower()}{what[1:]}; "
                f"se dem med 'kostra data status --sector {sector.id}'); velg ett av: {known}"
            )
        return sector

    # -- imports and status ---------------------------------------------------------
    def import_file(
        self,
        path: Path | str,
        *,
        indicator: str | None = None,
        encoding: str | None = None,
        allow_years: bool = False,
    ) -> ImportResult:
        """Load a statbank CSV/XLSX or JSON-stat file as one release (all rows or none);
        years outside the catalog's span only with ``allow_years``. SSB's aggregates in the
        file are kept apart (:meth:`ssb_aggregates`); what cannot be placed is in the result."""
        from kostra.importing import ImportResult, prepare_import

        prepared = prepare_import(
            Path(path),
            self.catalog,
            self.regions,
            self._mapping,
            indicator=indicator,
            encoding=encoding,
            allow_years=allow_years,
        )
        spec = ReleaseSpec(
            source=f"file:{prepared.source}",
            kind="file",
            checksum=prepared.checksum,
            published=prepared.published,
            note=prepared.note,
        )
        loaded = self._for_writing().load_release(spec, prepared.observations, prepared.aggregates)
        derived = 0
        if not loaded.already_loaded:
            derived = self.derive_formulas(sorted(set(prepared.observations["year"].astype(int))))
        return ImportResult(
            loaded.release_id,
            loaded.rows,
            loaded.already_loaded,
            values=int(prepared.observations["value"].notna().sum()),
            aggregates=len(prepared.aggregates),
            unplaced=prepared.unplaced,
            skipped_contents=prepared.skipped_contents,
            derived=derived,
        )

    def derive_formulas(self, years: Sequence[int]) -> int:
        """Compute the catalog's formula figures whose inputs are all real for ``years`` and
        store the new or changed ones (:func:`kostra.deriving.derive`); how many."""
        from kostra.deriving import derive

        result = derive(
            self._for_writing(), self.catalog, years, lambda g, y: self.members(g, y), self._mapping
        )
        if result.releases:
            self._forget()
        return result.values

    def check_fetch(
        self,
        years: Sequence[int] | None = None,
        sectors: Sequence[str] | None = None,
        municipalities: Sequence[str] | None = None,
    ) -> None:
        """Refuse, before SSB is asked anything, a year SSB cannot have (before 2015 or after
        this year), a service area or a municipality kostra does not know."""
        from kostra.importing import year_span

        first, last = year_span()
        for year in years or ():
            if not first <= year <= last:
                raise YearNotAvailable(f"kostra henter år {first}–{last} fra SSB, ikke {year}")
        for sector in sectors or ():
            self.catalog.sector(sector)
        for municipality in municipalities or ():
            require_municipality(self.region(municipality), "henting av tall")

    def fetch(
        self,
        years: Sequence[int] | None = None,
        sectors: Sequence[str] | None = None,
        municipalities: Sequence[str] | None = None,
        *,
        regions: bool = True,
        pxweb: PxWebClient | None = None,
        klass: KlassClient | None = None,
        progress: FetchProgress | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> FetchReport:
        """Fetch the catalog's figures from SSB (PxWebApi v2) into the store, one release per
        table; with ``regions``, first refresh municipalities and the KOSTRA groups of the
        years asked from KLASS. A KLASS failure keeps the stored regions and groups and is
        a warning in the report: it never stops the tables from being fetched."""
        import httpx

        from kostra.errors import SourceError
        from kostra.fetching import ChunkCache, FetchRequest, fetch_tables
        from kostra.sources.klass import KlassClient
        from kostra.sources.pxweb import PxWebClient

        self.check_fetch(years, sectors, municipalities)
        self._for_writing()
        http = httpx.Client(
            timeout=httpx.Timeout(60.0, connect=10.0), headers={"User-Agent": f"kostra/{__version__}"}
        )
        try:
            pxweb = pxweb or PxWebClient(http, on_event=on_retry)
            pxweb.fetch_config()
            wanted_years = tuple(years) if years else None
            warnings: list[str] = []
            if regions:
                try:
                    self.fetch_regions(
                        klass or KlassClient.alongside(pxweb), years=wanted_years, warnings=warnings
                    )
                except SourceError as exc:  # unreachable too: SSB's tables may still answer
                    warnings.append(
                        f"KLASS ga ikke kommuner og KOSTRA-grupper ({exc}); "
                        "bruker kommunene og gruppene som er lagret fra før"
                    )
            request = FetchRequest(
                years=wanted_years,
                sectors=tuple(self.catalog.sector(s).id for s in sectors) if sectors else None,
                municipalities=tuple(self.region(m).code for m in municipalities) if municipalities else None,
            )
            region_filter = None
            if request.municipalities:
                wanted = set(request.municipalities)
                region_filter = {c for c in self.regions["code"] if self._mapping.get(c, c) in wanted}
            stored = self.regions
            report = fetch_tables(
                self.store,
                self.catalog,
                pxweb,
                request,
                known_regions=set(stored.loc[stored["kind"] == "municipality", "code"]),
                region_filter=region_filter,
                cache=ChunkCache(self.store.path.parent / "cache" / "ssb"),
                progress=progress,
            )
            report.warnings[:0] = warnings
            if any(t.status == "loaded" for t in report.tables):
                span = self.store.year_span(list(self.catalog.indicators))
                every = list(range(span[0], span[1] + 1)) if span else []
                report.derived = self.derive_formulas(list(wanted_years) if wanted_years else every)
            return report
        finally:
            http.close()

    def fetch_tables(self, sectors: Sequence[str] | None = None) -> list[str]:
        """The statbank tables a fetch for ``sectors`` reads."""
        from kostra.fetching import tables_to_fetch

        wanted = [self.catalog.sector(s).id for s in sectors] if sectors else None
        return list(tables_to_fetch(self.catalog, wanted))

    def fetch_regions(
        self,
        klass: KlassClient,
        today: date | None = None,
        years: Sequence[int] | None = None,
        warnings: list[str] | None = None,
    ) -> int:
        """Replace municipalities and their succession with KLASS's, and the KOSTRA groups of
        ``years`` (default: every year since 2015) with those KLASS gives for 1 January of
        each; other years keep the memberships stored before. A year KLASS has no grouping
        for is a line added to ``warnings``."""
        from kostra.fetching import FIRST_YEAR
        from kostra.sources.klass import regions_from_klass

        today = today or date.today()
        tables = regions_from_klass(klass, today, first_year=FIRST_YEAR, group_years=years)
        if warnings is not None:
            warnings.extend(tables.warnings)
        regions, succession, members = self._complete_regions(
            tables.regions, tables.succession, self._catalog_members(tables.kostra_groups, tables.group_years)
        )
        digest = hashlib.sha256(pd.util.hash_pandas_object(regions, index=False).to_numpy().tobytes())
        digest.update(pd.util.hash_pandas_object(members, index=False).to_numpy().tobytes())
        store = self._for_writing()
        store.replace_regions(regions, succession, members, checksum=f"klass:{digest.hexdigest()[:16]}")
        store.set_meta("regions_source", "klass")
        return len(regions)

    def _catalog_members(self, kostra_groups: pd.DataFrame, years: Sequence[int] = ()) -> pd.DataFrame:
        """The catalog's group members, KLASS's KOSTRA groups for ``years`` (code, group,
        year), and the KOSTRA-group memberships stored before for every other year."""
        from kostra.sources.klass import kostra_memberships, without_years  # local: see fetch

        by_ssb_code = {g.ssb_code: g.id for g in self.catalog.groups.values() if g.ssb_code}
        rows = [
            (g.id, m.code, m.from_year, m.to_year, "catalog")
            for g in self.catalog.groups.values()
            for m in g.members
        ]
        catalog = pd.DataFrame(rows, columns=["group_id", "region_code", "from_year", "to_year", "source"])
        kostra_ids = {g.id for g in self.catalog.groups.values() if g.kind == "kostra"}
        stored = self.store.table("group_member")
        earlier = stored[stored["group_id"].isin(kostra_ids) & (stored["source"] != "catalog")]
        fetched = kostra_memberships(kostra_groups, by_ssb_code, "klass-112")
        parts = [frame for frame in (catalog, without_years(earlier, years), fetched) if len(frame)]
        members = pd.concat(parts, ignore_index=True) if parts else catalog
        return members.astype({"from_year": "Int64", "to_year": "Int64"})

    @_one_state
    def analyse(
        self,
        municipality: str,
        sector: str,
        year: int | None = None,
        group: str = "asss",
        peers: Sequence[str] = ("Asker",),
        *,
        fixed_prices: bool = False,
        need_adjusted: bool = False,
        first_year: int | None = None,
        base_year: int | None = None,
    ) -> SectorAnalysis:
        """Everything the report says about one service area: profile, ranks, series, resource
        use, need-adjusted spending, efficiency, quality flags and commentary."""
        from kostra.sector_analysis import analyse_sector

        return analyse_sector(
            self,
            municipality,
            sector,
            year,
            group,
            peers,
            fixed_prices=fixed_prices,
            need_adjusted=need_adjusted,
            first_year=first_year,
            base_year=base_year,
        )

    @_one_state
    def rank(
        self, year: int | None = None, rule: Literal["average", "percentile"] = "average"
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Kommunebarometer-style ranking of all municipalities (KOSTRA.md method 6):
        (key figures with scores and contributions, sector and total scores with ranks)."""
        from kostra.comparisons import rank

        return rank(self, year, rule)

    @_one_state
    def explain_rank(
        self, municipality: str, sector: str = "totalt", year: int | None = None
    ) -> dict[str, object]:
        """One municipality's placement in a sector: each key figure's value, score and
        contribution, and the change in rank since last year."""
        from kostra.comparisons import explain_rank

        return explain_rank(self, municipality, sector, year)

    @_one_state
    def explain_ranks(
        self, municipality: str, sectors: Sequence[str], year: int | None = None
    ) -> list[dict[str, object]]:
        """:meth:`explain_rank` for each of ``sectors`` at once."""
        from kostra.comparisons import explain_ranks

        return explain_ranks(self, municipality, sectors, year)

    @_one_state
    def dea(self, sector: str, year: int | None = None) -> pd.DataFrame:
        """DEA efficiency (input-oriented, variable returns to scale) for all municipalities:
        input = need-adjusted gross expenditure per inhabitant, outputs = the sector's
        production indicators (catalog)."""
        from kostra.comparisons import dea

        return dea(self, sector, year)

    @_one_state
    def similar(self, municipality: str, count: int = 10, year: int | None = None) -> pd.DataFrame:
        """The municipalities most like this one on population, age structure, free income
        and expenditure need (z-scored, Euclidean)."""
        from kostra.comparisons import similar

        return similar(self, municipality, count, year)

    @_one_state
    def diff(self, year: int, old_release: int | None = None, new_release: int | None = None) -> pd.DataFrame:
        """Figures for ``year`` that changed between two releases, largest relative change first."""
        key = (year, old_release, new_release)
        diffs = self._cache.diffs
        try:
            table = diffs[key]
        except KeyError:
            table = diffs.fill(
                key, lambda: compute_release_diff(self.store.release_values(year), old_release, new_release)
            )
        return self._named_diff(key, table).copy()  # the caller's to change

    def _named_diff(self, key: tuple[int, int | None, int | None], table: pd.DataFrame) -> pd.DataFrame:
        """:meth:`diff` with names, kept for the session for reading only: every chapter of a
        report, and every report of a batch, asks for the same year's."""

        def named() -> pd.DataFrame:
            names = {i.id: i.name_nb for i in self.catalog.indicators.values()}
            regions = self.regions.set_index("code")["name"]
            return table.assign(
                indicator=table["indicator_id"].map(names), region=table["region_code"].map(regions)
            )

        return cast(pd.DataFrame, self._cache.frames.fill(("named_diff", *key), named))

    # -- SSB's own aggregates -------------------------------------------------------
    @_one_state
    def ssb_aggregates(
        self, indicator_ids: Sequence[str] | None = None, years: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """SSB's published aggregates in the store (EAK, EAKUO, EKAnn, EKGnn), newest release."""
        return self.store.aggregates(indicator_ids, years)

    @_one_state
    def ssb_check(self, years: Sequence[int] | None = None, sector: str | None = None) -> pd.DataFrame:
        """Every SSB aggregate in the store recomputed from the municipal figures SSB published
        with it, weighted as SSB weights (:mod:`kostra.analysis.ssb_check`), with names."""
        indicators = [
            i
            for i in self.catalog.indicators.values()
            if sector is None or i.sector == self.service_area(sector).id
        ]
        key = ("ssb_check", tuple(i.id for i in indicators), None if years is None else tuple(years))
        return cast(pd.DataFrame, self._cache.frames.fill(key, lambda: self._ssb_check(indicators, years)))

    def _ssb_check(self, indicators: list[Indicator], years: Sequence[int] | None) -> pd.DataFrame:
        published = self.store.aggregates([i.id for i in indicators], years)
        if published.empty:
            return check_aggregates(published, published, _EMPTY_WEIGHTS, _rules(indicators), {})
        # Each aggregate against the municipal figures of the same answer.
        release_of = published.groupby(["indicator_id", "year"])["release_id"].max().rename("_release")
        raw = self.store.release_observations(
            sorted(set(published["release_id"])), sorted(set(published["indicator_id"]))
        )
        raw = raw.join(release_of, on=["indicator_id", "year"])
        kinds = dict(zip(self.regions["code"], self.regions["kind"], strict=False))
        values = raw[
            (raw["release_id"] == raw["_release"])
            & raw["region_code"].map(kinds).isin(["municipality", "territory"])
        ]
        by_id = {i.id: i for i in indicators}
        rules = _rules(indicators).assign(decimals=[i.decimals for i in indicators])
        weighted = values.assign(weight_id=values["indicator_id"].map(lambda i: by_id[i].weight))
        needed = weighted.loc[weighted["weight_id"].notna() & weighted["value"].notna()]
        needed = needed.loc[:, ["weight_id", "region_code", "year"]].drop_duplicates()
        population = self.store.raw_observations(
            sorted(set(needed["weight_id"])), sorted({int(y) for y in needed["year"]})
        )
        weights = year_border_weights(needed, population, self.succession, self.regions)
        generated = {
            (str(i), int(y))
            for i, y in zip(
                population.loc[population["release_kind"] == "demodata", "indicator_id"],
                population.loc[population["release_kind"] == "demodata", "year"],
                strict=True,
            )
        }
        years_checked = sorted({int(y) for y in published["year"]})
        groups = {y: self._kostra_groups_in(y) for y in years_checked}
        regions = self.regions[self.regions["kind"] == "municipality"]
        municipalities = {y: set(regions.loc[in_use(regions, y), "code"].astype(str)) for y in years_checked}
        return check_aggregates(published, values, weights, rules, groups, municipalities, generated)

    def _kostra_groups_in(self, year: int) -> dict[str, str] | str:
        """Municipality (numbers of ``year`` and today's) -> EKGnn, or why that is unknown."""
        ssb_code = {
            g.id: g.ssb_code for g in self.catalog.groups.values() if g.kind == "kostra" and g.ssb_code
        }
        members = self._members[self._members["group_id"].isin(ssb_code)]
        valid = members[
            (members["from_year"].isna() | (members["from_year"] <= year))
            & (members["to_year"].isna() | (members["to_year"] >= year))
        ]
        if valid.empty:
            return (
                f"kostra kjenner ikke KOSTRA-gruppene for {year}; hent dem fra KLASS med 'kostra data fetch'"
            )
        if (valid["source"] == "demodata").any():
            return (
                "KOSTRA-gruppene i lageret er demodata (plassert etter folketall); hent SSBs grupper "
                "fra KLASS med 'kostra data fetch'"
            )
        now = dict(zip(valid["region_code"].astype(str), valid["group_id"].map(ssb_code), strict=True))
        # A number of that year finds its group under today's number when it was only renumbered.
        then = {old: now[new] for old, new in self._mapping.items() if new in now and old not in now}
        return {**then, **now}

    def checked_against_ssb(self, indicator_ids: Sequence[str], year: int) -> dict[str, bool]:
        """Per indicator: True when SSB's country figure (EAK) for ``year`` is in the store and
        kostra recomputes it at SSB's precision; False when it is there and does not; indicators
        without SSB's country figure are left out ("ikke kontrollert")."""
        checks = self.ssb_check([year])
        country = checks[(checks["aggregate"] == "EAK") & checks["indicator_id"].isin(list(indicator_ids))]
        return {
            str(r.indicator_id): r.verdict in (Verdict.SAME, Verdict.ROUNDING)
            for r in country.itertuples()
            if r.verdict != Verdict.NOT_CHECKABLE
        }

    @_one_state
    def data_status(self) -> pd.DataFrame:
        """Per indicator: how many figures in force are real and how many are demodata."""
        counts = self.store.status_counts()
        counts["real"] = counts["release_kind"] != "demodata"
        table = counts.pivot_table(
            index="indicator_id", columns="real", values="figures", aggfunc="sum", fill_value=0
        )
        table = table.rename(columns={True: "real", False: "demodata"}).reindex(
            columns=["real", "demodata"], fill_value=0
        )
        years = counts.groupby("indicator_id").agg(
            first_year=("first_year", "min"), last_year=("last_year", "max")
        )
        info = pd.DataFrame(
            [
                {
                    "indicator_id": i.id,
                    "sector": i.sector,
                    "indicator": i.name_nb,
                    "kind": i.kind,
                    "ssb_table": i.source.table if i.source else None,
                }
                for i in self.catalog.indicators.values()
            ]
        ).set_index("indicator_id")
        out = info.join(table, how="left").join(years, how="left").fillna({"real": 0, "demodata": 0})
        return out.astype({"real": int, "demodata": int}).reset_index()

    @_one_state
    def releases(self) -> pd.DataFrame:
        return self.store.table("release")
