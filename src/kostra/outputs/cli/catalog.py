"""``kostra catalog``: what the catalog holds, and where its figures come from."""

from __future__ import annotations

from kostra.formatting import format_nb
from kostra.outputs.cli.app import catalog_app, out
from kostra.outputs.cli.common import Format, FormatOpt, YearOpt, open_session, write_machine_format

ORIGIN_NAMES = {"ssb": "SSB", "formula": "Formel", "provider": "Annen kilde", "none": "Uten opphav"}


@catalog_app.command("coverage")
def catalog_coverage(year: YearOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Per tjenesteområde: hvor mange tall som kommer fra SSB, fra en formel, fra en annen
    kilde (KS, medfølgende filer) eller ikke har noe opphav ennå, og hvor mange som har
    ekte tall (ikke demodata) for året."""
    from kostra import coverage as coverage_module

    with open_session() as session:
        counts = coverage_module.coverage(session, year)
    if write_machine_format(counts, fmt):
        return
    from rich.table import Table

    when = int(counts["year"].iloc[0]) if len(counts) else year
    table = Table(title=f"Katalogens dekning: opphav per tjenesteområde, ekte tall {when}")
    table.add_column("Tjenesteområde")
    for column in ("Tall", *ORIGIN_NAMES.values(), "Fra SSB", f"Ekte {when}"):
        table.add_column(column, justify="right")
    columns = ("indicators", *coverage_module.ORIGINS, "from_ssb", "real")
    areas = counts[counts["area"] != coverage_module.BASIS_AREA]
    for row in areas.itertuples():
        missing = "[yellow]" if row.none else ""
        cells = [format_nb(getattr(row, c), 0) for c in columns]
        cells[4] = f"{missing}{cells[4]}"
        table.add_row(str(row.area_name), *cells)
    totals = areas[list(columns)].sum()
    table.add_row("Totalt", *(format_nb(int(totals[c]), 0) for c in columns), end_section=True)
    for row in counts[counts["area"] == coverage_module.BASIS_AREA].itertuples():
        table.add_row(str(row.area_name), *(format_nb(getattr(row, c), 0) for c in columns))
    out.print(table)
    out.print(
        "Tall: profilrader, antall og grunnlagstall. Fra SSB: SSBs tabeller, SSBs befolkning "
        "eller en formel over slike tall; befolkningen følger med kostra (SSB tabell 07459, summert "
        "over alder) og står derfor under Annen kilde, men regnes som Fra SSB. Annen kilde: tall "
        "SSBs tabeller ikke har (KS, KDD, Udir); les dem inn med 'kostra data import FIL --indicator ID'."
    )
