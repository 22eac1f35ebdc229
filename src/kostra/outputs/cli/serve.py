"""``kostra serve``: the web dashboard and JSON API on a local port."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from kostra.errors import ParameterError, os_reason
from kostra.outputs.cli.app import app, out
from kostra.outputs.cli.common import open_session


def _check_address(host: str, port: int) -> None:
    """Bind the address once, so a port in use, a privileged port or an unknown host is one
    line here instead of uvicorn's log and traceback."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        raise ParameterError(f"ukjent adresse {host!r}; bruk f.eks. --host 127.0.0.1") from None
    except OSError as exc:
        reason = os_reason(exc)
        raise ParameterError(
            f"kan ikke lytte på {host}:{port} ({reason}); velg en annen --host eller --port"
        ) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse å lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port (1-65535).")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Antall prosesser.")] = 1,
    rate: Annotated[int, typer.Option(min=1, help="Forespørsler per minutt per klient.")] = 600,
) -> None:
    """Start nettsidene og JSON-API-et (uvicorn); datalageret åpnes bare for lesing."""
    import uvicorn

    _check_address(host, port)
    with open_session() as session:  # fills a new store before the read-only server starts
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
