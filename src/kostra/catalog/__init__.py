"""The catalog: sectors, indicators and comparison groups, loaded from package data.

The YAML files beside this module are the single place where an indicator's
name, unit, decimals, direction, averaging rule, weight and SSB source live.
:func:`load_catalog` validates them and checks the references between them
(weights, profiles, sectors), so a bad edit fails at once with the file named.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kostra.catalog.models import (
    INDICATOR_GROUPS,
    DeflatorYear,
    DemoSpec,
    Formula,
    GroupDef,
    Indicator,
    IndicatorKind,
    KeyFigureDef,
    Member,
    Origin,
    ProductionIndicator,
    Profile,
    RankingDef,
    Sector,
    SectorEconomics,
    SsbSource,
)
from kostra.errors import ConfigError, ParameterError, validation_reason
from kostra.names import name_keys

__all__ = [
    "INDICATOR_GROUPS",
    "Catalog",
    "DeflatorYear",
    "DemoSpec",
    "Formula",
    "GroupDef",
    "Indicator",
    "KeyFigureDef",
    "Member",
    "Origin",
    "ProductionIndicator",
    "Profile",
    "RankingDef",
    "Sector",
    "SectorEconomics",
    "SsbRegion",
    "SsbSource",
    "load_catalog",
    "ssb_regions",
]


@dataclass(frozen=True)
class Catalog:
    sectors: Mapping[str, Sector]
    indicators: Mapping[str, Indicator]
    groups: Mapping[str, GroupDef]
    checksum: str
    economics: Mapping[str, SectorEconomics] = field(default_factory=dict)
    deflator: tuple[DeflatorYear, ...] = ()
    ranking: RankingDef | None = None

    def sector_economics(self, sector: Sector) -> SectorEconomics:
        try:
            return self.economics[sector.id]
        except KeyError:
            have = ", ".join(self.economics)
            raise ConfigError(
                f"tjenesteområdet {sector.id} har ingen kostnadsnøkkel for utgiftsbehov; "
                f"ressursbruk kan beregnes for: {have}"
            ) from None

    def sector(self, name: str) -> Sector:
        """The sector called ``name`` (its id, Norwegian name or an alias)."""
        wanted = name_keys(name)
        for sector in self.sectors.values():
            names = (sector.id, sector.name_nb, *sector.aliases)
            if any(wanted & name_keys(n) for n in names):
                return sector
        known = ", ".join(s.id for s in self.sectors.values() if not s.hidden)
        raise ParameterError(f"ukjent tjenesteområde {name!r}; velg ett av: {known}")

    def profile(self, sector: Sector, name: str | None) -> Profile:
        if name is None:
            return sector.profiles[0]
        wanted = name_keys(name)
        for profile in sector.profiles:
            if wanted & (name_keys(profile.id) | name_keys(profile.name_nb)):
                return profile
        known = ", ".join(p.id for p in sector.profiles)
        raise ParameterError(f"tjenesteområdet {sector.id} har ingen profil {name!r}; velg én av: {known}")

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise ParameterError(
                f"ukjent indikator {indicator_id!r}; 'kostra data status' viser katalogens indikatorer"
            ) from None

    def indicators_of(
        self,
        sector: str | None = None,
        profile: str | None = None,
        kinds: Iterable[IndicatorKind] = ("indicator",),
    ) -> list[Indicator]:
        """Indicators in catalog order, filtered by sector, profile and kind."""
        wanted_kinds = set(kinds)
        return [
            ind
            for ind in self.indicators.values()
            if ind.kind in wanted_kinds
            and (sector is None or ind.sector == sector)
            and (profile is None or profile in ind.profiles)
        ]


def _read_yaml(name: str) -> Any:
    import yaml  # here, not at the top: a catalog read from its cache needs no YAML

    # libyaml's safe loader builds the same values as PyYAML's pure-Python one about ten
    # times faster (the catalog is 240 kB of YAML); without libyaml, the same rules in Python.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    path = resources.files("kostra.catalog").joinpath(name)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"katalogfilen {name} er ikke gyldig YAML: {exc}".replace("\n", " ")) from exc


def _parse(model: type[Any], raw: Any, where: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {validation_reason(exc.errors()[0])}") from exc


def _indicator_files() -> list[str]:
    folder = resources.files("kostra.catalog").joinpath("indicators")
    return sorted(f"indicators/{p.name}" for p in folder.iterdir() if p.name.endswith(".yaml"))


def _indicator_problem(ind: Indicator, catalog: Catalog) -> str | None:
    sector = catalog.sectors.get(ind.sector)
    if sector is None:
        return f"ukjent tjenesteområde {ind.sector!r}"
    missing = set(ind.profiles) - {p.id for p in sector.profiles}
    if missing:
        return f"tjenesteområdet {sector.id} har ingen profil {sorted(missing)[0]}"
    if ind.group is not None and ind.group not in INDICATOR_GROUPS:
        return f"ukjent indikatorgruppe {ind.group!r}"
    if ind.kind == "indicator" and ind.average == "weighted" and ind.weight not in catalog.indicators:
        return f"et vektet snitt trenger en weight som er en indikator i katalogen, ikke {ind.weight!r}"
    if ind.demo is not None and ind.demo.per is not None and ind.demo.per not in catalog.indicators:
        return f"demo.per {ind.demo.per!r} finnes ikke i katalogen"
    return _origin_problem(ind, catalog)


def _origin_problem(ind: Indicator, catalog: Catalog) -> str | None:
    """Exactly one origin (source, formula or provider), and a formula over known figures."""
    if not ind.origins:
        return "har ikke noe opphav: gi source (SSB-tabell), formula eller provider"
    if len(ind.origins) > 1:
        return f"har flere opphav ({' og '.join(ind.origins)}); et tall skal ha nøyaktig ett"
    return None if ind.formula is None else _formula_problem(ind, catalog)


def _formula_problem(ind: Indicator, catalog: Catalog) -> str | None:
    """A formula over known figures, weighed by its denominator, without a cycle."""
    formula = ind.formula
    assert formula is not None
    for ref in formula.inputs:
        if ref == ind.id:
            return "formula viser til indikatoren selv"
        if ref not in catalog.indicators:
            return f"formula viser til ukjent indikator {ref!r}"
    if formula.relative_to is not None:
        if formula.relative_to not in catalog.groups:
            return f"formula.relative_to viser til ukjent gruppe {formula.relative_to!r}"
    elif formula.denominator is not None and ind.average == "weighted" and ind.weight != formula.denominator:
        # A group's average of a ratio is Σ numerator / Σ denominator only when the members
        # are weighed by the denominator.
        return f"weight må være formelens nevner {formula.denominator!r}, ikke {ind.weight!r}"
    if ind.id in _formula_inputs(ind.id, catalog, frozenset()):
        return "formula viser (via andre formler) tilbake til indikatoren selv"
    return None


def _formula_inputs(indicator_id: str, catalog: Catalog, seen: frozenset[str]) -> set[str]:
    """Every figure a formula reads, directly or through other formulas."""
    ind = catalog.indicators.get(indicator_id)
    if ind is None or ind.formula is None or indicator_id in seen:
        return set()
    found = set(ind.formula.inputs)
    for ref in ind.formula.inputs:
        found |= _formula_inputs(ref, catalog, seen | {indicator_id})
    return found


def _check_economics(catalog: Catalog) -> None:
    unknown = [s for s in catalog.economics if s not in catalog.sectors]
    if unknown:
        raise ConfigError(f"sector_economics.yaml: ukjent tjenesteområde {unknown[0]!r}")
    for sector_id, economics in catalog.economics.items():
        problem = _resource_use_problem(economics, catalog)
        if problem is not None:
            raise ConfigError(f"sector_economics.yaml: {sector_id}: {problem}")


def _resource_use_problem(economics: SectorEconomics, catalog: Catalog) -> str | None:
    """The resource use row must be KOSTRA.md method 3 over the sector's own basis."""
    if economics.resource_use is None:
        return None
    ind = catalog.indicators.get(economics.resource_use)
    if ind is None:
        return None  # reported as an unknown indicator with the other references
    expected = (
        (economics.net_expenditure,),
        (economics.depreciation,) if economics.depreciation else (),
        economics.need_index,
        "asss",
    )
    formula = ind.formula
    got = (formula.numerator, formula.minus, formula.denominator, formula.relative_to) if formula else None
    if got != expected:
        return (
            f"resource_use {ind.id} må være formelen ({economics.net_expenditure} - "
            f"{economics.depreciation}) / {economics.need_index} relativt til asss"
        )
    return None


def _references(catalog: Catalog) -> list[tuple[str, str | None]]:
    """Every (where, indicator id) that the sector economics and the ranking name."""
    named: list[tuple[str, str | None]] = []
    for sector_id, economics in catalog.economics.items():
        where = f"sector_economics.yaml: {sector_id}"
        named += [
            (where, ref)
            for ref in (
                economics.net_expenditure,
                economics.gross_expenditure,
                economics.need_index,
                economics.depreciation,
                economics.resource_use,
                *(p.indicator for p in economics.production),
            )
        ]
    if catalog.ranking is not None:
        for sector_id, figures in catalog.ranking.key_figures.items():
            named += [(f"ranking.yaml: {sector_id}", f.indicator) for f in figures]
    return named


def _check_references(catalog: Catalog) -> None:
    for ind in catalog.indicators.values():
        problem = _indicator_problem(ind, catalog)
        if problem is not None:
            raise ConfigError(f"indikator {ind.id}: {problem}")
    _check_economics(catalog)
    for where, ref in _references(catalog):
        if ref is not None and ref not in catalog.indicators:
            raise ConfigError(f"{where}: ukjent indikator {ref!r}")
    for group in catalog.groups.values():
        for ref in (group.base, group.exclude_group):
            if ref is not None and ref not in catalog.groups:
                raise ConfigError(f"gruppe {group.id}: viser til ukjent gruppe {ref!r}")


@dataclass(frozen=True)
class SsbRegion:
    """A region code of SSB's KOSTRA tables that is no municipality: an aggregate or
    Longyearbyen (``ssb_regions.csv``)."""

    code: str
    name: str
    kind: str  # "country" | "county" | "territory"
    valid_from: int | None
    valid_to: int | None


@cache
def ssb_regions() -> dict[str, SsbRegion]:
    """SSB's aggregate codes (EAK, EAKUO, old and new EKAnn) and Longyearbyen, by code."""
    text = resources.files("kostra.catalog").joinpath("ssb_regions.csv").read_text("utf-8")
    return {
        row["code"]: SsbRegion(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            valid_from=int(row["valid_from"]) if row["valid_from"] else None,
            valid_to=int(row["valid_to"]) if row["valid_to"] else None,
        )
        for row in csv.DictReader(io.StringIO(text))
    }


# The catalog files besides ``indicators/*.yaml``, in the order their bytes enter the checksum.
_CATALOG_FILES = ("sectors.yaml", "groups.yaml", "sector_economics.yaml", "deflator.csv", "ranking.yaml")


@cache
def load_catalog() -> Catalog:
    """Load and validate the package catalog (cached: it is immutable).

    Parsing and validating 240 kB of YAML takes longer than the rest of a short command, so
    the validated catalog is also kept on disk, as Python keeps bytecode: a pickle in the
    package's ``__pycache__``, named by the digest of every file it was built from (the
    catalog files, the code that validates them, the pydantic and Python versions). An edit
    to any of them names another file, so the cache is never stale; a cache that cannot be
    read or written is simply not used."""
    key = _cache_key()
    cached = _read_cached(key)
    if cached is not None:
        return cached
    catalog = _validated_catalog()
    _write_cached(key, catalog)
    return catalog


_CACHE_PREFIX = "catalog-"


def _cache_key() -> str:
    """The digest of everything the validated catalog depends on."""
    import pydantic

    folder = resources.files("kostra.catalog")
    digest = hashlib.sha256(f"{sys.version}|pydantic {pydantic.VERSION}".encode())
    for name in ("__init__.py", "models.py", *_CATALOG_FILES, *_indicator_files()):
        digest.update(name.encode() + b"\0")
        digest.update(folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:32]


def _cache_path(key: str) -> Path:
    return Path(__file__).parent / "__pycache__" / f"{_CACHE_PREFIX}{key}.pickle"


def _read_cached(key: str) -> Catalog | None:
    """The catalog validated earlier from the same files, or None."""
    try:
        data = _cache_path(key).read_bytes()
    except OSError:
        return None
    try:
        # The file is the user's own, written by this function's twin beside the bytecode
        # Python itself trusts; whatever fails to load is rebuilt from the YAML.
        catalog = pickle.loads(data)
    except Exception:  # a damaged or foreign cache is rebuilt, never an error
        return None
    return catalog if isinstance(catalog, Catalog) else None


def _write_cached(key: str, catalog: Catalog) -> None:
    """Keep ``catalog`` for the next process; drop the caches of older catalog files.

    Written even under ``PYTHONDONTWRITEBYTECODE``: the file is data, not bytecode, and a
    process that cannot write it (a read-only installation) carries on without it."""
    path = _cache_path(key)
    try:
        path.parent.mkdir(exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".catalog-", suffix=".tmp")
    except OSError:
        return  # a read-only installation: every process validates the YAML
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(catalog, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from the installation's other users
        os.replace(temporary, path)  # whole or not at all, for a process reading beside us
    except (OSError, pickle.PicklingError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    for old in path.parent.glob(f"{_CACHE_PREFIX}*.pickle"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def _validated_catalog() -> Catalog:
    """Read the catalog files and validate them and the references between them."""
    digest = hashlib.sha256()
    sectors: dict[str, Sector] = {}
    for i, raw in enumerate(_read_yaml("sectors.yaml")["sectors"]):
        sector = _parse(Sector, raw, f"sectors.yaml: tjenesteområde nr. {i + 1}")
        sectors[sector.id] = sector
    indicators: dict[str, Indicator] = {}
    for name in _indicator_files():
        text = resources.files("kostra.catalog").joinpath(name).read_text(encoding="utf-8")
        digest.update(text.encode())
        for i, raw in enumerate(_read_yaml(name)["indicators"]):
            ind = _parse(Indicator, raw, f"{name}: indikator nr. {i + 1}")
            if ind.id in indicators:
                raise ConfigError(f"{name}: indikator-id-en {ind.id} er definert to ganger")
            indicators[ind.id] = ind
    groups: dict[str, GroupDef] = {}
    for i, raw in enumerate(_read_yaml("groups.yaml")["groups"]):
        group = _parse(GroupDef, raw, f"groups.yaml: gruppe nr. {i + 1}")
        groups[group.id] = group
    economics = {
        sector_id: _parse(SectorEconomics, raw, f"sector_economics.yaml: {sector_id}")
        for sector_id, raw in _read_yaml("sector_economics.yaml")["sectors"].items()
    }
    deflator_text = resources.files("kostra.catalog").joinpath("deflator.csv").read_text("utf-8")
    deflator = tuple(
        _parse(DeflatorYear, row, f"deflator.csv: rad {i + 2}")
        for i, row in enumerate(csv.DictReader(io.StringIO(deflator_text)))
    )
    ranking = _parse(RankingDef, _read_yaml("ranking.yaml"), "ranking.yaml")
    for name in _CATALOG_FILES:
        digest.update(resources.files("kostra.catalog").joinpath(name).read_bytes())
    catalog = Catalog(sectors, indicators, groups, digest.hexdigest()[:16], economics, deflator, ranking)
    _check_references(catalog)
    return catalog
