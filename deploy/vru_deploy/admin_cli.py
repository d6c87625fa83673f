"""`vru admin`: organisations, API clients and token signing keys, straight on the identity
database (migrated first). Every command prints JSON; a client secret is printed once only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from vru_shared import db, migrations
from vru_shared.settings import ConfigurationError, Settings

from vru_identity.bootstrap import SPEC
from vru_identity.domain.errors import IllegalTransition, InvalidInput
from vru_identity.domain.organisations import OrganisationRole
from vru_identity.entrypoints.schemas import ClientOut, ClientWithSecret, OrganisationOut, SigningKeyOut
from vru_identity.entrypoints.startup import token_url
from vru_identity.service_layer import handlers, signing
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.commands import (
    CreateClient,
    DeactivateOrganisation,
    RegisterOrganisation,
    RevokeClient,
    RotateClientSecret,
    RotateSigningKey,
)
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

T = TypeVar("T")
Uows = Callable[[], IdentityUnitOfWork]

# What the operator did wrong, said on stderr with exit status 1; the database is unchanged.
_REFUSALS = (
    handlers.OrganisationNotFound,
    handlers.ClientNotFound,
    handlers.DuplicateOrganisation,
    IllegalTransition,
    InvalidInput,
)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"configuration error: {messages}", err=True)
        raise typer.Exit(2) from None


def _run(action: Callable[[Uows, Authority, Settings], Awaitable[T]]) -> T:
    settings = _settings()
    try:
        url = settings.database_url(SPEC.name)
        authority = Authority.from_settings(settings)
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None

    async def run() -> T:
        SPEC.start_mappers()
        engine = db.create_engine(url, pool_size=1)
        try:
            await migrations.upgrade(engine, SPEC.migrations)
            sessions = db.session_factory(engine)

            def uow() -> IdentityUnitOfWork:
                # Events go to the outbox; the identity service's relay publishes them.
                return IdentityUnitOfWork(sessions, SPEC.messaging, source=f"/vru/{SPEC.name}")

            return await action(uow, authority, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except _REFUSALS as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _print(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2))


@app.command("create-organisation")
def create_organisation(
    name: str,
    role: Annotated[OrganisationRole, typer.Option(help="Decides the scopes of its clients' tokens.")],
) -> None:
    """Register an organisation."""

    async def act(uow: Uows, authority: Authority, _settings: Settings) -> OrganisationOut:
        organisation = await handlers.register_organisation(RegisterOrganisation(name, role), uow(), authority)
        return OrganisationOut.of(organisation)

    _print(_run(act).model_dump(mode="json"))


@app.command("list-organisations")
def list_organisations(
    role: Annotated[OrganisationRole | None, typer.Option(help="Only organisations with this role.")] = None,
) -> None:
    """List every organisation, by name."""

    async def act(uows: Uows, _authority: Authority, _settings: Settings) -> list[OrganisationOut]:
        found: list[OrganisationOut] = []
        async with uows() as uow:
            while batch := await uow.organisations.list(role=role, active=None, limit=200, offset=len(found)):
                found.extend(OrganisationOut.of(o) for o in batch)
        return found

    _print([o.model_dump(mode="json") for o in _run(act)])


@app.command("deactivate-organisation")
def deactivate_organisation(organisation_id: uuid.UUID) -> None:
    """Deactivate an organisation: its clients get no more tokens; issued tokens run until they expire."""

    async def act(uow: Uows, authority: Authority, _settings: Settings) -> OrganisationOut:
        cmd = DeactivateOrganisation(organisation_id)
        return OrganisationOut.of(await handlers.deactivate_organisation(cmd, uow(), authority))

    _print(_run(act).model_dump(mode="json"))


@app.command("create-client")
def create_client(
    organisation_id: uuid.UUID,
    name: Annotated[str, typer.Option(help="What system will use the client.")],
) -> None:
    """Create an API client for an organisation; its secret is printed this once."""

    async def act(uow: Uows, authority: Authority, settings: Settings) -> dict[str, Any]:
        issued = await handlers.create_client(CreateClient(organisation_id, name), uow(), authority)
        out = ClientWithSecret.issued(issued.client, issued.secret).model_dump(mode="json")
        return {**out, "token_url": token_url(settings)}

    _print(_run(act))


@app.command("rotate-secret")
def rotate_secret(
    client_id: str,
    grace_hours: Annotated[float, typer.Option(min=0, max=720, help="How long the old secret keeps working.")] = 24,
) -> None:
    """Give a client a new secret (printed this once); the old one works for the grace period."""

    async def act(uow: Uows, authority: Authority, _settings: Settings) -> ClientWithSecret:
        cmd = RotateClientSecret(client_id, timedelta(hours=grace_hours))
        issued = await handlers.rotate_client_secret(cmd, uow(), authority)
        return ClientWithSecret.issued(issued.client, issued.secret)

    _print(_run(act).model_dump(mode="json"))


@app.command("revoke-client")
def revoke_client(client_id: str) -> None:
    """Revoke a client at once; tokens it already holds stay valid until they expire."""

    async def act(uow: Uows, authority: Authority, _settings: Settings) -> ClientOut:
        return ClientOut.of(await handlers.revoke_client(RevokeClient(client_id), uow(), authority))

    _print(_run(act).model_dump(mode="json"))


@app.command("rotate-signing-key")
def rotate_signing_key(
    activation_delay: Annotated[
        int, typer.Option(min=0, max=86_400, help="Seconds between publishing the new key and signing with it.")
    ] = 60,
) -> None:
    """Add a token signing key: published at once, signing after the delay, when the current one retires."""

    async def act(uow: Uows, authority: Authority, _settings: Settings) -> SigningKeyOut:
        cmd = RotateSigningKey(timedelta(seconds=activation_delay))
        key = await signing.rotate_signing_key(cmd, uow(), authority)
        return SigningKeyOut.of(key, authority.clock())

    _print(_run(act).model_dump(mode="json"))
