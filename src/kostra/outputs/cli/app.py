"""The ``kostra`` application object, its global options and its one error boundary.

Every command runs inside :class:`ErrorBoundary`: whatever goes wrong ends as one line on
standard error and an exit code, never a traceback (``kostra --debug`` shows it):

- 2: the command line asks for something kostra does not have or cannot parse (an unknown
  option, sector, municipality or group, a year without figures, a port out of range);
- 1: anything else (a bad file, a broken store, SSB failing, a bug);
- 130: interrupted with Ctrl+C.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from kostra.errors import KostraError, ParameterError, os_reason

__all__ = ["ErrorBoundary", "app", "catalog_app", "data_app", "err", "main", "out", "state"]

# Piped output gets a wide page instead of rich's 80 columns, so tables stay readable.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

USAGE = 2
FAILURE = 1
INTERRUPTED = 130

# Click (vendored by Typer from 0.2x on) words its parse errors in English; kostra's users read
# bokmål. The patterns are the message texts of click and of Typer's own parameter checks.
_CLICK_NB = [
    (re.compile(r"No such command '(.+?)'\."), r"ukjent kommando '\1'"),
    (re.compile(r"No such option: (\S+)"), r"ukjent valg \1"),
    (re.compile(r"\s*Did you mean (\S+)\?"), r"; mente du \1?"),
    (re.compile(r"\s*\(Possible options: (.+)\)"), r"; mente du en av \1?"),
    (re.compile(r"Got unexpected extra arguments?(?:\(s\))? \((.+)\)"), r"uventet argument: \1"),
    (re.compile(r"Missing argument '(.+?)'\."), r"mangler argumentet \1"),
    (re.compile(r"Missing option (.+)\."), r"mangler valget \1"),
    (re.compile(r"(?:[Pp]ath|[Ff]ile|[Dd]irectory) ('.+?') is not readable\."), r"\1 kan ikke leses"),
    (re.compile(r"(?:[Pp]ath|[Ff]ile|[Dd]irectory) ('.+?') is not writable\."), r"\1 kan ikke skrives"),
    (re.compile(r"(?:[Pp]ath|[Ff]ile|[Dd]irectory) ('.+?') does not exist\."), r"\1 finnes ikke"),
    (re.compile(r"(?:[Pp]ath|[Ff]ile|[Dd]irectory) ('.+?') is a directory\."), r"\1 er en mappe"),
    (re.compile(r"(?:[Pp]ath|[Ff]ile|[Dd]irectory) ('.+?') is a file\."), r"\1 er en fil"),
    (re.compile(r"Missing parameter: (\S+)"), r"mangler \1"),
    (re.compile(r"Option '(.+?)' requires an argument\."), r"valget \1 trenger en verdi"),
    (re.compile(r"Invalid value for (.+?): "), r"ugyldig verdi for \1: "),
    (re.compile(r"Invalid value: "), r"ugyldig verdi: "),
    (re.compile(r"Value error, "), r""),
    (re.compile(r"Input should be a valid integer[^.;]*"), r"må være et heltall"),
    (re.compile(r"Input should be a valid number[^.;]*"), r"må være et tall"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"må være høyst \1"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"må være minst \1"),
    (re.compile(r"'(.+?)' is not a valid integer( range)?\."), r"'\1' er ikke et heltall"),
    (re.compile(r"'(.+?)' is not a valid float( range)?\."), r"'\1' er ikke et tall"),
    (re.compile(r"(\S+) is not in the range (.+?)\."), r"\1 er utenfor det tillatte området (\2)"),
    (re.compile(r"'(.+?)' is not one of (.+?)\.$"), r"'\1' er ikke ett av \2"),
    (re.compile(r"'(.+?)' is not a valid boolean\."), r"'\1' er ikke ja/nei (true/false)"),
]


def _click_exit_code(exc: BaseException) -> int | None:
    """The exit code of click's and Typer's own errors (2 for bad options and arguments), None
    for any other exception; checked by shape, since Typer vendors its own copy of click."""
    code = getattr(exc, "exit_code", None)
    return code if callable(getattr(exc, "format_message", None)) and isinstance(code, int) else None


def _usage_line(exc: BaseException) -> str:
    """Click's parse error in bokmål, with where to read the command's help."""
    text = str(exc.format_message())  # type: ignore[attr-defined]
    for pattern, replacement in _CLICK_NB:
        text = pattern.sub(replacement, text)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" (se '{ctx.command_path} --help')"
    return " ".join(text.split())


def _say(message: str) -> None:
    # The message is plain text: a bracket in it must not be read as rich markup.
    err.print(Text.assemble(("Feil: ", "red"), message.splitlines()[0] if message else ""), soft_wrap=True)


class _State:
    db: Path | None = None
    groups: Path | None = None
    debug: bool = False


state = _State()


def _exit_code(exc: BaseException) -> int:
    """Say what went wrong in one line and return the exit code (re-raise with --debug)."""
    if isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    code = _click_exit_code(exc)
    if code is not None:
        _say(_usage_line(exc))
        return code
    if isinstance(exc, KeyboardInterrupt | typer.Abort):  # Typer itself turns Ctrl+C into Exit(130)
        err.print("Avbrutt.")
        return INTERRUPTED
    if state.debug:
        raise exc
    if isinstance(exc, ParameterError):
        _say(str(exc))
        return USAGE
    if isinstance(exc, KostraError):
        _say(str(exc))
        return FAILURE
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{os_reason(exc)}")
        return FAILURE
    if isinstance(exc, Exception):
        _say(
            f"uventet feil i kostra ({type(exc).__name__}: {exc}); "
            "kjør kommandoen med 'kostra --debug ...' og meld feilen"
        )
        return FAILURE
    raise exc


class ErrorBoundary(TyperGroup):
    """The one place where the command line turns errors into a line and an exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except BaseException as exc:  # the boundary: every error ends here
            if isinstance(exc, SystemExit):
                raise
            code = _exit_code(exc)
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    cls=ErrorBoundary,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="KOSTRA-analyse for kommuner: tjenesteprofiler mot ASSS, KOSTRA-grupper og landet.",
)
data_app = typer.Typer(no_args_is_help=True, help="Datagrunnlaget: status, import, henting og endringer.")
app.add_typer(data_app, name="data")
catalog_app = typer.Typer(no_args_is_help=True, help="Katalogen: hvor hvert tall kommer fra.")
app.add_typer(catalog_app, name="catalog")


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
    for option, path, example in (("--db", db, "kostra.duckdb"), ("--groups", groups, "naboer.yaml")):
        # An empty or blank name would quietly mean the current folder, or a file called " ".
        if path is not None and not path.name.strip():
            raise ParameterError(f"{option} trenger et filnavn, f.eks. {option} {example}")
    state.db, state.groups, state.debug = db, groups, debug


def main() -> None:
    # A command makes hundreds of thousands of small objects (pandas' frames and indexes) and
    # few reference cycles: at Python's default threshold the collector ran 500 times over
    # them in a report, 0.2 s of its time; at this one some 30 times (cycles are still freed).
    gc.set_threshold(10_000, 10, 10)
    try:
        app(prog_name="kostra")
    except SystemExit as stop:
        _leave(stop.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """End the process as soon as the command is done. Python's own ending frees every object
    one by one, and after a report that took 0.3-0.5 s once its last file was written. Every
    command has closed the store and its files by now; the atexit handlers (the drawing and
    typesetting processes end with them) run here first. Should a thread of the command still
    be running, Python ends as usual, waiting for it."""
    if code is None or isinstance(code, int):
        status = code or 0
    else:  # sys.exit("a message"), shown as Python shows it
        print(code, file=sys.stderr)
        status = 1
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(status)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()  # the end of a CSV or JSON table may still be in the buffer
    except BrokenPipeError:  # `| head` took what it wanted
        pass
    except (OSError, ValueError) as exc:  # a full disk: the output is cut short, say so
        with contextlib.suppress(OSError, ValueError):
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            sys.stderr.write(f"Feil: utdataene ble ikke skrevet ferdig ({reason})\n")
        status = status or FAILURE
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(status)


# ``kostra catalog``'s commands live in their own module; importing it here (after the
# application and its sub-apps exist) registers them wherever the application is imported.
from kostra.outputs.cli import catalog as _catalog_commands  # noqa: E402,F401
