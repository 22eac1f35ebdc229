"""What the command modules share: opening the store, the common options, output helpers."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from kostra.outputs.cli.app import err, out, state

if TYPE_CHECKING:
    # Imported where a command runs, not here: ``kostra --help`` must not wait for pandas.
    import pandas as pd

    from kostra import api

__all__ = [
    "DEMODATA_NOTE",
    "Format",
    "FormatOpt",
    "GroupOpt",
    "MunicipalityArg",
    "SectorOpt",
    "YearOpt",
    "open_session",
    "say_demodata",
    "write_machine_format",
]

DEMODATA_NOTE = (
    "DEMODATA: tabellen bygger helt eller delvis på genererte tall, ikke SSBs. "
    "Kjør 'kostra data status' for å se hvilke."
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


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
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Utdata: table, csv eller json.")]


def open_session() -> api.Session:
    """The store, open for reading, so that commands run beside each other and beside
    ``kostra serve``; a store that must be filled or migrated is first opened for writing,
    and a command that writes (``data import``, ``data fetch``) reopens it for writing when
    its write starts. A store another process holds is waited for, with one line on
    standard error saying which process (``KOSTRA_LOCK_WAIT`` seconds, 30 unless set)."""
    from kostra import api

    def waiting(message: str) -> None:
        err.print(Text(message), soft_wrap=True)

    with err.status("Åpner datalageret …") as status:
        return api.open_for_reading(
            state.db,
            groups=state.groups,
            progress=lambda msg: status.update(msg + " …"),
            on_wait=waiting,
        )


def write_machine_format(frame: pd.DataFrame, fmt: Format) -> bool:
    """Write ``frame`` as CSV or JSON to stdout; False if a table for people is wanted."""
    if fmt is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is Format.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    else:
        return False
    return True


def say_demodata(demodata: bool, fmt: Format) -> None:
    """The DEMODATA mark: under a table for people, on standard error beside CSV or JSON
    (so the data on standard output stays machine-readable)."""
    if not demodata:
        return
    if fmt is Format.table:
        out.print(f"[yellow]{DEMODATA_NOTE}[/yellow]")
    else:
        err.print(f"[yellow]{DEMODATA_NOTE}[/yellow]", soft_wrap=True)
