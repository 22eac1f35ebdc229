"""kostra: KOSTRA benchmarking for Norwegian municipalities.

>>> import kostra
>>> with kostra.open() as k:
...     table = k.profile("Bærum", sector="pleie-og-omsorg", profile="alle", year=2024)
"""

from kostra.analysis.regions import Region
from kostra.api import Session, default_db_path, open
from kostra.catalog import Catalog, GroupDef, Indicator, load_catalog
from kostra.errors import (
    ConfigError,
    InputError,
    KostraError,
    ParameterError,
    RegionNotFound,
    SourceError,
    SourceUnreachable,
    StoreError,
    YearNotAvailable,
)

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "ConfigError",
    "GroupDef",
    "Indicator",
    "InputError",
    "KostraError",
    "ParameterError",
    "Region",
    "RegionNotFound",
    "Session",
    "SourceError",
    "SourceUnreachable",
    "StoreError",
    "YearNotAvailable",
    "__version__",
    "default_db_path",
    "load_catalog",
    "open",
]
