"""The format-neutral report: chapters, tables with provenance, commentary, chart specs.

:func:`build_report` asks the Python API for everything (one
:class:`~kostra.sector_analysis.SectorAnalysis` per service area) and lays it
out as plain dataclasses. Every renderer (HTML, PDF, Word, Excel) reads this
model only, so the formats cannot disagree, and no template computes a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from kostra.analysis.land import Land
from kostra.catalog import Indicator, Sector
from kostra.formatting import format_nb, is_missing
from kostra.outputs.maps import choropleth_spec, on_2024_borders
from kostra.outputs.report.charts import profile_chart, series_chart, summary_chart
from kostra.outputs.report.drawing import draw_later, get_ready
from kostra.outputs.report.ssb_marks import COLUMN as SSB_COLUMN
from kostra.outputs.report.ssb_marks import SsbMark, explanation, legend, ssb_marks
from kostra.sector_analysis import SERIES_YEARS, SectorAnalysis, records

if TYPE_CHECKING:
    from kostra.api import Session

__all__ = ["SSB_COLUMN", "STATIC_CHARTS", "Cell", "Chapter", "Report", "ReportTable", "build_report"]

# The chart images each format embeds (HTML draws its charts in the browser; Excel has data only).
STATIC_CHARTS: dict[str, tuple[str, ...]] = {"pdf": ("svg",), "docx": ("png",)}
# The map images each format embeds: HTML too carries its maps drawn (see html.py).
STATIC_MAPS: dict[str, tuple[str, ...]] = {"html": ("svg",), "pdf": ("svg",), "docx": ("png",)}


@dataclass(frozen=True)
class Cell:
    text: str
    value: float | None = None
    decimals: int = 0
    source: str = ""  # provenance: "SSB 12209 KOS... · 3201 · 2024 · utgivelse 3 (revidert)"
    # The text spelled out, for a format that shows words where the others show a symbol
    # (Excel: "kontrollert mot SSB" for ✓), and whether it must stand out (AVVIK).
    full: str = ""
    strong: bool = False


@dataclass
class ReportTable:
    title: str
    columns: list[str]
    rows: list[tuple[str | None, list[Cell]]]  # (indicator group heading or None, cells)
    note: str = ""

    def records(self) -> list[dict[str, Any]]:
        out = []
        group = None
        for heading, cells in self.rows:
            if heading is not None and not cells:
                group = heading
                continue
            out.append({"group": group, **{c: cell for c, cell in zip(self.columns, cells, strict=True)}})
        return out


@dataclass
class Chapter:
    id: str
    title: str
    intro: str
    summary: list[str]
    tables: list[ReportTable]
    comments: list[tuple[str, list[str]]]  # (indicator name, sentences)
    charts: list[tuple[str, dict[str, Any]]]  # (caption, Vega-Lite spec)
    flags: list[str]
    long_data: pd.DataFrame = field(default_factory=pd.DataFrame)
    demodata: bool = False
    # (caption, Vega-Lite spec of kostra.outputs.maps): after the tables, since a map takes
    # most of a page and would otherwise push them over and leave the page before half empty
    maps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Report:
    municipality: str
    region_code: str
    year: int
    group: str
    peers: list[str]
    chapters: list[Chapter]
    releases: list[str]
    demodata: bool
    created: date = field(default_factory=date.today)
    ssb_note: str = ""  # what "kontrollert mot SSB" in the indicator tables means, once

    @property
    def title(self) -> str:
        return f"KOSTRA-analyse {self.year}: {self.municipality}"

    @property
    def source_line(self) -> str:
        text = f"Kilde: SSB (KOSTRA), CC BY 4.0; KS (ressursbruk). {'; '.join(self.releases)}."
        if self.demodata:
            text += " DEMODATA: delvis genererte tall, ikke SSBs."
        return text


def _release_labels(session: Session) -> dict[int, str]:
    """Each release's label, made once per session (every report of a batch shows them)."""
    return dict(cast(dict[int, str], session.cached.fill(("release_labels",), lambda: _labels(session))))


def _labels(session: Session) -> dict[int, str]:
    labels = {}
    for row in session.releases().itertuples():
        kind = {"ssb": "SSB", "file": "fil", "bundled": "medfølgende", "demodata": "demodata"}.get(
            str(row.kind), str(row.kind)
        )
        revision = (
            f", {'endelige' if row.revision == 'revised' else 'foreløpige'} tall"
            if isinstance(row.revision, str)
            else ""
        )
        published = f", publisert {row.published:%d.%m.%Y}" if isinstance(row.published, pd.Timestamp) else ""
        labels[int(row.id)] = f"utgivelse {row.id} ({kind}{revision}{published})"
    return labels


def _provenance(
    session: Session, analysis: SectorAnalysis, labels: dict[int, str]
) -> dict[tuple[str, int], str]:
    ids = list(analysis.profile["indicator_id"])
    years = [analysis.year - 2, analysis.year - 1, analysis.year]
    obs = session.observations_for(ids, years, [analysis.municipality.code])
    out = {}
    for indicator_id, year, release_id in zip(
        *(obs[c].tolist() for c in ("indicator_id", "year", "release_id")), strict=True
    ):
        ind = session.catalog.indicators[str(indicator_id)]
        where = (
            f"SSB tabell {ind.source.table}, {ind.source.contents}"
            if ind.source
            else "KS / publisert rapport"
            if ind.note
            else "uten SSB-kilde"
        )
        out[(str(indicator_id), int(year))] = (
            f"{where} · region {analysis.municipality.code} · {int(year)} · "
            f"{labels.get(int(release_id), f'utgivelse {release_id}')}"
        )
    return out


def _cell(value: Any, decimals: int, source: str = "") -> Cell:
    if is_missing(value):
        return Cell("..", None, decimals, source)
    return Cell(format_nb(float(value), decimals), float(value), decimals, source)


def _mark_cell(mark: SsbMark) -> Cell:
    return Cell(mark.symbol, source=mark.title, full=mark.phrase, strong=mark.checked is False)


def _profile_table(
    analysis: SectorAnalysis,
    part: pd.DataFrame,
    title: str,
    provenance: dict[tuple[str, int], str],
    marks: dict[str, SsbMark],
) -> ReportTable:
    """One profile's table; ``part``: its rows of ``analysis.profile``."""
    year = analysis.year
    years = [year - 2, year - 1, year]
    group = analysis.group.name
    columns = [
        "Indikator",
        *[str(y) for y in years],
        f"Snitt {group}",
        f"Høyest {group}",
        f"Lavest {group}",
        SSB_COLUMN,
    ]
    rows: list[tuple[str | None, list[Cell]]] = []
    current = None
    # Only the columns the table shows: a record of every column cost twice as much.
    shown = [
        "indicator_group",
        "indicator_id",
        "indicator",
        "unit",
        "decimals",
        "average_rule",
        *[str(y) for y in years],
        "group_average",
        "group_highest",
        "group_lowest",
        "members",
        "members_with_data",
        "highest_region_name",
        "lowest_region_name",
    ]
    for row in records(part[[c for c in shown if c in part.columns]]):
        if row["indicator_group"] != current:
            current = row["indicator_group"]
            rows.append((str(current), []))
        decimals = int(row["decimals"])
        star = " *" if row["average_rule"] == "unweighted" else ""
        name = Cell(f"{row['indicator']} ({row['unit']}){star}")
        group_source = (
            f"Beregnet av kostra fra {row['members_with_data']} av {row['members']} "
            f"kommuner i {group}, {year}"
        )
        rows.append(
            (
                None,
                [
                    name,
                    *[
                        _cell(row[str(y)], decimals, provenance.get((str(row["indicator_id"]), y), ""))
                        for y in years
                    ],
                    _cell(row["group_average"], decimals, group_source),
                    _cell(row["group_highest"], decimals, f"{row.get('highest_region_name') or ''} {year}"),
                    _cell(row["group_lowest"], decimals, f"{row.get('lowest_region_name') or ''} {year}"),
                    _mark_cell(marks.get(str(row["indicator_id"]), SsbMark(None))),
                ],
            )
        )
    note = f"* = uvektet snitt. {legend(year)} Kilde: SSB (KOSTRA)."
    return ReportTable(title, columns, rows, note)


def _economics_table(analysis: SectorAnalysis) -> ReportTable | None:
    if analysis.efficiency is None:
        return None
    columns = [
        "År",
        "Brutto driftsutgifter (relativt)",
        "Produksjonsindeks",
        "Kostnadsindeks",
        "Effektivitetsindeks",
    ]
    rows: list[tuple[str | None, list[Cell]]] = [
        (
            None,
            [
                Cell(str(r.year)),
                _cell(r.gross_relative, 2),
                _cell(r.production_index, 2),
                _cell(r.cost_index, 2),
                _cell(r.efficiency, 2),
            ],
        )
        for r in analysis.efficiency.itertuples()  # a few years: not worth a faster way
    ]
    return ReportTable(
        f"Ressursbruk, produksjon og effektivitet ({analysis.group.name} = 1)",
        columns,
        rows,
        "Kostras beregning etter KS' metode; produksjonsvektene er foreløpige katalogdata.",
    )


def _long_data(analysis: SectorAnalysis) -> pd.DataFrame:
    series = analysis.series.copy()
    names = dict(zip(analysis.profile["indicator_id"], analysis.profile["indicator"], strict=False))
    series["indicator"] = series["indicator_id"].map(names)
    series["sector"] = analysis.sector.id
    return series.loc[
        :,
        [
            "sector",
            "indicator_id",
            "indicator",
            "series",
            "year",
            "value",
            "change",
            "change_unit",
            "adjusted",
            "back_series",
        ],
    ]


def rows_origin(sector: Sector) -> str:
    """Whose list the chapter's profile rows are: KS' (and where it was read) or kostra's own."""
    listed = [p for p in sector.profiles if p.from_ks]
    extra = [p for p in sector.profiles if p.supplementary]
    if not listed:
        return (
            f"KS publiserer ingen ASSS-tjenesteprofil for {sector.name_nb.lower()}; "
            "indikatorene er kostras eget utvalg."
        )
    text = f"Tjenesteprofilens rader er KS' ASSS-liste ({listed[0].list_source})."
    if extra:
        text += f" «{extra[0].name_nb}» er kostras egne indikatorer utover KS' liste."
    return text


def build_chapter(
    session: Session,
    analysis: SectorAnalysis,
    labels: dict[int, str],
    marks: dict[str, SsbMark] | None = None,
) -> Chapter:
    """One service area's chapter; ``marks``: each indicator against SSB's country figure
    (:func:`~kostra.outputs.report.ssb_marks.ssb_marks`), looked up when not given."""
    provenance = _provenance(session, analysis, labels)
    if marks is None:
        marks = ssb_marks(session, list(analysis.profile["indicator_id"]), analysis.year)
    tables = []
    charts = []
    placed = analysis.profile["profile"]
    for profile in analysis.sector.profiles:
        mine = placed == profile.id
        if not mine.any():
            continue
        title = analysis.sector.name_nb + (
            "" if len(analysis.sector.profiles) == 1 else f" – {profile.name_nb}"
        )
        part = analysis.profile[mine]
        tables.append(_profile_table(analysis, part, title, provenance, marks))
        charts.append(
            (
                f"{'' if 'profil' in title.lower() else 'Tjenesteprofil '}{title}: indeks, "
                f"{analysis.group.name} = 100. Kilde: SSB (KOSTRA).",
                profile_chart(
                    part, analysis.municipality.short_name, analysis.group.name, analysis.peer_index
                ),
            )
        )
    economics = _economics_table(analysis)
    if economics is not None:
        tables.append(economics)
    charts.append(
        (
            f"Utvikling {analysis.years[0]}–{analysis.years[-1]} mot {analysis.group.name} og "
            f"sammenligningskommuner. Kilde: SSB (KOSTRA).",
            series_chart(analysis.series, analysis.profile),
        )
    )
    comments = [
        (str(indicator), analysis.comments[str(indicator_id)])
        for indicator, indicator_id in zip(
            analysis.profile["indicator"].tolist(), analysis.profile["indicator_id"].tolist(), strict=True
        )
    ]
    functions = ", ".join(analysis.sector.functions)
    intro = analysis.sector.intro_nb + (f" KOSTRA-funksjoner: {functions}." if functions else "")
    intro += " " + rows_origin(analysis.sector)
    return Chapter(
        analysis.sector.id,
        analysis.sector.name_nb,
        intro,
        list(analysis.summary),
        tables,
        comments,
        charts,
        [f.message_nb for f in analysis.flags],
        _long_data(analysis),
        analysis.demodata,
    )


def _map_analysis(session: Session, analyses: Sequence[SectorAnalysis]) -> SectorAnalysis | None:
    """The service area the summary's map shows: of those with a resource use indicator for
    the municipality, the one with the largest weight in the cost key (pleie og omsorg in a
    full report), so the map shows where most of the money goes."""
    economics = session.catalog.economics
    drawable = [
        a
        for a in analyses
        if a.resource_use is not None
        and not is_missing(a.resource_use_indicator)
        and a.sector.id in economics
    ]
    if not drawable:
        return None
    return max(drawable, key=lambda a: economics[a.sector.id].cost_key_weight)


def _resource_use_map(session: Session, analysis: SectorAnalysis) -> tuple[str, dict[str, Any]]:
    """A national map of one service area's resource use indicator (KOSTRA.md method 3), as
    caption and spec; the municipality outlined, the group's average = 1."""
    assert analysis.resource_use is not None
    values = analysis.resource_use.rename(columns={"indicator": "value"})
    # The succession as a graph, made once per session: the same for every report of a batch.
    land = cast(Land, session.cached.fill(("land",), lambda: Land(session.succession, session.regions)))
    rows = on_2024_borders(values, analysis.year, session.succession, session.regions, land)
    group = analysis.group.name
    spec = choropleth_spec(
        rows,
        year=analysis.year,
        value_title="Ressursbruk",
        decimals=3,
        chosen=analysis.municipality.code,
        group_name=group,
        group_average=1.0,
        scheme="blueorange",
        mid=1.0,
    )
    caption = (
        f"Ressursbruk i {analysis.sector.name_nb.lower()} i alle kommuner, {analysis.year} "
        f"({group} = 1; oransje: mer ressurser enn snittet, blå: mindre). "
        f"{analysis.municipality.short_name} er tegnet med svart kant. "
        "Kostras beregning etter KS' metode. Kilde: SSB (KOSTRA); kartdata: Kartverket, CC BY 4.0."
    )
    return caption, spec


def _summary_chapter(
    session: Session,
    analyses: Sequence[SectorAnalysis],
    early_map: tuple[SectorAnalysis, tuple[str, dict[str, Any]]] | None = None,
) -> Chapter:
    """The first chapter: every service area in a line, and the map (``early_map``: the
    map of one of ``analyses``, made already)."""
    columns = [
        "Tjenesteområde",
        "Indikatorer over snittet",
        "Indikatorer under snittet",
        "Ressursbruk (indeks)",
        "Mer-/mindreutgift (mill. kr)",
    ]
    rows: list[tuple[str | None, list[Cell]]] = []
    points = []
    for analysis in analyses:
        profile = analysis.profile
        above = int((profile["index"] > 100.5).sum())
        below = int((profile["index"] < 99.5).sum())
        indicator = analysis.resource_use_indicator
        extra = analysis.need_adjusted.get("mer_mindreutgift", float("nan"))
        millions = extra / 1e6 if not math.isnan(extra) else float("nan")
        rows.append(
            (
                None,
                [
                    Cell(analysis.sector.name_nb),
                    Cell(str(above), above),
                    Cell(str(below), below),
                    _cell(indicator, 3),
                    _cell(millions, 1),
                ],
            )
        )
        points.append({"sektor": analysis.sector.name_nb, "over": above, "under": below})
    first = analyses[0]
    summary = [
        f"{first.municipality.short_name} sammenlignes med {first.group.name} på "
        f"{len(analyses)} tjenesteområder for {first.year}."
    ]
    table = ReportTable(
        "Sammendrag per tjenesteområde",
        columns,
        rows,
        "Ressursbruk: kostras beregning etter KS' metode (gruppen = 1).",
    )
    chart = summary_chart(points, first.group.name)
    mapped = _map_analysis(session, analyses)
    return Chapter(
        "sammendrag",
        "Sammendrag",
        "Alle tjenesteområdene samlet.",
        summary,
        [table],
        [],
        [(f"Antall indikatorer over og under snittet for {first.group.name}.", chart)],
        [],
        demodata=any(a.demodata for a in analyses),
        maps=[]
        if mapped is None
        else [early_map[1] if early_map and early_map[0] is mapped else _resource_use_map(session, mapped)],
    )


def _ranking_chapter(session: Session, region_code: str, year: int, demodata: bool) -> Chapter | None:
    """The Kommunebarometer-style placement per sector (KOSTRA.md method 6), with the key
    figures that pull each sector up and down most."""
    ranking = session.catalog.ranking
    if ranking is None:
        return None
    columns = ["Tjenesteområde", "Plass", "Plass året før", "Poeng (1-6)"]
    rows: list[tuple[str | None, list[Cell]]] = []
    comments: list[tuple[str, list[str]]] = []
    indicators = session.catalog.indicators
    of = 0
    shown = [s for s in [*ranking.key_figures, "totalt"] if s == "totalt" or s in session.catalog.sectors]
    for sector_id, placement in zip(shown, session.explain_ranks(region_code, shown, year), strict=True):
        name = "Totalt" if sector_id == "totalt" else session.catalog.sectors[sector_id].name_nb
        rank, previous = placement["rank"], placement["previous_rank"]
        of = int(cast(int, placement["of"]))
        rows.append(
            (
                None,
                [
                    Cell(name),
                    Cell(
                        "–" if rank is None else str(rank),
                        None if rank is None else float(cast(int, rank)),
                    ),
                    Cell(
                        "–" if previous is None else str(previous),
                        None if previous is None else float(cast(int, previous)),
                    ),
                    _cell(placement["score"], 2),
                ],
            )
        )
        figures = cast(pd.DataFrame, placement["figures"])
        # The first and last rows with a contribution (what dropna() kept), without copying.
        kept = np.flatnonzero(figures["contribution"].notna().to_numpy())
        if sector_id != "totalt" and len(kept):
            up = figures.iloc[kept[0]]
            down = figures.iloc[kept[-1]]
            comments.append(
                (
                    name,
                    [
                        f"Trekker mest opp: {indicators[up.indicator_id].name_nb} "
                        f"({format_nb(up.score, 1)} poeng).",
                        f"Trekker mest ned: {indicators[down.indicator_id].name_nb} "
                        f"({format_nb(down.score, 1)} poeng).",
                    ],
                )
            )
    table = ReportTable(
        f"Plassering blant {of} kommuner, {year}",
        columns,
        rows,
        "Hvert nøkkeltall gir 1-6 poeng, 3,5 ved landssnittet. Et tjenesteområdes poeng er et "
        "vektet snitt av nøkkeltallene, totalen et vektet snitt av tjenesteområdene; nøkkeltallene "
        "og vektene er kostras egne valg, ikke Kommunal Rapports. "
        "Kommuner med tall for under 60 prosent av nøkkeltallene rangeres ikke.",
    )
    return Chapter(
        "rangering",
        "Rangering",
        "Plasseringen blant alle kommuner etter Kommunebarometer-metoden.",
        [],
        [table],
        comments,
        [],
        [],
        demodata=demodata,
    )


def _draw_soon(chapter: Chapter, kinds: Sequence[str], map_kinds: Sequence[str]) -> None:
    for _, spec in chapter.charts:
        draw_later(spec, kinds)
    for _, spec in chapter.maps:
        draw_later(spec, map_kinds)


def _kinds(formats: Sequence[str], static: dict[str, tuple[str, ...]]) -> list[str]:
    # SVG first: the PNG is rasterised from it.
    return [k for k in ("svg", "png") if any(k in static.get(f, ()) for f in formats)]


def build_report(
    session: Session,
    municipality: str,
    year: int | None = None,
    group: str = "asss",
    peers: Sequence[str] = ("Asker",),
    sectors: Sequence[str] | None = None,
    formats: Sequence[str] = (),
) -> Report:
    """The report model. Given the ``formats`` it will be written in, the charts those
    formats embed as images start drawing in the background while the model is built."""
    kinds, map_kinds = _kinds(formats, STATIC_CHARTS), _kinds(formats, STATIC_MAPS)
    if map_kinds:  # every kind of chart is a kind of map too
        get_ready(map_kinds)
    sector_ids = (
        [session.service_area(s).id for s in sectors]
        if sectors
        else [s.id for s in session.catalog.sectors.values() if not s.hidden]
    )
    # One read of every figure the chapters need, instead of one per sector and profile.
    wanted = [i for sector_id in sector_ids for i in session.catalog.indicators_of(sector_id)]
    year = session.resolve_year(wanted, year)  # a year without figures fails before any work
    # The years the chapters show (their time series): read of those years only.
    window = range(year - SERIES_YEARS + 1, year + 1)
    with session.reading_years(window):
        return _build(session, municipality, year, window, group, peers, sector_ids, wanted, kinds, map_kinds)


def _build(
    session: Session,
    municipality: str,
    year: int,
    window: range,
    group: str,
    peers: Sequence[str],
    sector_ids: list[str],
    wanted: list[Indicator],
    kinds: Sequence[str],
    map_kinds: Sequence[str],
) -> Report:
    economics = [session.catalog.economics[s] for s in sector_ids if s in session.catalog.economics]
    session.observations(
        sorted(
            {i.id for i in wanted}
            | {i.weight for i in wanted if i.weight}
            | {"pop_total"}
            | {
                x
                for e in economics
                for x in (
                    e.net_expenditure,
                    e.gross_expenditure,
                    e.need_index,
                    e.depreciation,
                    e.resource_use,
                )
                if x
            }
        ),
        window,
    )
    labels = _release_labels(session)
    marks = ssb_marks(session, [i.id for i in wanted], year)
    analyses = []
    chapters = []
    # Chapter by chapter, so one chapter's charts are drawn while the next is analysed; the
    # group statistics of all chapters are computed at the first chapter's question.
    # The summary's map shows the service area weighing most in the cost key: it is analysed
    # first, so its map is drawn while the others are analysed (the chapters keep their order).
    weights = {s: e.cost_key_weight for s, e in session.catalog.economics.items() if s in sector_ids}
    heaviest = max(weights, key=weights.__getitem__, default=None)
    order = sorted(range(len(sector_ids)), key=lambda k: sector_ids[k] != heaviest)
    done: dict[int, tuple[SectorAnalysis, Chapter]] = {}
    early_map: tuple[SectorAnalysis, tuple[str, dict[str, Any]]] | None = None
    with session.asked_together(i.id for i in wanted):
        for k in order:
            analysis = session.analyse(municipality, sector_ids[k], year, group, peers)
            if sector_ids[k] == heaviest and _map_analysis(session, [analysis]) is analysis:
                early_map = (analysis, _resource_use_map(session, analysis))
                draw_later(early_map[1][1], map_kinds)
            chapter = build_chapter(session, analysis, labels, marks)
            _draw_soon(chapter, kinds, map_kinds)
            done[k] = (analysis, chapter)
    for k in range(len(sector_ids)):
        analyses.append(done[k][0])
        chapters.append(done[k][1])
    first = analyses[0]
    summary = _summary_chapter(session, analyses, early_map)
    _draw_soon(summary, kinds, map_kinds)
    chapters.insert(0, summary)
    demodata = any(a.demodata for a in analyses)
    ranking = _ranking_chapter(session, first.municipality.code, first.year, demodata)
    if ranking is not None:
        chapters.insert(1, ranking)
    # The releases whose figures the report shows (its indicators, its three years), newest
    # first: not every release in the store, and not sorted as text ("utgivelse 10" < "2").
    shown = session.observations([i.id for i in wanted], range(first.year - 2, first.year + 1))
    used = [
        labels[r]
        for r in sorted({int(r) for r in shown["release_id"].unique()}, reverse=True)
        if r in labels and "demodata" not in labels[r]
    ]
    return Report(
        first.municipality.short_name,
        first.municipality.code,
        first.year,
        first.group.name,
        [p.short_name for p in first.peers],
        chapters,
        used[:6],
        any(c.demodata for c in chapters),
        ssb_note=explanation(first.year),
    )
