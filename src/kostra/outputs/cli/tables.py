"""``kostra profile`` and ``kostra analyse``: one municipality and one service area."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kostra.errors import KostraError
from kostra.outputs.cli.app import app, out, state
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

if TYPE_CHECKING:
    from kostra.outputs.profile_table import ProfileData


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
    from kostra.home import default_db_path
    from kostra.outputs.profile_table import ProfileData
    from kostra.profile_cache import ProfileCache, profile_kind

    cache = ProfileCache(state.db or default_db_path(), state.groups)
    kept = cache.find(municipality, sector, profile_name, year, group)
    if kept is not None:
        data = ProfileData(kept.columns, kept.rows, kept.attrs)
        _show_profile(data, kept.sector_name, kept.profile_name, fmt)
        return
    with open_session() as session:
        table = session.profile(municipality, sector, profile_name, year, group)
        fingerprint = cache.fingerprint()  # while the store is open: no write can come between
        sector_def = session.catalog.sectors[table.attrs["sector"]]
        profile_def = session.catalog.profile(sector_def, table.attrs["profile"])
        _show_profile(ProfileData.of(table), sector_def.name_nb, profile_def.name_nb, fmt)
        # The tables of every municipality in this area, year and group, for later commands;
        # the answer is out already, so whatever keeps them from being kept only costs time.
        attrs = table.attrs
        fill = None
        if not cache.holds(fingerprint, attrs["group_id"], attrs["year"], attrs["sector"]):
            try:
                fill = session.profile_tables(attrs["sector"], attrs["year"], attrs["group_id"])
            except KostraError:
                if state.debug:
                    raise
                return
        asked = [
            ("municipality", municipality, attrs["region_code"]),
            ("sector", sector, attrs["sector"]),
            (profile_kind(attrs["sector"], profile_name is not None), profile_name or "", attrs["profile"]),
            ("group", group, attrs["group_id"]),
        ]
        cache.keep(fingerprint, fill, asked)


def _show_profile(data: ProfileData, sector_name: str, profile_name: str, fmt: Format) -> None:
    """The profile as a table for people, or as CSV or JSON (with the DEMODATA mark)."""
    from kostra.outputs.profile_table import render_profile_csv, render_profile_json, render_profile_table

    demodata = any(bool(row["demodata"]) for row in data.records())
    if fmt is Format.csv:
        sys.stdout.write(render_profile_csv(data))
    elif fmt is Format.json:
        sys.stdout.write(render_profile_json(data))
    else:
        attrs = data.attrs
        title = (
            f"{sector_name} – {profile_name}: {attrs['municipality']} "
            f"sammenlignet med {attrs['group']}, {attrs['year']}"
        )
        caption = "Kilde: SSB (KOSTRA). * = uvektet snitt. Indeks: gruppens snitt = 100."
        if demodata:
            caption += "\n" + DEMODATA_NOTE
        out.print(render_profile_table(data, title, caption))
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
