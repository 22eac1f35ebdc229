"""``kostra catalog``: what the catalog holds, and where its figures come from."""

from __future__ import annotations

from kostra import coverage as coverage_module
from kostra.formatting import format_nb
from kostra.outputs.cli.app import catalog_app, out
from kostra.outputs.cli.common import Format, FormatOpt, YearOpt, open_session, write_machine_format

ORIGIN_NAMES = {"ssb": "SSB", "formula": "Formel", "provider": "Annen kilde", "none": "Uten opphav"}


@catalog_app.command("coverage")
def catalog_coverage(year: YearOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Per tjenesteområde: hvor mange tall som kommer fra SSB, fra en formel, fra en annen
    kilde (KS, medfølgende filer) eller ikke har noe opphav ennå, og hvor mange som har
    ekte tall (ikke demodata) for året."""
    with open_session() as session:
        counts = coverage_module.coverage(session, year)
    if write_machine_format(counts, fmt):
        return
    from rich.table import Table

    when = int(counts["year"].iloc[0]) if len(counts) else year
    table = Table(title=f"Katalogens dekning: opphav per tjenesteområde, ekte tall {when}")
    table.add_column("Tjenesteområde")
    for column in ("Indikatorer", *ORIGIN_NAMES.values(), f"Ekte {when}"):
        table.add_column(column, justify="right")
    for row in counts.itertuples():
        missing = "[yellow]" if row.none else ""
        table.add_row(
            str(row.area_name),
            format_nb(row.indicators, 0),
            format_nb(row.ssb, 0),
            format_nb(row.formula, 0),
            format_nb(row.provider, 0),
            f"{missing}{format_nb(row.none, 0)}",
            format_nb(row.real, 0),
        )
    totals = counts[["indicators", *coverage_module.ORIGINS, "real"]].sum()
    table.add_row(
        "Totalt", *(format_nb(int(totals[c]), 0) for c in ("indicators", *coverage_module.ORIGINS, "real"))
    )
    out.print(table)
    out.print(
        "Annen kilde: tall SSBs tabeller ikke har (KS, medfølgende filer); les dem inn med "
        "'kostra data import FIL --indicator ID'."
    )
