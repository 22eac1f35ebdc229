"""Rendering a :class:`~kostra.sector_analysis.SectorAnalysis` for the terminal."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kostra.formatting import format_nb
from kostra.outputs.profile_table import render_profile_table
from kostra.sector_analysis import SectorAnalysis

__all__ = ["render_analysis"]


def _profile_tables(analysis: SectorAnalysis) -> Iterator[RenderableType]:
    for profile in analysis.sector.profiles:
        part = analysis.profile[analysis.profile["profile"] == profile.id]
        if part.empty:
            continue
        table_data = part.drop(columns=["profile"]).reset_index(drop=True)
        table_data.attrs.update(group=analysis.group.name)
        title = f"{analysis.sector.name_nb} – {profile.name_nb}"
        yield render_profile_table(table_data, title, "")
        for row in part.itertuples():
            yield Text(f"• {row.indicator}: " + " ".join(analysis.comments[row.indicator_id]))


def _series_table(analysis: SectorAnalysis) -> Table:
    series = analysis.series
    years = sorted(series["year"].unique())
    marker = " (B)" if bool(series["adjusted"].any()) else ""
    computed = series[series["back_series"]]
    captions = ["(B): kroner i faste priser og/eller justert for utgiftsbehov."] if marker else []
    if len(computed):
        captions.append("*: år før en sammenslåing, regnet ut av de sammenslåtte kommunenes tall.")
    table = Table(title=f"Utvikling {years[0]}–{years[-1]}{marker}", caption=" ".join(captions))
    table.add_column("Indikator", overflow="fold", max_width=50)
    table.add_column("Serie")
    for year in years:
        table.add_column(str(year), justify="right")
    decimals = analysis.profile.set_index("indicator_id")["decimals"].to_dict()
    names = analysis.profile.set_index("indicator_id")["indicator"].to_dict()
    for (indicator_id, name), part in series.groupby(["indicator_id", "series"], sort=False):
        values = part.set_index("year")["value"]
        starred = set(part.loc[part["back_series"], "year"])
        table.add_row(
            str(names.get(indicator_id, indicator_id)),
            str(name),
            *[
                format_nb(values.get(y), int(decimals.get(indicator_id, 1))) + ("*" if y in starred else "")
                for y in years
            ],
        )
    return table


def _economics_table(analysis: SectorAnalysis) -> Table | None:
    if analysis.efficiency is None:
        return None
    table = Table(
        title=f"Ressursbruk, produksjon og effektivitet mot {analysis.group.name} (= 1)",
        caption="Kostras beregning etter KS' metode; vektene er foreløpige katalogdata.",
    )
    for column in ("År", "Brutto driftsutgifter", "Produksjon", "Kostnad", "Effektivitet"):
        table.add_column(column, justify="right")
    for row in analysis.efficiency.itertuples():
        table.add_row(
            str(row.year),
            format_nb(row.gross_relative, 2),
            format_nb(row.production_index, 2),
            format_nb(row.cost_index, 2),
            format_nb(row.efficiency, 2),
        )
    return table


def render_analysis(analysis: SectorAnalysis) -> Group:
    parts: list[RenderableType] = [
        Text(
            f"{analysis.sector.name_nb}: {analysis.municipality.short_name} {analysis.year}, "
            f"sammenlignet med {analysis.group.name}"
            + (f" og {', '.join(p.short_name for p in analysis.peers)}" if analysis.peers else ""),
            style="bold",
        ),
    ]
    parts += [Text(s) for s in analysis.summary]
    parts += list(_profile_tables(analysis))
    economics = _economics_table(analysis)
    if economics is not None:
        parts.append(economics)
    parts.append(_series_table(analysis))
    if analysis.flags:
        parts.append(Text("Datakvalitet:", style="bold"))
        parts += [Text(f"• {f.message_nb}") for f in analysis.flags]
    parts.append(Text("Kilde: SSB (KOSTRA), KS (ressursbruk), egne beregninger.", style="dim"))
    return Group(*parts)
