"""``kostra serve``: the web dashboard and JSON API on a local port."""

from __future__ import annotations

import ipaddress
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


def _trusted_proxies(value: str | None) -> str | None:
    """The proxies whose ``X-Forwarded-For`` is believed: comma-separated addresses or
    networks (``10.0.0.1``, ``10.0.0.0/8``), or ``*`` for any; None trusts none."""
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ParameterError(
            "--forwarded-allow-ips er tom; gi proxyens adresse (f.eks. 127.0.0.1 eller 10.0.0.0/8), "
            "eller * for alle"
        )
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ParameterError(
                f"--forwarded-allow-ips: {item[:60]!r} er ingen IP-adresse eller nettverk; "
                "bruk f.eks. 127.0.0.1, 10.0.0.0/8 eller *"
            ) from None
    return ",".join(items)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse å lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port (1-65535).")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Antall prosesser.")] = 1,
    rate: Annotated[int, typer.Option(min=1, help="Forespørsler per minutt per klient.")] = 600,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help=(
                "Omvendte proxyer (adresser eller nett, kommaseparert, eller *) som får oppgi klientens "
                "adresse i X-Forwarded-For; grensen per klient gjelder da den adressen. Standard: ingen."
            ),
        ),
    ] = None,
) -> None:
    """Start nettsidene og JSON-API-et (uvicorn); datalageret åpnes bare for lesing."""
    import uvicorn

    trusted = _trusted_proxies(forwarded_allow_ips)
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
        proxy_headers=trusted is not None,
        forwarded_allow_ips=trusted,
        server_header=False,
        log_level="warning",
    )
