"""Profile tables the command line has computed, kept beside the store for later commands.

``kostra profile`` answers one table in some 0.09 s, but a process spent 0.6 s more on
importing pandas and reading figures. So once a profile has been computed, the tables of
every municipality for that service area, year and group are written here (an SQLite file
beside the store, ``kostra.duckdb.profiles.sqlite``), with the names they may be asked by;
a later command asking by one of those names reads its table from here, without pandas
or the store.

Every table depends on the store, on kostra's own files (code and catalog), on the
libraries that compute it and on the groups file; all of them are in the fingerprint the
tables are kept under. An import or a fetch writes the store, a new kostra replaces its
files, and the first command after either finds the fingerprint changed, drops every
table and computes afresh. The file is a convenience: whatever goes wrong reading or
writing it (a read-only folder, a damaged file, another process writing it) leaves the
command to compute as if there were no file, never to fail.

A name is kept only as the store resolved it (:meth:`kostra.api.Session.profile_tables`
and the names a command was asked by), so the file never answers a question the store
would have answered differently or refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["CachedProfile", "ProfileCache", "ProfileFill", "ProfileTable", "frame_rows"]

# Raised when the layout below or the meaning of a kept table changes.
CACHE_FORMAT = 1
# Fills (service area, year and group) kept; the oldest go first. A fill of one service
# area is 1-2 MB (pleie og omsorg, with four profiles, the most).
KEEP_FILLS = 16
# The libraries whose upgrade could change a computed figure.
_LIBRARIES = ("pandas", "numpy", "duckdb")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS name (
    kind TEXT NOT NULL, text TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, text));
CREATE TABLE IF NOT EXISTS fill (
    grp TEXT NOT NULL, year INTEGER NOT NULL, sector TEXT NOT NULL, made REAL NOT NULL,
    PRIMARY KEY (grp, year, sector));
CREATE TABLE IF NOT EXISTS shape (
    grp TEXT NOT NULL, year INTEGER NOT NULL, sector TEXT NOT NULL, profile TEXT NOT NULL,
    columns TEXT NOT NULL, sector_name TEXT NOT NULL, profile_name TEXT NOT NULL,
    PRIMARY KEY (grp, year, sector, profile));
CREATE TABLE IF NOT EXISTS profile_table (
    grp TEXT NOT NULL, year INTEGER NOT NULL, sector TEXT NOT NULL, profile TEXT NOT NULL,
    region TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (grp, year, sector, profile, region));
"""
_TABLES = ("name", "fill", "shape", "profile_table")


@dataclass(frozen=True)
class ProfileTable:
    """One municipality's profile table: what :meth:`kostra.api.Session.profile` gives, as
    plain values (its rows in the frame's column order, and its ``attrs``)."""

    profile: str
    region: str
    attrs: dict[str, Any]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ProfileFill:
    """Every municipality's profile tables of one service area, year and group, with the
    names (kind, text, what it names) the store resolves as the tables' own."""

    group: str
    year: int
    sector: str
    sector_name: str
    columns: dict[str, list[str]]  # by profile
    profile_names: dict[str, str]
    tables: list[ProfileTable]
    names: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CachedProfile:
    """A kept table and the names its heading needs."""

    columns: list[str]
    rows: list[list[Any]]
    attrs: dict[str, Any]
    sector_name: str
    profile_name: str


def latest_kind(sector: str, profile: str) -> str:
    """The kind of name under which the latest year of a profile is kept (asked as "")."""
    return f"latest {sector} {profile}"


def profile_kind(sector: str, given: bool = True) -> str:
    """The kind of name under which a service area's profiles are kept; not ``given``: the
    one a command asking for none gets (kept as "", which a profile asked by name never is:
    an empty name is refused)."""
    return f"profile {sector}" if given else f"default profile {sector}"


def _stamp(path: Path) -> str:
    """What changes when a file is written or replaced (not its contents: the store is big)."""
    try:
        st = path.stat()
    except OSError:
        return "missing"
    return f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _code_stamp() -> list[str]:
    """kostra's own files (code, catalog, bundled data) and the computing libraries'."""
    package = Path(__file__).parent
    stamps = [sys.version]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(folder) / name
            stamps.append(f"{path.relative_to(package)} {_stamp(path)}")
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        stamps.append(f"{library} {_stamp(Path(origin)) if origin else 'missing'}")
    return stamps


class ProfileCache:
    """The kept profile tables of the store at ``db`` (with the groups file ``groups``)."""

    def __init__(self, db: Path, groups: Path | None = None) -> None:
        self.db = Path(db)
        self.groups = Path(groups) if groups is not None else None
        self.path = self.db.with_name(self.db.name + ".profiles.sqlite")

    def fingerprint(self) -> str:
        """The digest of everything a kept table depends on, as the files are now."""
        db = self.db.absolute()
        parts = [f"format {CACHE_FORMAT}", str(db), _stamp(db), _stamp(db.with_name(db.name + ".wal"))]
        if self.groups is not None:
            parts += [str(self.groups.absolute()), _stamp(self.groups)]
        parts += _code_stamp()
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def find(
        self,
        municipality: str,
        sector: str,
        profile: str | None,
        year: int | None,
        group: str,
    ) -> CachedProfile | None:
        """The table a profile command asking this would compute, if it is kept and still
        current; None otherwise (the command then computes it)."""
        return self._read(lambda db: self._find(db, municipality, sector, profile, year, group), None)

    def _read(self, read: Callable[[sqlite3.Connection], T], otherwise: T) -> T:
        """``read`` of the file, opened read-only and in one transaction (every read from one
        state of it); ``otherwise`` where there is no file of this layout or it cannot be read."""
        if not self.path.is_file():
            return otherwise
        try:
            # As a URI, so that a "#" or "?" in a folder's name is part of the path.
            with _connected(self.path.absolute().as_uri() + "?mode=ro", uri=True) as db:
                if db.execute("PRAGMA user_version").fetchone() != (CACHE_FORMAT,):
                    return otherwise
                db.execute("BEGIN")
                return read(db)
        except (sqlite3.Error, OSError, ValueError, zlib.error):  # ValueError: JSON
            return otherwise

    def _find(
        self,
        db: sqlite3.Connection,
        municipality: str,
        sector: str,
        profile: str | None,
        year: int | None,
        group: str,
    ) -> CachedProfile | None:
        """:meth:`find` in the open file: the names as the store resolved them, then the table."""
        if _fingerprint_of(db) != self.fingerprint():
            return None

        def named(kind: str, text: str) -> str | None:
            row = db.execute("SELECT value FROM name WHERE kind = ? AND text = ?", (kind, text)).fetchone()
            return None if row is None else str(row[0])

        region, sector_id = named("municipality", municipality), named("sector", sector)
        group_id = named("group", group)
        if region is None or sector_id is None or group_id is None:
            return None
        profile_id = named(profile_kind(sector_id, profile is not None), profile or "")
        if profile_id is None:
            return None
        if year is None:
            latest = named(latest_kind(sector_id, profile_id), "")
            if latest is None:
                return None
            year = int(latest)
        key = (group_id, year, sector_id, profile_id)
        shape = db.execute(
            "SELECT columns, sector_name, profile_name FROM shape"
            " WHERE grp = ? AND year = ? AND sector = ? AND profile = ?",
            key,
        ).fetchone()
        body = db.execute(
            "SELECT body FROM profile_table"
            " WHERE grp = ? AND year = ? AND sector = ? AND profile = ? AND region = ?",
            (*key, region),
        ).fetchone()
        if shape is None or body is None:
            return None
        attrs, rows = json.loads(zlib.decompress(body[0]))
        return CachedProfile(json.loads(shape[0]), rows, attrs, str(shape[1]), str(shape[2]))

    def holds(self, fingerprint: str, group: str, year: int, sector: str) -> bool:
        """Whether the tables of this service area, year and group are kept under
        ``fingerprint`` (then a command that computed one only adds the names it was asked by)."""

        def held(db: sqlite3.Connection) -> bool:
            found = db.execute(
                "SELECT 1 FROM fill WHERE grp = ? AND year = ? AND sector = ?", (group, year, sector)
            ).fetchone()
            return _fingerprint_of(db) == fingerprint and found is not None

        return self._read(held, False)

    def keep(
        self, fingerprint: str, fill: ProfileFill | None, asked: Sequence[tuple[str, str, str]] = ()
    ) -> bool:
        """Keep ``fill`` and the names in it and in ``asked`` under ``fingerprint`` (taken
        while the store it was computed from was open, so a write since makes it stale).
        Tables kept under another fingerprint are dropped; a file SQLite cannot read is
        made anew. No ``fill``: only the names, where the file holds that fingerprint.
        False if nothing could be kept."""
        for _ in range(2):
            try:
                return self._keep(fingerprint, fill, asked)
            except sqlite3.DatabaseError as exc:
                # Locked by another command, or a folder that cannot be written: not kept.
                if not _damaged(exc):
                    return False
                try:  # not a database, or a damaged one: made anew
                    self.path.unlink()
                except OSError:
                    return False
            except OSError:
                return False
        return False

    def _keep(
        self, fingerprint: str, fill: ProfileFill | None, asked: Sequence[tuple[str, str, str]]
    ) -> bool:
        """:meth:`keep`, letting SQLite's errors through."""
        with _connected(str(self.path), timeout=0.5) as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("PRAGMA user_version").fetchone() != (CACHE_FORMAT,):
                # A new file, or one of another layout: laid out anew (freed pages go back
                # to the file system as they are freed).
                db.execute("COMMIT")
                db.execute("PRAGMA auto_vacuum = FULL")
                for table in ("meta", *_TABLES):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("VACUUM")  # auto_vacuum of a file with tables takes effect so
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {CACHE_FORMAT}")
                db.execute("BEGIN IMMEDIATE")
            current = _fingerprint_of(db) == fingerprint
            if fill is None:
                if not current:  # the tables the names are for are gone
                    return False
                db.executemany("INSERT OR REPLACE INTO name VALUES (?, ?, ?)", list(asked))
            else:
                if not current:
                    for table in _TABLES:
                        db.execute(f"DELETE FROM {table}")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
                self._write(db, fill, asked)
            db.execute("COMMIT")
        return True

    @staticmethod
    def _write(db: sqlite3.Connection, fill: ProfileFill, asked: Sequence[tuple[str, str, str]]) -> None:
        group, year, sector = fill.group, fill.year, fill.sector
        db.executemany("INSERT OR REPLACE INTO name VALUES (?, ?, ?)", [*fill.names, *asked])
        db.execute("INSERT OR REPLACE INTO fill VALUES (?, ?, ?, ?)", (group, year, sector, time.time()))
        db.executemany(
            "INSERT OR REPLACE INTO shape VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (group, year, sector, p, json.dumps(names), fill.sector_name, fill.profile_names[p])
                for p, names in fill.columns.items()
            ],
        )
        db.executemany(
            "INSERT OR REPLACE INTO profile_table VALUES (?, ?, ?, ?, ?, ?)",
            [(group, year, sector, t.profile, t.region, _packed([t.attrs, t.rows])) for t in fill.tables],
        )
        stale = db.execute(
            "SELECT grp, year, sector FROM fill ORDER BY made DESC LIMIT -1 OFFSET ?", (KEEP_FILLS,)
        ).fetchall()
        for key in stale:
            db.execute("DELETE FROM fill WHERE grp = ? AND year = ? AND sector = ?", key)
            db.execute("DELETE FROM shape WHERE grp = ? AND year = ? AND sector = ?", key)
            db.execute("DELETE FROM profile_table WHERE grp = ? AND year = ? AND sector = ?", key)


def _fingerprint_of(db: sqlite3.Connection) -> str | None:
    """The fingerprint the file's tables are kept under (None in a new file)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    return None if row is None else str(row[0])


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is no database, or a damaged one."""
    message = str(error).lower()
    return not isinstance(error, sqlite3.OperationalError) and (
        "not a database" in message or "malformed" in message
    )


def frame_rows(frame: Any) -> tuple[list[str], list[list[Any]]]:
    """A pandas frame's column names and rows as Python's own values (NaN stays NaN), as
    :class:`ProfileTable` keeps them: each column converted at once, not cell by cell."""
    columns = [str(c) for c in frame.columns]
    values = [frame[c].tolist() for c in frame.columns]
    return columns, [list(row) for row in zip(*values, strict=True)]


def _packed(value: object) -> bytes:
    # JSON keeps floats exactly (shortest repr) and NaN; zlib makes a table some 1 kB.
    return zlib.compress(json.dumps(value).encode(), 1)


def _connected(
    target: str, *, uri: bool = False, timeout: float = 0.0
) -> contextlib.closing[sqlite3.Connection]:
    """An SQLite connection in autocommit mode (transactions are begun by hand), closed on
    leaving (sqlite3's own context manager commits but does not close)."""
    return contextlib.closing(sqlite3.connect(target, uri=uri, timeout=timeout, isolation_level=None))
