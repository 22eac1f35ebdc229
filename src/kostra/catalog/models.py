"""Typed, validated shapes of the catalog files (sectors, indicators, groups).

The catalog is data: adding an indicator or a peer group means editing YAML,
never code. These pydantic models are the contract those files must meet; they
are frozen, so a loaded catalog can be shared freely between threads.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Direction = Literal["higher", "lower", "neutral"]
Averaging = Literal["weighted", "unweighted"]
IndicatorKind = Literal["indicator", "count", "population", "basis"]
Origin = Literal["ssb", "formula", "provider", "none"]

INDICATOR_GROUPS: tuple[str, ...] = (
    "Prioritering og behov",
    "Dekningsgrader",
    "Produktivitet og enhetskostnader",
    "Utfyllende indikatorer/kvalitet",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SsbSource(_Frozen):
    """Where SSB publishes an indicator: a statbank table and its selection."""

    table: str = Field(pattern=r"^\d{5}$")
    contents: str = Field(min_length=3, description="ContentsCode of the figure")
    filters: dict[str, str] = Field(default_factory=dict, description="other dimensions")
    label: str | None = Field(default=None, description="SSB's own label of the ContentsCode")
    verified: str = Field(min_length=3, description="where the table id and code were verified")
    first_year: int | None = Field(default=None, description="first year SSB has the figure in this table")
    last_year: int | None = Field(
        default=None,
        description="last year in this table (a discontinued table, or one a successor took over)",
    )

    def covers(self, year: int) -> bool:
        """Whether this table carries the figure for ``year``."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


class Formula(_Frozen):
    """A figure computed from other catalog figures::

        value = factor * (sum(numerator) - sum(minus)) / denominator

    and, with ``relative_to``, divided by the unweighted mean of that value over the
    group's members in the year (KS' resource use indicator: the ASSS average = 1).

    The numerator and denominator stay catalog indicators of their own, so a group's
    average is the sum of the members' numerators over the sum of their denominators.
    """

    numerator: tuple[str, ...] = Field(min_length=1, description="indicator ids, summed")
    minus: tuple[str, ...] = Field(default=(), description="indicator ids subtracted from the sum")
    denominator: str | None = Field(default=None, description="indicator id; None: the sum itself")
    factor: float = Field(default=1.0, gt=0, description="e.g. 100 for percent, 1000 for 1 000 kroner")
    relative_to: str | None = Field(
        default=None, description="group id: the value over the group's unweighted mean that year"
    )
    note: str = Field(min_length=3, description="what the definition is, and where it was read")

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every indicator id the formula reads."""
        return self.numerator + self.minus + ((self.denominator,) if self.denominator else ())


class DemoSpec(_Frozen):
    """How the seeded demodata generator draws plausible values for an indicator.

    ``level`` is a typical national value for 2024, ``spread`` the relative
    standard deviation between municipalities, ``trend`` the yearly relative
    change, and ``year_noise`` the relative year-to-year wobble. With
    ``scale: linear`` (figures that cross zero, such as a result in percent)
    spread, trend and noise are in the indicator's own unit instead. ``per`` names the
    figure this one is drawn as a rate or part of (``level`` per person of a population,
    or a share of a larger count or amount, so that the part stays below the whole).
    """

    level: float
    scale: Literal["log", "linear"] = "log"
    spread: float = Field(default=0.15, ge=0)
    trend: float = 0.0
    year_noise: float = Field(default=0.03, ge=0)
    lower: float | None = None
    upper: float | None = None
    per: str | None = None
    missing: float = Field(default=0.0, ge=0, le=0.5, description="share missing in small places")


class Indicator(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_nb: str
    sector: str
    profiles: tuple[str, ...] = ()
    group: str | None = None
    unit: str
    decimals: int = Field(ge=0, le=4)
    direction: Direction = "neutral"
    average: Averaging = "weighted"
    weight: str | None = Field(default=None, description="indicator id of the weight")
    kind: IndicatorKind = "indicator"
    source: SsbSource | None = None
    earlier_sources: tuple[SsbSource, ...] = Field(
        default=(), description="tables that carried the figure before `source` (e.g. 12210 before 14019)"
    )
    formula: Formula | None = Field(default=None, description="computed from other catalog figures")
    provider: str | None = Field(
        default=None,
        min_length=2,
        description="who publishes a figure SSB's tables do not have (loaded with kostra data import)",
    )
    demo: DemoSpec | None = None
    note: str | None = None

    @property
    def origins(self) -> tuple[Origin, ...]:
        """Every origin the catalog gives the figure (the catalog check allows at most one)."""
        given: tuple[tuple[Origin, object], ...] = (
            ("ssb", self.all_sources or None),
            ("formula", self.formula),
            ("provider", self.provider),
        )
        return tuple(name for name, value in given if value is not None)

    @property
    def origin(self) -> Origin:
        """Where the figure comes from: an SSB table, a formula over other catalog figures,
        a named provider (KS, a bundled file), or nowhere yet."""
        return self.origins[0] if self.origins else "none"

    @property
    def starred(self) -> bool:
        """Published tables mark unweighted averages with ``*``."""
        return self.average == "unweighted"

    @property
    def all_sources(self) -> tuple[SsbSource, ...]:
        """Every SSB table that carries (or carried) the figure, the current one first."""
        return ((self.source,) if self.source else ()) + self.earlier_sources

    def source_for(self, year: int) -> SsbSource | None:
        """The SSB table that carries the figure for ``year``, if any."""
        return next((s for s in self.all_sources if s.covers(year)), None)


class Profile(_Frozen):
    """One service profile of a service area: its rows are the indicators that name it."""

    id: str
    name_nb: str
    list_source: str | None = Field(
        default=None,
        description="where KS' list of the profile's rows was read (URL, date); None: kostra's own selection",
    )
    supplementary: bool = Field(
        default=False, description="kostra's indicators beyond KS' list, shown apart and marked as such"
    )

    @property
    def from_ks(self) -> bool:
        """Whether the rows are KS' published list rather than kostra's own choice."""
        return self.list_source is not None


class Sector(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name_nb: str
    aliases: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    profiles: tuple[Profile, ...] = (Profile(id="alle", name_nb="Alle"),)
    intro_nb: str = ""
    hidden: bool = False


class ProductionIndicator(_Frozen):
    indicator: str
    weight: float = Field(gt=0)


class SectorEconomics(_Frozen):
    """What methods 3-5 of KOSTRA.md read for one service area."""

    net_expenditure: str
    depreciation: str | None = None
    gross_expenditure: str
    need_index: str
    cost_key_weight: float = Field(gt=0, le=1)
    production: tuple[ProductionIndicator, ...] = ()
    resource_use: str | None = Field(
        default=None,
        description="the profile row of the resource use indicator: a formula over exactly this basis",
    )


class KeyFigureDef(_Frozen):
    indicator: str
    direction: Literal["higher", "lower"]
    weight: float = Field(default=1.0, gt=0)


class RankingDef(_Frozen):
    """Key figures per sector and the sectors' weights in the total (ranking.yaml)."""

    sector_weights: dict[str, float]
    key_figures: dict[str, tuple[KeyFigureDef, ...]]


class DeflatorYear(_Frozen):
    """The municipal sector deflator's growth in one year (Finansdepartementet/TBU)."""

    year: int
    growth_pct: float
    status: str
    vintage: str
    source: str


class Member(_Frozen):
    code: str = Field(pattern=r"^\d{4}$")
    from_year: int | None = None
    to_year: int | None = None

    def in_year(self, year: int) -> bool:
        """Whether the municipality is a member in ``year`` (open ends: always)."""
        return (self.from_year or 0) <= year <= (self.to_year or 9999)


class GroupDef(_Frozen):
    """A comparison group: fixed members by year, or a rule over another group."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_nb: str
    kind: Literal["network", "kostra", "country", "county", "user"] = "user"
    aliases: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    base: str | None = Field(default=None, description="start from this group's members")
    exclude: tuple[str, ...] = ()
    exclude_group: str | None = None
    exclude_self: bool = Field(default=False, description="leave out the municipality analysed")
    ssb_code: str | None = Field(default=None, description="SSB's region code, e.g. EAK, EKG12")
    note: str | None = None
