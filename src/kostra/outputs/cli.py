"""The ``kostra`` command line: thin wrappers around the Python API.

A :class:`~kostra.errors.KostraError` is printed as one red line (exit code 1);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console

from kostra import api
from kostra.errors import ConfigError, KostraError
from kostra.formatting import format_nb
from kostra.outputs.profile_table import (
    render_profile_csv,
    render_profile_json,
    render_profile_table,
)

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="KOSTRA-analyse for kommuner: tjenesteprofiler mot ASSS, KOSTRA-grupper og landet.",
)
data_app = typer.Typer(no_args_is_help=True, help="Datagrunnlaget: status og import av filer fra SSB.")
app.add_typer(data_app, name="data")

# Piped output gets a wide page instead of rich's 80 columns, so tables stay readable.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class _State:
    db: Path | None = None
    groups: Path | None = None
    debug: bool = False


state = _State()


@app.callback()
def _options(
    db: Annotated[
        Path | None, typer.Option(help="DuckDB-fil (standard: $KOSTRA_HOME/kostra.duckdb).")
    ] = None,
    groups: Annotated[
        Path | None, typer.Option(help="YAML- eller CSV-fil med egne sammenligningsgrupper.")
    ] = None,
    debug: Annotated[bool, typer.Option(help="Vis full feilmelding (traceback).")] = False,
) -> None:
    state.db, state.groups, state.debug = db, groups, debug


P = ParamSpec("P")
R = TypeVar("R")


def _user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a KostraError as one red line and exit 1 (the traceback only with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except KostraError as exc:
            if state.debug:
                raise
            err.print(f"[red]Feil:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def _write_machine_format(frame: pd.DataFrame, fmt: Format) -> bool:
    """Write ``frame`` as CSV or JSON to stdout; False if a table for people is wanted."""
    if fmt is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is Format.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    else:
        return False
    return True


def _open() -> api.Session:
    with err.status("Åpner datalageret …") as status:
        return api.open(state.db, groups=state.groups, progress=lambda msg: status.update(msg + " …"))


DEMODATA_NOTE = (
    "DEMODATA: tabellen bygger helt eller delvis på genererte tall, ikke SSBs. "
    "Kjør 'kostra data status' for å se hvilke."
)


# Options several commands share.
MunicipalityArg = Annotated[str, typer.Argument(help="Kommune, navn eller nummer (Bærum, 3201, 0219).")]
SectorOpt = Annotated[str, typer.Option("--sector", "-s", help="Tjenesteområde, f.eks. pleie-og-omsorg.")]
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="År (standard: siste år med tall).")]
GroupOpt = Annotated[
    str,
    typer.Option(
        "--group",
        "-g",
        help="Sammenligningsgruppe: asss, asss10, kostragruppe-12, landet, et fylke eller egen gruppe.",
    ),
]


@app.command()
@_user_errors
def profile(
    municipality: MunicipalityArg,
    sector: SectorOpt,
    profile_name: Annotated[
        str | None, typer.Option("--profile", "-p", help="Profil: alle, 0-66, 67+, ttu.")
    ] = None,
    year: YearOpt = None,
    group: GroupOpt = "asss",
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Utdata: table, csv eller json.")
    ] = Format.table,
) -> None:
    """Tjenesteprofil og indikatortabell: kommunens tre siste år mot gruppens snitt, høyeste og laveste."""
    with _open() as session:
        table = session.profile(municipality, sector, profile_name, year, group)
        sector_def = session.catalog.sector(sector)
        profile_def = session.catalog.profile(sector_def, profile_name)
    table.attrs.update(sector=sector_def.id, profile=profile_def.id)
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
    if demodata:
        err.print(f"[yellow]{DEMODATA_NOTE}[/yellow]")


@app.command()
@_user_errors
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
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table eller json.")] = Format.table,
) -> None:
    """Ett tjenesteområde: profil, kommentarer, tidsserier, ressursbruk, effektivitet, datakvalitet."""
    with _open() as session:
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
        import json

        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(result.series.to_csv(index=False))
        return
    from kostra.outputs.analysis_view import render_analysis

    out.print(render_analysis(result))


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@app.command()
@_user_errors
def report(
    municipality: Annotated[str | None, typer.Argument(help="Kommune, navn eller nummer.")] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="År (standard: siste år med tall).")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="Sammenligningsgruppe (standard: asss).")
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", "-c", help="Kommuner å sammenligne med, kommaseparert (standard: Asker)."),
    ] = None,
    sectors: Annotated[
        list[str] | None,
        typer.Option("--sectors", "-s", help="Tjenesteområder, kommaseparert (standard: alle)."),
    ] = None,
    fmt: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="html, pdf, docx, xlsx; kommaseparert.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Mappe for filene (standard: rapporter).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML-fil som beskriver rapporten.")] = None,
    all_asss: Annotated[bool, typer.Option("--all-asss", help="Én rapport for hver ASSS-kommune.")] = False,
    every: Annotated[bool, typer.Option("--all", help="Én rapport for hver kommune i landet.")] = False,
    workers: Annotated[int, typer.Option(help="Prosesser for --all/--all-asss.")] = 2,
) -> None:
    """KOSTRA-rapporten: sammendrag og ett kapittel per tjenesteområde, som HTML, PDF, Word og Excel."""
    from rich.progress import Progress

    from kostra.outputs.report import FORMATS, ReportConfig, build_report, read_report_config, write_report
    from kostra.outputs.report.batch import run_batch

    spec = read_report_config(config) if config else ReportConfig()
    spec = spec.model_copy(
        update={
            k: v
            for k, v in {
                "municipality": municipality,
                "year": year,
                "group": group,
                "compare": _split(compare) or None,
                "sectors": _split(sectors) or None,
                "formats": _split(fmt) or None,
                "out": out_dir,
            }.items()
            if v is not None
        }
    )
    unknown = set(spec.formats) - set(FORMATS)
    if unknown:
        raise ConfigError(f"unknown format {sorted(unknown)[0]!r}; choose from {', '.join(FORMATS)}")
    with _open() as session:
        db = session.store.path
        if all_asss or every:
            year_for_members = spec.year or session.latest_year(session.catalog.indicators_of())
            codes = (
                sorted(session.members("asss", year_for_members)) if all_asss else session.municipalities()
            )
        elif spec.municipality:
            built = build_report(
                session,
                spec.municipality,
                spec.year,
                spec.group,
                spec.compare,
                spec.sectors,
                formats=spec.formats,
            )
            for path in write_report(built, spec.formats, spec.out):
                out.print(f"Skrev {path}")
            return
        else:
            raise ConfigError("name a municipality, or use --all-asss, --all or --config")
    with Progress(console=err) as progress:
        task = progress.add_task("Rapporter", total=len(codes))
        run_batch(
            db,
            codes,
            year=spec.year,
            group=spec.group,
            peers=spec.compare,
            sectors=spec.sectors,
            formats=spec.formats,
            out=spec.out,
            workers=workers,
            on_done=lambda _m, _p: progress.advance(task),
        )
    out.print(f"Skrev {len(codes) * len(spec.formats)} filer til {spec.out}")


@app.command()
@_user_errors
def serve(
    host: Annotated[str, typer.Option(help="Adresse å lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Antall prosesser.")] = 1,
    rate: Annotated[int, typer.Option(help="Forespørsler per minutt per klient.")] = 600,
) -> None:
    """Start nettsidene og JSON-API-et (uvicorn); datalageret åpnes bare for lesing."""
    import os

    import uvicorn

    with _open() as session:  # fills a new store before the read-only server starts
        db = session.store.path
    os.environ["KOSTRA_WEB_DB"] = str(db)
    os.environ["KOSTRA_WEB_RATE"] = str(rate)
    out.print(f"kostra på http://{host}:{port}/ (Ctrl+C avslutter)")
    uvicorn.run(
        "kostra.outputs.web.server:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )


@app.command()
@_user_errors
def rank(
    year: YearOpt = None,
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="Bare dette tjenesteområdet.")] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", "-m", help="Vis én kommunes plassering.")
    ] = None,
    rule: Annotated[
        str, typer.Option(help="Poengregel: average (fra 2019) eller percentile (til 2018).")
    ] = "average",
    limit: Annotated[int, typer.Option(help="Vis de N beste.")] = 30,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Kommunebarometer-rangering: poeng 1-6 per nøkkeltall, vektet per sektor og totalt."""
    from rich.table import Table

    if rule not in ("average", "percentile"):
        raise ConfigError(f"unknown rule {rule!r}; choose average or percentile")
    with _open() as session:
        sector_id = session.catalog.sector(sector).id if sector else "totalt"
        if municipality:
            detail = session.explain_rank(municipality, sector_id, year)
            figures = detail["figures"]
            assert isinstance(figures, pd.DataFrame)
            if _write_machine_format(figures, fmt):
                return
            previous = detail["previous_rank"]
            out.print(
                f"{detail['municipality']}: plass {detail['rank']} av {detail['of']} i {sector_id} "
                f"{detail['year']} (poeng {format_nb(detail['score'], 2)}"  # type: ignore[arg-type]
                + (f"; plass {previous} året før)" if previous else ")")
            )
            table = Table(title="Nøkkeltallene, størst bidrag først")
            for column in ("Sektor", "Nøkkeltall", "Verdi", "Poeng", "Bidrag"):
                table.add_column(
                    column, justify="right" if column in ("Verdi", "Poeng", "Bidrag") else "left"
                )
            for row in figures.itertuples():
                table.add_row(
                    str(row.sector),
                    str(row.indicator_id),
                    format_nb(row.value, 2),
                    format_nb(row.score, 2),
                    format_nb(row.contribution, 2),
                )
            out.print(table)
            return
        _, sectors = session.rank(year, rule)  # type: ignore[arg-type]
    chosen = sectors[sectors["sector"] == sector_id].sort_values("rank", kind="stable")
    if _write_machine_format(chosen, fmt):
        return
    table = Table(
        title=f"Rangering {sector_id} {int(chosen['year'].iloc[0])} (kostras beregning etter "
        "Kommunal Rapports metode)"
    )
    for column in ("Plass", "Kommune", "Poeng", "Andel nøkkeltall med tall"):
        table.add_column(column, justify="left" if column == "Kommune" else "right")
    for row in chosen.head(limit).itertuples():
        table.add_row(
            "" if pd.isna(row.rank) else str(row.rank),
            str(row.region),
            format_nb(row.score, 2),
            format_nb(100 * row.share_with_data, 0) + " %",
        )
    out.print(table)


@app.command()
@_user_errors
def dea(
    sector: SectorOpt,
    year: YearOpt = None,
    limit: Annotated[int, typer.Option(help="Vis de N første.")] = 30,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """DEA-effektivitet (inputorientert, variabel skala) for alle kommuner i et tjenesteområde."""
    from rich.table import Table

    with _open() as session:
        result = session.dea(sector, year)
    if _write_machine_format(result, fmt):
        return
    table = Table(title=f"DEA-effektivitet {sector} {int(result['year'].iloc[0])}")
    for column in ("Kommune", "Effektivitet", "Forbilder (peers)"):
        table.add_column(column, justify="right" if column == "Effektivitet" else "left")
    names = result.set_index("region_code")["region"]
    for row in result.head(limit).itertuples():
        peers = ", ".join(str(names.get(p, p)) for p in str(row.peers).split(",") if p)
        table.add_row(str(row.region), format_nb(row.efficiency, 3), peers)
    out.print(table)


@app.command()
@_user_errors
def similar(
    municipality: MunicipalityArg,
    count: Annotated[int, typer.Option("--count", "-n", help="Antall kommuner.")] = 10,
    year: YearOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Kommunene som ligner mest: folketall, alderssammensetning, frie inntekter og utgiftsbehov."""
    with _open() as session:
        found = session.similar(municipality, count, year)
    if _write_machine_format(found, fmt):
        return
    for row in found.itertuples():
        out.print(f"{row.region_code} {row.region} (avstand {format_nb(row.distance, 2)})")


@data_app.command("status")
@_user_errors
def data_status(
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="Bare dette tjenesteområdet.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Per indikator: hvor mange tall som er ekte (SSB/publisert) og hvor mange som er demodata."""
    with _open() as session:
        status = session.data_status()
        releases = session.releases()
        memberships = session.membership_sources()
        if sector:
            status = status[status["sector"] == session.catalog.sector(sector).id]
    if _write_machine_format(status, fmt):
        return
    from rich.table import Table

    table = Table(title="Datagrunnlag: ekte tall og demodata per indikator")
    for column in ("Indikator", "Område", "Ekte", "Demodata", "År", "SSB-tabell"):
        table.add_column(column, justify="right" if column in ("Ekte", "Demodata") else "left")
    for row in status.itertuples():
        years = "" if row.first_year != row.first_year else f"{int(row.first_year)}–{int(row.last_year)}"
        flag = "[yellow]" if row.demodata else ""
        table.add_row(
            f"{row.indicator_id}",
            row.sector,
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
@_user_errors
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
) -> None:
    """Les inn en fil fra SSB som én utgivelse: alle rader, eller ingen."""
    with _open() as session:
        result = session.import_file(file, indicator=indicator, encoding=encoding)
    if result.already_loaded:
        out.print(f"{file.name}: allerede lest inn (utgivelse {result.release_id}); ingenting endret.")
    else:
        out.print(
            f"{file.name}: {format_nb(result.rows, 0)} tall lest inn som utgivelse {result.release_id}."
        )


@data_app.command("fetch")
@_user_errors
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

    with _open() as session:
        tables = len(session.fetch_tables(sector))
        with FetchDisplay(err, tables) as display:
            report = session.fetch(
                year, sector, municipality, regions=regions, progress=display, on_retry=display.retry
            )
    out.print(render_fetch_report(report))
    if report.failed:
        raise typer.Exit(1)


@data_app.command("diff")
@_user_errors
def data_diff(
    year: Annotated[int, typer.Option("--year", "-y", help="Året som sammenlignes.")],
    old: Annotated[
        int | None, typer.Option("--from", help="Eldre utgivelse (id); standard: forrige.")
    ] = None,
    new: Annotated[int | None, typer.Option("--to", help="Nyere utgivelse (id); standard: nyeste.")] = None,
    limit: Annotated[int, typer.Option(help="Vis de N største endringene.")] = 40,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Tall som er endret mellom to utgivelser (f.eks. foreløpige 15. mars og endelige 15. juni)."""
    with _open() as session:
        changes = session.diff(year, old, new)
    if _write_machine_format(changes, fmt):
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


@app.command("groups")
@_user_errors
def list_groups(
    year: Annotated[int, typer.Option("--year", "-y")] = 2024,
) -> None:
    """Sammenligningsgruppene og medlemmene deres i et år."""
    from rich.table import Table

    with _open() as session:
        table = Table(title=f"Sammenligningsgrupper {year}")
        table.add_column("Id")
        table.add_column("Navn")
        table.add_column("Medlemmer", overflow="fold")
        names = session.regions.set_index("code")["name"]
        for group in session.groups.values():
            members = session.members(group.id, year)
            shown = (
                ", ".join(sorted(str(names.get(c, c)) for c in members))
                if len(members) <= 15
                else f"{len(members)} kommuner"
            )
            table.add_row(group.id, group.name_nb, shown)
    out.print(table)


def main() -> None:
    app(prog_name="kostra")


if __name__ == "__main__":
    main()
