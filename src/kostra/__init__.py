"""kostra: KOSTRA benchmarking for Norwegian municipalities.

>>> import kostra
>>> with kostra.open() as k:
...     table = k.profile("Bærum", sector="pleie-og-omsorg", profile="alle", year=2024)

``import kostra`` is light: the errors are imported at once, everything else (the API with
pandas and DuckDB, the catalog with pydantic) when first used (PEP 562), so that
``kostra --help`` and the import itself do not pay for what they never touch.
"""

import importlib as _importlib
import typing as _typing

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

if _typing.TYPE_CHECKING:
    from kostra.analysis.regions import Region
    from kostra.api import Session, open
    from kostra.catalog import Catalog, GroupDef, Indicator, load_catalog
    from kostra.home import default_db_path

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

# The public names imported when first asked for, and the module each lives in.
_LAZY = {
    "Region": "kostra.analysis.regions",
    "Session": "kostra.api",
    "default_db_path": "kostra.home",
    "open": "kostra.api",
    "Catalog": "kostra.catalog",
    "GroupDef": "kostra.catalog",
    "Indicator": "kostra.catalog",
    "load_catalog": "kostra.catalog",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kostra' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
