"""``slate backlot-emulator``: run the portal emulator on loopback (another interface only if asked).

The emulator's ``/admin`` routes (reset, config: where its signed webhooks go) have no login, so
like the webhook receiver it refuses to listen beyond this machine unless ``--allow-remote`` says
that is meant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slate.settings import _is_loopback, get_settings


def backlot_emulator(
    *,
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    seed: Annotated[bool, typer.Option("--seed", help="Seed a show if the portal is empty.")] = False,
    proxies: Annotated[bool, typer.Option("--proxies", help="With --seed: also encode proxies.")] = False,
    webhook_url: Annotated[str, typer.Option("--webhook-url", help="Where to send signed webhooks.")] = "",
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Database and files folder.")] = None,
    token_ttl: Annotated[int | None, typer.Option("--token-ttl", help="Token lifetime, seconds.")] = None,
    openapi: Annotated[Path | None, typer.Option("--openapi", help="Write OpenAPI JSON, exit.")] = None,
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="Listen on a non-loopback --host (its /admin has no login)."),
    ] = False,
) -> None:
    """Run the partner portal emulator (OpenAPI docs at /docs)."""
    if not allow_remote and not _is_loopback(host):
        typer.echo(
            f"error: the emulator would listen on {host}, exposing /admin/reset and /admin/config to other "
            "hosts; listen on 127.0.0.1, or pass --allow-remote if that is meant",
            err=True,
        )
        raise typer.Exit(2)
    import uvicorn

    from slate.backlot.emulator import EmulatorConfig, create_app, openapi_json
    from slate.backlot.emulator._seed import seed as seed_portal
    from slate.backlot.emulator._state import ApiError

    if openapi is not None:
        openapi.write_text(openapi_json(), encoding="utf-8")
        typer.echo(f"wrote {openapi}")
        return
    overrides: dict[str, object] = {}
    if webhook_url:
        overrides["webhook_url"] = webhook_url
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if token_ttl is not None:
        overrides["token_ttl"] = token_ttl
    config = EmulatorConfig.from_settings(get_settings(), **overrides)
    app = create_app(config)
    if seed:
        try:
            counts = seed_portal(app.state.emulator, with_proxies=proxies)
            typer.echo(f"seeded {counts['requests']} source requests and {counts['assets']} materials")
        except ApiError as exc:
            typer.echo(f"not seeded: {exc.message}")
    typer.echo(f"portal emulator on http://{host}:{port} (docs at /docs), data in {config.data_dir}")
    uvicorn.run(app, host=host, port=port, log_level="warning")
