"""``kostra profile`` and ``kostra analyse``: one municipality and one service area."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from kostra.outputs.cli.app import app, out
from kostra.outputs.cli.common import (
    DEMODATA_NOTE,
    Format,
    FormatOpt,
    GroupOpt,
    MunicipalityArg,
    SectorOpt,
    YearOpt,
    open_session,
    say_demodata,
)


@app.command()
def profile(
    municipality: MunicipalityArg,
    sector: SectorOpt,
    profile_name: Annotated[
        str | None, typer.Option("--profile", "-p", help="Profil: alle, 0-66, 67+, ttu.")
    ] = None,
    year: YearOpt = None,
    group: GroupOpt = "asss",
    fmt: FormatOpt = Format.table,
) -> None:
    """Tjenesteprofil og indikatortabell: kommunens tre siste år mot gruppens snitt, høyeste og laveste."""
    from kostra.outputs.profile_table import render_profile_csv, render_profile_json, render_profile_table

    with open_session() as session:
        table = session.profile(municipality, sector, profile_name, year, group)
        sector_def = session.catalog.sectors[table.attrs["sector"]]
        profile_def = session.catalog.profile(sector_def, table.attrs["profile"])
    demodata = bool(table["demodata"].any())
    if fmt is Format.csv:
        sys.stdout.write(render_profile_csv(table))
    elif fmt is Format.json:
        sys.stdout.write(render_profile_json(table))
    else:
        title = (
            f"{sector_def.name_nb} – {profile_def.name_nb}: {table.attrs['municipality']} "
            f"sammenlignet med {table.attrs['group']}, {table.attrs['year']}"
        )
        caption = "Kilde: SSB (KOSTRA). * = uvektet snitt. Indeks: gruppens snitt = 100."
        if demodata:
            caption += "\n" + DEMODATA_NOTE
        out.print(render_profile_table(table, title, caption))
        return
    say_demodata(demodata, fmt)


@app.command()
def analyse(
    municipality: MunicipalityArg,
    sector: SectorOpt,
    year: YearOpt = None,
    group: GroupOpt = "asss",
    peer: Annotated[
        list[str] | None,
        typer.Option("--peer", "-p", help="Kommune å sammenligne med (kan gjentas); standard: Asker."),
    ] = None,
    fixed_prices: Annotated[
        bool, typer.Option("--fixed-prices", help="Kroner i faste priser (kommunal deflator).")
    ] = False,
    need_adjusted: Annotated[
        bool, typer.Option("--need-adjusted", help="Kroner justert for utgiftsbehov.")
    ] = False,
    first_year: Annotated[
        int | None, typer.Option("--from-year", help="Første år i tidsseriene (standard: fem år).")
    ] = None,
    base_year: Annotated[
        int | None, typer.Option("--base-year", help="Prisnivå for faste priser (standard: analyseåret).")
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv (tidsseriene) eller json.")
    ] = Format.table,
) -> None:
    """Ett tjenesteområde: profil, kommentarer, tidsserier, ressursbruk, effektivitet, datakvalitet."""
    with open_session() as session:
        result = session.analyse(
            municipality,
            sector,
            year,
            group,
            tuple(peer) if peer else ("Asker",),
            fixed_prices=fixed_prices,
            need_adjusted=need_adjusted,
            first_year=first_year,
            base_year=base_year,
        )
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(result.series.to_csv(index=False))
    else:
        from kostra.outputs.analysis_view import render_analysis

        out.print(render_analysis(result))
    say_demodata(result.demodata, fmt)
