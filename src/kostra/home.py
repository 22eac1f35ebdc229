"""Where kostra keeps its store when no path is given: ``$KOSTRA_HOME``, else the user's
data directory. Light on purpose: the command line asks before it imports pandas."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

__all__ = ["default_db_path"]


def default_db_path() -> Path:
    """``$KOSTRA_HOME/kostra.duckdb``, else the user's data directory."""
    home = os.environ.get("KOSTRA_HOME")
    base = Path(home) if home else Path(user_data_dir("kostra", appauthor=False))
    return base / "kostra.duckdb"
