"""`leadq unsubscribe serve`: the one-click unsubscribe endpoint (behind nginx in production)."""

from __future__ import annotations

from typing import Annotated

import typer

from leadq.campaign.unsubscribe_server import make_server
from leadq.db import ensure_schema
from leadq.settings import get_settings

from .console import out

app = typer.Typer(help="The unsubscribe endpoint.", no_args_is_help=True)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind (nginx proxies to it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to bind.")] = 8089,
) -> None:
    """Serve RFC 8058 one-click unsubscribes: POST unsubscribes, GET only shows a confirm form."""
    settings = get_settings()
    ensure_schema(settings)
    server = make_server(settings, host, port)
    out.print(
        f"unsubscribe endpoint on http://{host}:{server.effective_port}/ (public URL: "
        f"{settings.unsubscribe_url or 'LEADQ_UNSUBSCRIBE_URL not set'})",
        highlight=False,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        out.print("stopped")
    finally:
        server.close()
