"""All municipalities at once: ``kostra rank``, ``dea``, ``similar`` and ``groups``."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, cast

import typer

from kostra.formatting import format_nb
from kostra.outputs.cli.app import app, out
from kostra.outputs.cli.common import (
    Format,
    FormatOpt,
    MunicipalityArg,
    SectorOpt,
    YearOpt,
    open_session,
    say_demodata,
    write_machine_format,
)

if TYPE_CHECKING:
    # Imported where a command runs, not here: ``kostra --help`` must not wait for pandas.
    import pandas as pd
    from rich.table import Table


class Rule(StrEnum):
    average = "average"
    percentile = "percentile"


LimitOpt = Annotated[int, typer.Option(min=1, help="Vis de N første.")]


def _table(title: str, columns: dict[str, str]) -> Table:
    """A rich table with the given columns, each "left" or "right" aligned."""
    from rich.table import Table

    table = Table(title=title)
    for column, justify in columns.items():
        table.add_column(column, justify="right" if justify == "right" else "left")
    return table


def _explain(detail: dict[str, object], fmt: Format) -> None:
    figures = cast("pd.DataFrame", detail["figures"])
    demodata = bool(detail["demodata"])
    if write_machine_format(figures, fmt):
        say_demodata(demodata, fmt)
        return
    previous = detail["previous_rank"]
    place = "ikke rangert" if detail["rank"] is None else f"plass {detail['rank']} av {detail['of']}"
    out.print(
        f"{detail['municipality']}: {place} i {str(detail['sector_name']).lower()} "
        f"{detail['year']} (poeng {format_nb(cast(float, detail['score']), 2)}"
        + (f"; plass {previous} året før)" if previous else ")")
    )
    table = _table(
        "Nøkkeltallene, størst bidrag først",
        {
            "Tjenesteområde": "left",
            "Nøkkeltall": "left",
            "Verdi": "right",
            "Poeng": "right",
            "Bidrag": "right",
        },
    )
    for row in figures.itertuples():
        table.add_row(
            str(row.sector_name),
            str(row.indicator),
            format_nb(row.value, 2),
            format_nb(row.score, 2),
            format_nb(row.contribution, 2),
        )
    out.print(table)
    say_demodata(demodata, fmt)


@app.command()
def rank(
    year: YearOpt = None,
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="Bare dette tjenesteområdet.")] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", "-m", help="Vis én kommunes plassering.")
    ] = None,
    rule: Annotated[
        Rule, typer.Option(help="Poengregel: average (fra 2019) eller percentile (til 2018).")
    ] = Rule.average,
    limit: Annotated[int, typer.Option(min=1, help="Vis de N beste.")] = 30,
    fmt: FormatOpt = Format.table,
) -> None:
    """Kommunebarometer-rangering: poeng 1-6 per nøkkeltall, vektet per sektor og totalt."""
    import pandas as pd

    from kostra.comparisons import ranked_sector

    with open_session() as session:
        sector_id = ranked_sector(session, sector)
        if municipality:
            _explain(session.explain_rank(municipality, sector_id, year), fmt)
            return
        _, sectors = session.rank(year, rule.value)
    demodata = bool(sectors.attrs.get("demodata"))
    chosen = sectors[sectors["sector"] == sector_id].sort_values("rank", kind="stable")
    if write_machine_format(chosen, fmt):
        say_demodata(demodata, fmt)
        return
    name = str(chosen["sector_name"].iloc[0])
    table = _table(
        f"Rangering {name.lower()} {int(chosen['year'].iloc[0])} "
        "(kostras beregning etter Kommunal Rapports metode)",
        {"Plass": "right", "Kommune": "left", "Poeng": "right", "Andel nøkkeltall med tall": "right"},
    )
    for row in chosen.head(limit).itertuples():
        table.add_row(
            "" if pd.isna(row.rank) else str(row.rank),
            str(row.region),
            format_nb(row.score, 2),
            format_nb(100 * row.share_with_data, 0) + " %",
        )
    out.print(table)
    say_demodata(demodata, fmt)


@app.command()
def dea(sector: SectorOpt, year: YearOpt = None, limit: LimitOpt = 30, fmt: FormatOpt = Format.table) -> None:
    """DEA-effektivitet (inputorientert, variabel skala) for alle kommuner i et tjenesteområde."""
    with open_session() as session:
        result = session.dea(sector, year)
        sector_name = session.catalog.sectors[result.attrs["sector"]].name_nb
    demodata = bool(result.attrs.get("demodata"))
    if write_machine_format(result, fmt):
        say_demodata(demodata, fmt)
        return
    placed = result[result["efficiency"].notna()]
    table = _table(
        f"DEA-effektivitet {sector_name.lower()} {int(result['year'].iloc[0])}: "
        f"{len(placed)} av {len(result)} kommuner",
        {"Kommune": "left", "Effektivitet": "right", "Forbilder": "left"},
    )
    names = result.set_index("region_code")["region"]
    for row in placed.head(limit).itertuples():
        peers = ", ".join(str(names.get(p, p)) for p in str(row.peers).split(",") if p)
        table.add_row(str(row.region), format_nb(row.efficiency, 3), peers)
    out.print(table)
    say_demodata(demodata, fmt)
    left_out = result[result["efficiency"].isna()]
    if len(left_out):
        shown = "; ".join(f"{r.region} (mangler {r.missing})" for r in left_out.head(10).itertuples())
        more = f" og {len(left_out) - 10} til" if len(left_out) > 10 else ""
        count = f"{len(left_out)} kommune" + ("r" if len(left_out) > 1 else "")
        out.print(f"Ikke med fordi tall mangler ({count}): {shown}{more}.")


@app.command()
def similar(
    municipality: MunicipalityArg,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="Antall kommuner.")] = 10,
    year: YearOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Kommunene som ligner mest: folketall, alderssammensetning, frie inntekter og utgiftsbehov."""
    with open_session() as session:
        found = session.similar(municipality, count, year)
    demodata = bool(found.attrs.get("demodata"))
    if not write_machine_format(found, fmt):
        table = _table(
            f"Kommunene som ligner mest, {found.attrs['year']}",
            {"Nummer": "left", "Kommune": "left", "Avstand": "right"},
        )
        for row in found.itertuples():
            table.add_row(str(row.region_code), str(row.region), format_nb(row.distance, 2))
        out.print(table)
    say_demodata(demodata, fmt)


@app.command("groups")
def list_groups(year: YearOpt = None) -> None:
    """Sammenligningsgruppene og medlemmene deres i et år."""
    with open_session() as session:
        when = session.resolve_year([session.catalog.indicators["pop_total"]], year, "folketall")
        table = _table(f"Sammenligningsgrupper {when}", {"Id": "left", "Navn": "left", "Medlemmer": "left"})
        names = session.regions.set_index("code")["name"]
        for group in session.groups.values():
            members = session.members(group.id, when)
            shown = (
                ", ".join(sorted(str(names.get(c, c)) for c in members))
                if len(members) <= 15
                else f"{len(members)} kommuner"
            )
            table.add_row(group.id, group.name_nb, shown)
    out.print(table)
