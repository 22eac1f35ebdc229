"""Ordered, named schema migrations of the DuckDB store.

Each migration runs once, inside the transaction that records it in
``schema_migration``; a store opened by a newer kostra is brought up to date
on open. Never edit a released migration: append a new one.
"""

from __future__ import annotations

from typing import Final

# The rule for the figure in force: real figures before demodata, then the newest
# release. Loads re-run it; a change to the rule needs a migration that re-runs it.
REFRESH_CURRENT = """
DELETE FROM current_observation;
INSERT INTO current_observation
SELECT o.indicator_id, o.region_code, o.year, o.value, o.status, o.release_id, r.kind
FROM observation o JOIN release r ON r.id = o.release_id
QUALIFY row_number() OVER (
    PARTITION BY o.indicator_id, o.region_code, o.year
    ORDER BY (r.kind = 'demodata'), r.id DESC
) = 1
ORDER BY o.indicator_id, o.year, o.region_code;
"""

# The same for some indicators only: two statements, each with one parameter, the list of
# their ids. A load touches a few indicators, and rebuilding all of a million rows took most
# of an import's time. Every read sorts (ORDER BY), so where the rows go changes no answer.
REFRESH_CURRENT_OF = (
    "DELETE FROM current_observation WHERE indicator_id IN (SELECT unnest(?))",
    """
INSERT INTO current_observation
SELECT o.indicator_id, o.region_code, o.year, o.value, o.status, o.release_id, r.kind
FROM observation o JOIN release r ON r.id = o.release_id
WHERE o.indicator_id IN (SELECT unnest(?))
QUALIFY row_number() OVER (
    PARTITION BY o.indicator_id, o.region_code, o.year
    ORDER BY (r.kind = 'demodata'), r.id DESC
) = 1
ORDER BY o.indicator_id, o.year, o.region_code
""",
)

MIGRATIONS: Final[tuple[tuple[str, str], ...]] = (
    (
        "0001_initial",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE release (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('bundled', 'demodata', 'file', 'ssb')),
            fetched_at TIMESTAMP NOT NULL,
            published TIMESTAMP,
            checksum TEXT NOT NULL UNIQUE,
            note TEXT
        );

        CREATE TABLE region (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('municipality', 'county', 'group', 'country')),
            valid_from INTEGER,
            valid_to INTEGER,
            county TEXT
        );

        CREATE TABLE region_succession (
            old_code TEXT NOT NULL,
            new_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('renumbered', 'merged', 'split')),
            PRIMARY KEY (old_code, new_code)
        );

        CREATE TABLE group_member (
            group_id TEXT NOT NULL,
            region_code TEXT NOT NULL,
            from_year INTEGER,
            to_year INTEGER,
            source TEXT NOT NULL
        );

        CREATE TABLE indicator (
            id TEXT PRIMARY KEY,
            name_nb TEXT NOT NULL,
            sector TEXT NOT NULL,
            profiles TEXT NOT NULL,
            indicator_group TEXT,
            unit TEXT NOT NULL,
            decimals INTEGER NOT NULL,
            direction TEXT NOT NULL,
            average TEXT NOT NULL,
            weight TEXT,
            kind TEXT NOT NULL,
            source_table TEXT,
            source_contents TEXT,
            source_filters TEXT,
            source_verified TEXT
        );

        CREATE TABLE observation (
            indicator_id TEXT NOT NULL,
            region_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            value DOUBLE,
            status TEXT,
            release_id INTEGER NOT NULL
        );

        -- The figure in force for each indicator, region and year: real figures
        -- beat generated demodata, and among equals the newest release wins.
        CREATE VIEW current_observation AS
        SELECT o.indicator_id, o.region_code, o.year, o.value, o.status, o.release_id,
               r.kind AS release_kind
        FROM observation o JOIN release r ON r.id = o.release_id
        QUALIFY row_number() OVER (
            PARTITION BY o.indicator_id, o.region_code, o.year
            ORDER BY (r.kind = 'demodata'), r.id DESC
        ) = 1;
        """,
    ),
    (
        # Reads far outnumber loads, so the figures in force are kept as a table,
        # rebuilt inside every load's transaction, instead of a window-function view.
        "0002_current_observation_table",
        """
        DROP VIEW current_observation;
        CREATE TABLE current_observation (
            indicator_id TEXT NOT NULL,
            region_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            value DOUBLE,
            status TEXT,
            release_id INTEGER NOT NULL,
            release_kind TEXT NOT NULL
        );
        """
        + REFRESH_CURRENT,
    ),
    (
        # SSB's figures for a year are unrevised until 15 June the year after.
        "0003_release_revision",
        "ALTER TABLE release ADD COLUMN revision TEXT;",
    ),
    (
        # SSB's own aggregates (EAK, EAKUO, EKAnn, EKGnn) as SSB published them, apart from
        # the municipalities' figures, so that no analysis ever mistakes them for a member
        # and `kostra data check` can recompute each from the municipal figures. Longyearbyen
        # (2111) reports KOSTRA but belongs to no county or group: a region of its own kind.
        "0004_ssb_aggregates",
        """
        CREATE TABLE aggregate (
            indicator_id TEXT NOT NULL,
            region_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            value DOUBLE,
            status TEXT,
            release_id INTEGER NOT NULL
        );
        CREATE TABLE region_new (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('municipality', 'county', 'group', 'country', 'territory')),
            valid_from INTEGER,
            valid_to INTEGER,
            county TEXT
        );
        INSERT INTO region_new SELECT code, name, kind, valid_from, valid_to, county FROM region;
        DROP TABLE region;
        ALTER TABLE region_new RENAME TO region;
        -- a store whose regions were read before this migration gets Longyearbyen too
        INSERT INTO region (code, name, kind)
        SELECT '2111', 'Longyearbyen', 'territory' WHERE NOT EXISTS (SELECT 1 FROM region WHERE code = '2111')
            AND EXISTS (SELECT 1 FROM region);
        """,
    ),
)
