"""The curated public API: a sorted, complete ``__all__``."""

from __future__ import annotations

import kostra


def test_all_is_sorted_and_complete() -> None:
    assert list(kostra.__all__) == sorted(kostra.__all__)
    public = {name for name in dir(kostra) if not name.startswith("_")}
    modules = {
        "analysis",
        "api",
        "catalog",
        "errors",
        "names",
        "formatting",
        "sector_analysis",
        "comparisons",
        "coverage",
        "sources",
        "store",
        "outputs",
        "importing",
        "placing",
        "bundle",
        "fetching",
        "deriving",
        "files",
        "home",
        "profile_cache",
        "data",
    }
    assert public - modules == set(kostra.__all__) - {"__version__"}


def test_every_error_is_a_kostra_error() -> None:
    for name in (
        "ConfigError",
        "InputError",
        "RegionNotFound",
        "SourceError",
        "SourceUnreachable",
        "StoreError",
    ):
        assert issubclass(getattr(kostra, name), kostra.KostraError)
