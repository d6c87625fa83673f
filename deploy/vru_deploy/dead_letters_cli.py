"""`vru dead-letters`: list, inspect and replay the messages a service gave up on (full mode)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from vru_shared.bus.dead_letters import DeadLetterMessage, DeadLetters
from vru_shared.settings import SERVICES, ConfigurationError, Settings

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

ServiceOpt = Annotated[str, typer.Option("--service", "-s", help=f"One of: {', '.join(SERVICES)}.")]


def _queue(service: str) -> DeadLetters:
    if service not in SERVICES:
        typer.echo(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}", err=True)
        raise typer.Exit(2)
    settings = Settings()
    try:
        url = settings.broker_url()
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    return DeadLetters(url, prefix=settings.bus_prefix, service=service)


def _summary(message: DeadLetterMessage) -> dict[str, object]:
    return {
        "message_id": message.message_id,
        "event_type": message.event_type,
        "attempts": message.attempts,
        "error": message.error,
        "correlation_id": message.correlation_id,
        "time": message.timestamp.isoformat() if message.timestamp else None,
    }


@app.command("list")
def list_(service: ServiceOpt, limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100) -> None:
    """List a service's dead letters, one JSON object a line; nothing is removed."""
    for message in asyncio.run(_queue(service).list(limit)):
        typer.echo(json.dumps(_summary(message)))


@app.command()
def show(message_id: str, service: ServiceOpt) -> None:
    """Show one dead letter in full: why it failed and the event it carries."""
    found = [m for m in asyncio.run(_queue(service).list(10_000)) if m.message_id == message_id]
    if not found:
        typer.echo(f"no dead letter {message_id} in {service}", err=True)
        raise typer.Exit(1)
    detail = _summary(found[0])
    try:
        detail["event"] = json.loads(found[0].body)
    except ValueError:
        detail["body"] = found[0].body.decode("utf-8", errors="replace")
    typer.echo(json.dumps(detail, indent=2))


@app.command()
def replay(
    service: ServiceOpt,
    message_ids: Annotated[list[str] | None, typer.Argument(help="Ids to replay; none with --all.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter of the service.")] = False,
) -> None:
    """Send dead letters back to their service's queue for another round of attempts."""
    if not message_ids and not all_:
        typer.echo("name the message ids to replay, or pass --all", err=True)
        raise typer.Exit(2)
    replayed = asyncio.run(_queue(service).replay(None if all_ else set(message_ids or ())))
    typer.echo(json.dumps({"replayed": replayed}))
    if message_ids and len(replayed) < len(set(message_ids)):
        missing = sorted(set(message_ids) - set(replayed))
        typer.echo(f"not found: {', '.join(missing)}", err=True)
        raise typer.Exit(1)
