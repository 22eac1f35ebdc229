"""A rich progress display for ``kostra data fetch``: tables, parts, cells,
requests and retries, live, and a summary table at the end."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kostra.fetching import FetchReport, TableResult
from kostra.formatting import format_nb

__all__ = ["FetchDisplay", "render_fetch_report"]

_STATUS_NB = {"loaded": "lest inn", "unchanged": "uendret", "failed": "feilet", "empty": "tom"}


class FetchDisplay:
    """Implements :class:`kostra.fetching.FetchProgress` with a rich progress bar."""

    def __init__(self, console: Console, tables: int) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.overall = self.progress.add_task("Tabeller", total=tables, info="")
        self.parts = self.progress.add_task("Deler", total=0, info="")
        self.cells = 0
        self.requests = 0
        self.retries = 0

    def __enter__(self) -> FetchDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def table_started(self, table: str, parts: int) -> None:
        self.progress.reset(self.parts, total=parts, description=f"Tabell {table}", info="")

    def part_done(self, table: str, cells: int, requests: int) -> None:
        self.cells += cells
        self.requests = requests
        self.progress.advance(self.parts)
        self._info()

    def retry(self, message: str) -> None:
        self.retries += 1
        self.progress.console.print(f"[yellow]Nytt forsøk:[/yellow] {message}", highlight=False)
        self._info()

    def table_done(self, result: TableResult) -> None:
        self.progress.advance(self.overall)
        self._info()

    def _info(self) -> None:
        self.progress.update(
            self.overall,
            info=f"{format_nb(self.cells, 0)} celler, {format_nb(self.requests, 0)} forespørsler, "
            f"{format_nb(self.retries, 0)} nye forsøk",
        )


def render_fetch_report(report: FetchReport) -> Table:
    table = Table(
        title="Henting fra SSB",
        caption=(
            f"{format_nb(report.requests, 0)} forespørsler, {format_nb(report.retries, 0)} nye forsøk, "
            f"{format_nb(report.cells, 0)} celler. Kilde: Statistisk sentralbyrå (CC BY 4.0)."
        ),
    )
    for column in ("Tabell", "Status", "Tall", "Utgivelse", "Merknad"):
        table.add_column(column, justify="right" if column in ("Tall", "Utgivelse") else "left")
    for result in report.tables:
        colour = {"failed": "red", "unchanged": "dim"}.get(result.status, "green")
        table.add_row(
            result.table,
            f"[{colour}]{_STATUS_NB[result.status]}[/{colour}]",
            format_nb(result.observations, 0),
            "" if result.release_id is None else str(result.release_id),
            result.message,
        )
    return table
