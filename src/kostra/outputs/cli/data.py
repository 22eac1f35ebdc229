"""``kostra data``: what the store holds, and bringing SSB's figures into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kostra.formatting import format_nb
from kostra.outputs.cli.app import data_app, err, out
from kostra.outputs.cli.common import Format, FormatOpt, open_session, write_machine_format

if TYPE_CHECKING:
    import pandas as pd


@data_app.command("status")
def data_status(
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="Bare dette tjenesteområdet.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Per indikator: hvor mange tall som er ekte (SSB/publisert) og hvor mange som er demodata."""
    with open_session() as session:
        status = session.data_status()
        releases = session.releases()
        memberships = session.membership_sources()
        if sector:
            status = status[status["sector"] == session.catalog.sector(sector).id]
        sector_names = {s.id: s.name_nb for s in session.catalog.sectors.values()}
    if write_machine_format(status, fmt):
        return
    from rich.table import Table

    table = Table(title="Datagrunnlag: ekte tall og demodata per indikator")
    for column in ("Indikator", "Tjenesteområde", "Ekte", "Demodata", "År", "SSB-tabell"):
        table.add_column(column, justify="right" if column in ("Ekte", "Demodata") else "left")
    for row in status.itertuples():
        years = "" if row.first_year != row.first_year else f"{int(row.first_year)}–{int(row.last_year)}"
        flag = "[yellow]" if row.demodata else ""
        table.add_row(
            str(row.indicator),
            sector_names.get(row.sector, row.sector),
            format_nb(row.real, 0),
            f"{flag}{format_nb(row.demodata, 0)}",
            years,
            row.ssb_table if isinstance(row.ssb_table, str) else "",
        )
    out.print(table)
    sources = dict(zip(memberships["source"], memberships["memberships"], strict=True))
    out.print(
        f"KOSTRA-grupper: {sources.get('klass-112', 0)} medlemskap fra SSBs KLASS, "
        f"{sources.get('demodata', 0)} plassert etter folketall (demodata)."
    )
    out.print(
        f"{len(releases)} utgivelser i lageret: "
        + ", ".join(f"{r.id}: {r.source}" for r in releases.itertuples())
    )


@data_app.command("import")
def data_import(
    file: Annotated[
        Path,
        typer.Argument(help="CSV, XLSX eller JSON-stat 2.0 lastet ned fra SSBs statistikkbank."),
    ],
    indicator: Annotated[
        str | None,
        typer.Option(help="Katalogens indikator-id, når filen har ett tall som ikke gjenkjennes."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Tegnsett (standard: UTF-8, ellers ISO-8859-1).")
    ] = None,
    any_year: Annotated[bool, typer.Option("--any-year", help="Les inn år utenfor 2015–i år.")] = False,
) -> None:
    """Les inn en fil fra SSB som én utgivelse: alle rader, eller ingen."""
    with open_session() as session:
        result = session.import_file(file, indicator=indicator, encoding=encoding, allow_years=any_year)
    if result.already_loaded:
        out.print(f"{file.name}: allerede lest inn (utgivelse {result.release_id}); ingenting endret.")
    else:
        symbols = result.rows - result.values
        cells = "celle" if symbols == 1 else "celler"
        figures = f"{format_nb(result.values, 0)} tall" + (
            f" (og {format_nb(symbols, 0)} {cells} med SSBs symboler for tall som mangler)" if symbols else ""
        )
        aggregates = (
            f" og {format_nb(result.aggregates, 0)} av SSBs egne aggregater (landet, fylker, KOSTRA-grupper; "
            "sjekk dem med 'kostra data check')"
            if result.aggregates
            else ""
        )
        out.print(
            f"{file.name}: {figures}{aggregates} lest inn som utgivelse {result.release_id}.", markup=False
        )
        _print_derived(result.derived)
    _print_left_out(result.unplaced, result.skipped_contents)


def _print_derived(derived: int) -> None:
    if derived:
        out.print(
            f"{format_nb(derived, 0)} tall beregnet etter katalogens formler fra ekte tall "
            "(se 'kostra catalog coverage').",
            markup=False,
        )


def _print_left_out(unplaced: pd.DataFrame, skipped: tuple[str, ...]) -> None:
    """Name what of a file kostra did not read, so nothing is dropped unseen."""
    if len(unplaced):
        cells = int(unplaced["rows"].sum())
        regions = "region" if len(unplaced) == 1 else "regioner"
        out.print(
            f"Ikke lest inn: {format_nb(cells, 0)} celler for {format_nb(len(unplaced), 0)} {regions} "
            "kostra ikke kan plassere:"
        )
        for row in unplaced.head(20).itertuples():
            out.print(f"  {row.region} ({format_nb(int(row.rows), 0)} tall): {row.reason}", markup=False)
        if len(unplaced) > 20:
            out.print(f"  … og {format_nb(len(unplaced) - 20, 0)} til")
    if skipped:
        shown = ", ".join(skipped[:8]) + (f" … og {len(skipped) - 8} til" if len(skipped) > 8 else "")
        out.print(f"Ikke i katalogen, derfor ikke lest inn: {shown}", markup=False)


@data_app.command("check")
def data_check(
    year: Annotated[
        list[int] | None,
        typer.Option("--year", "-y", help="År (kan gjentas); standard: alle med SSB-aggregater."),
    ] = None,
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="Bare dette tjenesteområdet.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Regn ut SSBs egne tall for landet, landet uten Oslo, fylkene og KOSTRA-gruppene fra
    kommunetallene, og sammenlign med det SSB publiserte (avslutter med kode 1 ved avvik)."""
    from kostra.analysis.ssb_check import Verdict

    with open_session() as session:
        area = session.service_area(sector) if sector is not None else None
        indicators = [i for i in session.catalog.indicators.values() if area is None or i.sector == area.id]
        for wanted in year or ():
            session.resolve_year(indicators, wanted, area.name_nb.lower() if area else "")
        checks = session.ssb_check(year, sector)
        names = {i.id: i.name_nb for i in session.catalog.indicators.values()}
        decimals = {i.id: i.decimals for i in session.catalog.indicators.values()}
        places = aggregate_names()
    if checks.empty:
        what = f" for {', '.join(str(y) for y in year)}" if year else ""
        message = (
            f"Lageret har ingen av SSBs egne tall for landet, fylker eller KOSTRA-grupper{what}; les inn en "
            "full tabell fra statistikkbanken (kostra data import) eller hent fra SSB (kostra data fetch)."
        )
        if fmt is Format.table:
            out.print(message)
        else:
            err.print(message)
            write_machine_format(checks, fmt)
        return
    if not write_machine_format(checks, fmt):
        _print_checks(checks, names, decimals, places)
    differs = checks[checks["verdict"] == Verdict.DIFFERS]
    compared = checks[checks["verdict"] != Verdict.NOT_CHECKABLE]
    line = (
        f"{format_nb(len(differs), 0)} av {format_nb(len(compared), 0)} kontrollerte tall avviker fra SSB "
        "ut over avrunding."
        if len(differs)
        else f"Alle {format_nb(len(compared), 0)} kontrollerte tall er SSBs egne, på SSBs presisjon."
    )
    skipped = len(checks) - len(compared)
    if skipped:
        line += f" {format_nb(skipped, 0)} kunne ikke kontrolleres (se grunnen)."
    (out if fmt is Format.table else err).print(line)
    if len(differs):
        raise typer.Exit(1)


def aggregate_names() -> dict[str, str]:
    """Names of SSB's aggregate codes for people ("Landet", "Akershus", "KOSTRA-gruppe 13")."""
    from kostra.catalog import ssb_regions

    names = {code: region.name for code, region in ssb_regions().items()}
    names.update({f"EKG{n:02d}": f"KOSTRA-gruppe {n}" for n in range(1, 18)})
    return names


def _print_checks(
    checks: pd.DataFrame, names: dict[str, str], decimals: dict[str, int], places: dict[str, str]
) -> None:
    from rich.table import Table

    from kostra.analysis.ssb_check import Verdict

    table = Table(title="SSBs egne tall gjenskapt fra kommunetallene")
    for column in ("Indikator", "Aggregat", "År", "SSB", "kostra", "Differanse", "Vurdering"):
        table.add_column(
            column, justify="right" if column in ("År", "SSB", "kostra", "Differanse") else "left"
        )
    checked = checks[checks["verdict"] != Verdict.NOT_CHECKABLE]
    for row in checked.itertuples():
        d = decimals.get(str(row.indicator_id), 1)
        style = "[red]" if row.verdict == Verdict.DIFFERS else ""
        table.add_row(
            names.get(str(row.indicator_id), str(row.indicator_id)),
            f"{places.get(str(row.aggregate), str(row.aggregate))} ({row.aggregate})",
            str(row.year),
            format_nb(float(row.ssb), d),
            format_nb(float(row.kostra), d + 2),
            format_nb(float(row.difference), d),
            f"{style}{row.verdict}",
        )
    if len(checked):
        out.print(table)
    noted = checked[checked["reason"].fillna("") != ""]
    for reason, part in noted.groupby("reason", sort=False):
        shown = ", ".join(
            f"{places.get(str(c), str(c))} {y}" for c, y in zip(part["aggregate"], part["year"], strict=True)
        )
        out.print(f"Merknad ({shown}): {reason}", markup=False)
    lost = checks[checks["verdict"] == Verdict.NOT_CHECKABLE]
    for reason, part in lost.groupby("reason", sort=False):
        lacking = sorted({c for codes in part["lacking"].dropna() for c in str(codes).split()})
        which = (
            f" [{format_nb(len(lacking), 0)} kommuner, f.eks. {', '.join(lacking[:4])}]" if lacking else ""
        )
        out.print(f"Ikke kontrollerbare ({format_nb(len(part), 0)}): {reason}{which}", markup=False)


@data_app.command("fetch")
def data_fetch(
    year: Annotated[
        list[int] | None, typer.Option("--year", "-y", help="År (kan gjentas); standard: alle fra 2015.")
    ] = None,
    sector: Annotated[
        list[str] | None, typer.Option("--sector", "-s", help="Tjenesteområde (kan gjentas).")
    ] = None,
    municipality: Annotated[
        list[str] | None, typer.Option("--municipality", "-m", help="Kommune (kan gjentas); standard: alle.")
    ] = None,
    regions: Annotated[
        bool, typer.Option(help="Oppdater kommuner og KOSTRA-grupper fra KLASS først.")
    ] = True,
) -> None:
    """Hent KOSTRA-tall fra SSBs statistikkbank (PxWebApi v2) til lageret, én utgivelse per tabell."""
    from kostra.outputs.progress import FetchDisplay, render_fetch_report

    with open_session() as session:
        session.check_fetch(year, sector, municipality)
        tables = len(session.fetch_tables(sector))
        with FetchDisplay(err, tables) as display:
            report = session.fetch(
                year, sector, municipality, regions=regions, progress=display, on_retry=display.retry
            )
    out.print(render_fetch_report(report))
    _print_derived(report.derived)
    for warning in report.warnings:  # discontinued tables, KLASS trouble: one line each
        out.print(f"[yellow]Merk:[/yellow] {warning}", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@data_app.command("diff")
def data_diff(
    year: Annotated[int, typer.Option("--year", "-y", help="Året som sammenlignes.")],
    old: Annotated[
        int | None, typer.Option("--from", help="Eldre utgivelse (id); standard: forrige.")
    ] = None,
    new: Annotated[int | None, typer.Option("--to", help="Nyere utgivelse (id); standard: nyeste.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Vis de N største endringene.")] = 40,
    fmt: FormatOpt = Format.table,
) -> None:
    """Tall som er endret mellom to utgivelser (f.eks. foreløpige 15. mars og endelige 15. juni)."""
    with open_session() as session:
        session.resolve_year(list(session.catalog.indicators.values()), year)
        changes = session.diff(year, old, new)
    if write_machine_format(changes, fmt):
        return
    from rich.table import Table

    table = Table(
        title=f"Endrede tall for {year}: {format_nb(len(changes), 0)} i alt, største relative endring først"
    )
    for column in ("Indikator", "Region", "Før", "Nå", "Endring"):
        table.add_column(column, justify="left" if column in ("Indikator", "Region") else "right")
    for row in changes.head(limit).itertuples():
        relative = (
            "ny" if row.relative_change == float("inf") else f"{format_nb(100 * row.relative_change, 1)} %"
        )
        table.add_row(
            str(row.indicator),
            str(row.region),
            format_nb(row.old_value, 2),
            format_nb(row.new_value, 2),
            relative,
        )
    out.print(table)
