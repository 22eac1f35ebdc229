"""``kostra report``: the annual report for one municipality, or one for each of many."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kostra.errors import ParameterError
from kostra.outputs.cli.app import app, err, out

if TYPE_CHECKING:
    from kostra import api
    from kostra.outputs.report import ReportConfig


def _say_demodata(reports: int) -> None:
    which = "rapporten" if reports == 1 else "rapportene"
    out.print(
        f"[yellow]DEMODATA: {which} bygger helt eller delvis på genererte tall, ikke SSBs; "
        f"{which} sier selv hvor.[/yellow]"
    )


def _split(values: list[str] | None, option: str) -> list[str] | None:
    """A comma-separated, repeatable option as a list without repeats (None: not given)."""
    if values is None:
        return None
    found = list(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip()))
    if not found:
        raise ParameterError(f"{option} er tomt; oppgi minst én verdi")
    return found


def _start_helpers(formats: list[str], *, single: bool) -> None:
    """Start the drawing process one report needs now, on the other core, while the store
    opens and the figures are read (its first chart is slow; HTML needs it too, for the map).
    The typesetting process starts once the report is built (:func:`report`)."""
    if not single:
        return  # a batch's workers start their own
    from kostra.outputs.report.drawing import get_ready

    kinds = [k for k, wanted in (("svg", {"html", "pdf"}), ("png", {"docx"})) if wanted & set(formats)]
    if kinds:
        get_ready(kinds)


@app.command()
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
    workers: Annotated[int, typer.Option(min=1, max=64, help="Prosesser for --all/--all-asss.")] = 2,
) -> None:
    """KOSTRA-rapporten: sammendrag og ett kapittel per tjenesteområde, som HTML, PDF, Word og Excel."""
    from kostra.outputs.cli.common import open_session
    from kostra.outputs.report import (
        FORMATS,
        ReportConfig,
        prepare_out,
        read_report_config,
    )
    from kostra.outputs.report.batch import run_batch

    spec = read_report_config(config) if config else ReportConfig()
    spec = spec.model_copy(
        update={
            k: v
            for k, v in {
                "municipality": municipality,
                "year": year,
                "group": group,
                "compare": _split(compare, "--compare"),
                "sectors": _split(sectors, "--sectors"),
                "formats": _split(fmt, "--format"),
                "out": out_dir,
            }.items()
            if v is not None
        }
    )
    unknown = set(spec.formats) - set(FORMATS)
    if unknown:
        raise ParameterError(f"ukjent format {sorted(unknown)[0]!r}; velg blant {', '.join(FORMATS)}")
    if all_asss and every:
        raise ParameterError("velg enten --all-asss eller --all, ikke begge")
    if municipality and (all_asss or every):
        raise ParameterError(
            f"oppgi enten en kommune ({municipality}) eller {'--all' if every else '--all-asss'}, ikke begge"
        )
    if not (spec.municipality or all_asss or every):
        where = f"{config} nevner ingen kommune (municipality:); " if config else ""
        raise ParameterError(f"{where}oppgi en kommune, eller bruk --all-asss, --all eller --config")
    prepare_out(spec.out)
    _start_helpers(spec.formats, single=not (all_asss or every))
    with open_session() as session:
        db = session.store.path
        if spec.municipality and not (all_asss or every):
            _one_report(session, spec)
            return
        # Checked here, so a wrong name fails in one line before any worker starts.
        chosen = [session.service_area(s) for s in spec.sectors] if spec.sectors else None
        session.group(spec.group)
        for peer in spec.compare:
            session.region(peer)
        wanted = [
            i
            for s in chosen or session.catalog.sectors.values()
            if not s.hidden
            for i in session.catalog.indicators_of(s.id)
        ]
        year_for_members = session.resolve_year(wanted, spec.year)
        demodata = session.uses_demodata([i.id for i in wanted], [year_for_members])
        codes = sorted(session.members("asss", year_for_members)) if all_asss else session.municipalities()
    from rich.progress import Progress

    with Progress(console=err) as progress:
        task = progress.add_task("Rapporter", total=len(codes))
        run_batch(
            db,
            codes,
            year=year_for_members,
            group=spec.group,
            peers=spec.compare,
            sectors=spec.sectors,
            formats=spec.formats,
            out=spec.out,
            workers=workers,
            on_done=lambda _m, _p: progress.advance(task),
        )
    out.print(f"Skrev {len(codes) * len(spec.formats)} filer til {spec.out}")
    if demodata:
        _say_demodata(len(codes))


def _one_report(session: api.Session, spec: ReportConfig) -> None:
    """Build one municipality's report and write it in each format asked for."""
    from kostra.outputs.report import build_report, write_report

    assert spec.municipality is not None
    built = build_report(
        session, spec.municipality, spec.year, spec.group, spec.compare, spec.sectors, formats=spec.formats
    )
    if "pdf" in spec.formats:
        from kostra.outputs.report.pdf import start_typesetting

        # Now, not at the start: it imports WeasyPrint while this process waits for the last
        # charts of the print page, instead of taking the drawing process's share of the
        # cores while the report is built (0.1 s sooner, measured).
        start_typesetting()
    for path in write_report(built, spec.formats, spec.out):
        out.print(f"Skrev {path}")
    if built.demodata:
        _say_demodata(1)
