"""The exceptions a user of kostra can cause, and nothing else.

Every error a user can provoke (a bad file, an unknown municipality, a broken
store) is a :class:`KostraError` with a message of one clear line that says what
failed, where, and what to do. The CLI prints that line in red; tracebacks are
for bugs only (``kostra --debug`` shows them).

::

    KostraError
    ├── ConfigError      catalog, group or report files that do not validate
    ├── InputError       user input: files to import, parameters, names
    │   └── RegionNotFound
    ├── StoreError       the DuckDB store cannot be opened or written
    └── SourceError      SSB or another source answers badly
        └── SourceUnreachable   no answer at all (network, DNS, refused)

Data-quality findings (suppressed cells, merger breaks) are not exceptions:
they are data, returned beside the numbers.
"""

from __future__ import annotations


class KostraError(Exception):
    """Base class of every error a user can cause."""


class ConfigError(KostraError):
    """A catalog, group or configuration file is invalid."""


class InputError(KostraError):
    """User input (an import file, a parameter, a name) is invalid."""


class RegionNotFound(InputError):
    """A municipality, county or group name or number is unknown or ambiguous."""


class StoreError(KostraError):
    """The store cannot be opened, migrated or written."""


class SourceError(KostraError):
    """A data source (SSB's API, a bundled file) failed."""


class SourceUnreachable(SourceError):
    """A data source cannot be reached at all; nothing was fetched."""
