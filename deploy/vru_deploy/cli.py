"""The `vru` command: run the platform embedded or as separate processes, and fill it with demo data."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from vru_shared import logs
from vru_shared.settings import SERVICES, ConfigurationError, Mode, Settings

from vru_deploy.components import COMPONENTS, build_app, default_port
from vru_deploy.admin_cli import app as admin_app
from vru_deploy.dead_letters_cli import app as dead_letters_app

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(admin_app, name="admin")

HostOpt = Annotated[str, typer.Option(help="Address the gateway listens on.")]
PortOpt = Annotated[int, typer.Option(help="The gateway's port; services take the next three.")]


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        messages = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"configuration error: {messages}", err=True)
        raise typer.Exit(2) from None


@app.command()
def up(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    data_dir: Annotated[Path, typer.Option(help="Where the SQLite files and the generated key live.")] = Path("data"),
) -> None:
    """Run the whole platform in this process: SQLite and the in-process bus (embedded mode)."""
    settings = _settings(mode=Mode.EMBEDDED, data_dir=data_dir)
    logs.configure(settings.log_level, component="embedded")
    typer.echo(f"VRU platform (embedded) on http://{host}:{port}  API docs: http://{host}:{port}/docs", err=True)
    typer.echo(
        f"Administrator credentials (made on the first start): {(data_dir / 'admin-client.json').resolve()}\n"
        f"  get a token: curl -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials "
        f"http://{host}:{port}/v1/auth/token",
        err=True,
    )
    asyncio.run(_run_embedded(settings, host, port))


async def _run_embedded(settings: Settings, host: str, port: int) -> None:
    from vru_deploy.embedded import EmbeddedStartFailed, run_embedded

    try:
        await run_embedded(settings, host=host, port=port)
    except EmbeddedStartFailed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    component: Annotated[str, typer.Argument(help=f"One of: {', '.join(COMPONENTS)}.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port; by default 8000 for the gateway, 8001-8003 for services.")] = None,
) -> None:
    """Run one component in this process, on PostgreSQL and RabbitMQ (full mode)."""
    if component not in COMPONENTS:
        typer.echo(f"unknown component {component!r}; choose one of {', '.join(COMPONENTS)}", err=True)
        raise typer.Exit(2)
    settings = _settings()
    if settings.mode is not Mode.FULL:
        typer.echo("`vru serve` runs one component of the full mode: set VRU_MODE=full (or use `vru up`)", err=True)
        raise typer.Exit(2)
    logs.configure(settings.log_level, component=component)
    try:
        application = build_app(component, settings)
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        application,
        host=host,
        port=port if port is not None else default_port(component, 8000),
        log_config=None,
        access_log=False,
        # The gateway writes X-Forwarded-For itself; uvicorn must not rewrite the client first.
        proxy_headers=component != "gateway",
        timeout_graceful_shutdown=15,
    )


@app.command()
def full(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    create_databases: Annotated[bool, typer.Option(help="Create each service's database if missing.")] = True,
) -> None:
    """Run the gateway and each service as separate processes on PostgreSQL and RabbitMQ."""
    settings = _settings(mode=Mode.FULL)
    logs.configure(settings.log_level, component="supervisor")
    try:
        urls = [settings.database_url(name) for name in SERVICES]
        settings.broker_url()
        settings.pseudonym_secret()
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    if create_databases:
        from vru_deploy.databases import ensure_database

        async def _ensure() -> None:
            for url in urls:
                await ensure_database(url)

        asyncio.run(_ensure())
    from vru_deploy.supervisor import run_full

    raise typer.Exit(run_full(host=host, port=port))


retention_app = typer.Typer(help="Erase personal data past its retention period.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run() -> None:
    """Erase now every subject whose referrals all ended more than the retention period ago."""
    from vru_referrals.bootstrap import run_retention

    settings = _settings()
    logs.configure(settings.log_level, component="retention")
    try:
        run = asyncio.run(run_retention(settings))
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({"subjects_erased": run.subjects_erased, "referrals_erased": run.referrals_erased}))


@app.command("demo-data")
def demo_data(
    url: Annotated[str, typer.Option(help="The gateway of a running platform.")] = "http://127.0.0.1:8000",
    credentials: Annotated[Path | None, typer.Option(
        help="JSON file with an administrator's client_id and client_secret (`vru up` writes "
             "<data dir>/admin-client.json). Default: data/admin-client.json, unless VRU_DEMO_CLIENT_ID and "
             "VRU_DEMO_CLIENT_SECRET are set.")] = None,
    referrals: Annotated[int, typer.Option(min=1, max=100_000, help="How many referrals to make.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 2026,
) -> None:
    """Fill a running platform with a synthetic demo data set through its API, acting as made-up organisations."""
    import os

    from vru_deploy.demo import DemoLoadError, credentials_from, load_demo, read_credentials

    try:
        given = None if credentials is not None else credentials_from(os.environ)
        administrator = given or read_credentials(credentials or Path("data") / "admin-client.json")
    except DemoLoadError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        summary = asyncio.run(load_demo(url, administrator, referrals=referrals, seed=seed))
    except DemoLoadError as exc:
        typer.echo(f"demo data not loaded: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(summary))
