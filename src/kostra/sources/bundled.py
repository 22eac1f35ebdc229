"""The dataset that ships inside the package, so that kostra works offline.

``kostra/data/`` holds regions, their succession, group memberships and one
Parquet file of observations, each row tagged with its ``origin``: ``ssb``
(SSB's figures), ``published`` (transcribed from a published KOSTRA report) or
``demodata`` (drawn by the seeded generator in :mod:`kostra.bundle`).
``manifest.json`` describes each origin and how the bundle was built.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.abc import Traversable
from typing import Any

import duckdb
import pandas as pd

__all__ = [
    "bundle_manifest",
    "data_file",
    "read_bundled_csv",
    "read_bundled_observations",
]

OBSERVATIONS = "observations.parquet"


def data_file(name: str) -> Traversable:
    return resources.files("kostra.data").joinpath(name)


def bundle_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(data_file("manifest.json").read_text("utf-8"))
    return manifest


def read_bundled_csv(name: str) -> pd.DataFrame:
    """One of the bundled region tables, every column as text except years."""
    with resources.as_file(data_file(name)) as path:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column in ("valid_from", "valid_to", "year", "from_year", "to_year"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return frame


def read_bundled_observations() -> pd.DataFrame:
    """All bundled observations with their ``origin``."""
    with resources.as_file(data_file(OBSERVATIONS)) as path:
        con = duckdb.connect()
        try:
            return con.execute(
                "SELECT indicator_id, region_code, year, value, status, origin "
                "FROM read_parquet(?) ORDER BY ALL",
                [str(path)],
            ).df()
        finally:
            con.close()
