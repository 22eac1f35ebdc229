"""The exceptions a user of kostra can cause, and nothing else.

Every error a user can provoke (a bad file, an unknown municipality, a broken
store) is a :class:`KostraError` with a message of one clear line that says what
failed, where, and what to do. The CLI prints that line in red; tracebacks are
for bugs only (``kostra --debug`` shows them).

::

    KostraError
    ├── ConfigError      catalog, group or report files that do not validate
    ├── InputError       user input: files to import, parameters, names
    │   └── ParameterError      a parameter names what kostra does not have
    │       ├── RegionNotFound      (a municipality, county or group)
    │       └── YearNotAvailable    (a year without figures)
    ├── StoreError       the DuckDB store cannot be opened or written
    └── SourceError      SSB or another source answers badly
        └── SourceUnreachable   no answer at all (network, DNS, refused)

Data-quality findings (suppressed cells, merger breaks) are not exceptions:
they are data, returned beside the numbers.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any


class KostraError(Exception):
    """Base class of every error a user can cause."""


class ConfigError(KostraError):
    """A catalog, group or configuration file is invalid."""


class InputError(KostraError):
    """User input (an import file, a parameter, a name) is invalid."""


class ParameterError(InputError):
    """A parameter (sector, profile, group, format, municipality, year) names something
    kostra does not have. The CLI treats it as a usage error (exit code 2), the web app
    as a page that does not exist (404)."""


class RegionNotFound(ParameterError):
    """A municipality, county or group name or number is unknown or ambiguous."""


class YearNotAvailable(ParameterError):
    """The store has no figures for the year asked for; the message names the years it has."""


class StoreError(KostraError):
    """The store cannot be opened, migrated or written."""


class SourceError(KostraError):
    """A data source (SSB's API, a bundled file) failed."""


class SourceUnreachable(SourceError):
    """A data source cannot be reached at all; nothing was fetched."""


_OS_REASONS = {
    errno.ENOENT: "finnes ikke",
    errno.EACCES: "ingen tilgang",
    errno.EPERM: "ingen tilgang",
    errno.EISDIR: "er en mappe",
    errno.ENOTDIR: "en del av stien er ikke en mappe",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOSPC: "disken er full",
    errno.EEXIST: "finnes fra før",
    errno.EADDRINUSE: "adressen er allerede i bruk",
    errno.EADDRNOTAVAIL: "adressen finnes ikke på denne maskinen",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system said no, in bokmål, for a one-line message."""
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


_PYDANTIC_REASONS = {
    "missing": "mangler",
    "extra_forbidden": "ukjent nøkkel",
    "int_parsing": "må være et heltall",
    "int_type": "må være et heltall",
    "int_from_float": "må være et heltall",
    "float_parsing": "må være et tall",
    "float_type": "må være et tall",
    "bool_parsing": "må være ja/nei (true/false)",
    "bool_type": "må være ja/nei (true/false)",
    "string_type": "må være tekst",
    "list_type": "må være en liste",
    "dict_type": "må være en tabell med nøkler",
    "model_type": "må være en tabell med nøkler",
    "literal_error": "har en verdi som ikke er lov",
    "enum": "har en verdi som ikke er lov",
    "path_type": "må være en filsti",
}


def validation_reason(error: Mapping[str, Any]) -> str:
    """One pydantic validation error (an item of ``ValidationError.errors()``) as
    "field: reason" in bokmål; pydantic's own (English) text where no wording is known."""
    where = ".".join(str(p) for p in error.get("loc", ()))
    reason = _PYDANTIC_REASONS.get(str(error.get("type", "")), str(error.get("msg", "ugyldig verdi")))
    return f"{where}: {reason}" if where else reason


def yaml_where(exc: Exception) -> str:
    """Where a YAML file stops making sense, in bokmål ("linje 3, kolonne 7"); PyYAML's
    own description of the problem is English and technical, so only the place is named."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return "feil i oppbyggingen"
    return f"feil på linje {mark.line + 1}, kolonne {mark.column + 1}"
