"""Handlers for organisations and their clients: one command in, one unit of work committed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from vru_identity.domain import credentials
from vru_identity.domain.clients import ApiClient
from vru_identity.domain.errors import IllegalTransition
from vru_identity.domain.organisations import Organisation, OrganisationRole, name_key
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.commands import (
    CreateClient,
    DeactivateOrganisation,
    RegisterOrganisation,
    RevokeClient,
    RotateClientSecret,
)
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork

ADMINISTRATORS = "Platform administrators"
BOOTSTRAP_CLIENT = "Bootstrap administrator"


class OrganisationNotFound(LookupError):
    pass


class ClientNotFound(LookupError):
    pass


class DuplicateOrganisation(Exception):
    """Another organisation already has this name (ignoring case and spacing)."""


@dataclass(frozen=True)
class IssuedClient:
    """A client with the secret it was just given: the only moment the secret exists in clear."""

    client: ApiClient
    secret: str = field(repr=False)


def _issue(organisation: Organisation, name: str, authority: Authority, now: datetime) -> IssuedClient:
    if not organisation.active:
        raise IllegalTransition(f"organisation {organisation.id} is deactivated")
    secret = credentials.new_client_secret()
    client = ApiClient.issue(
        client_id=credentials.new_client_id(),
        organisation_id=organisation.id,
        name=name,
        secret_hash=authority.hasher.hash(secret),
        now=now,
    )
    return IssuedClient(client, secret)


async def register_organisation(
    cmd: RegisterOrganisation, uow: IdentityUnitOfWork, authority: Authority
) -> Organisation:
    key = name_key(cmd.name)
    duplicate = f"an organisation named {' '.join(cmd.name.split())!r} already exists"
    async with uow:
        # Two registrations of one name queue here; the unique index is the last word.
        await uow.serialise_on(f"identity-organisation:{key}")
        if await uow.organisations.get_by_name_key(key) is not None:
            raise DuplicateOrganisation(duplicate)
        organisation = Organisation.register(
            organisation_id=uuid.uuid4(), name=cmd.name, role=cmd.role, now=authority.clock()
        )
        uow.organisations.add(organisation)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise DuplicateOrganisation(duplicate) from exc
    return organisation


async def deactivate_organisation(
    cmd: DeactivateOrganisation, uow: IdentityUnitOfWork, authority: Authority
) -> Organisation:
    async with uow:
        organisation = await uow.organisations.get(cmd.organisation_id, for_update=True)
        if organisation is None:
            raise OrganisationNotFound(f"no organisation {cmd.organisation_id}")
        organisation.deactivate(authority.clock())
        await uow.commit()
    return organisation


async def create_client(cmd: CreateClient, uow: IdentityUnitOfWork, authority: Authority) -> IssuedClient:
    async with uow:
        organisation = await uow.organisations.get(cmd.organisation_id)
        if organisation is None:
            raise OrganisationNotFound(f"no organisation {cmd.organisation_id}")
        issued = _issue(organisation, cmd.name, authority, authority.clock())
        uow.clients.add(issued.client)
        await uow.commit()
    return issued


async def rotate_client_secret(cmd: RotateClientSecret, uow: IdentityUnitOfWork, authority: Authority) -> IssuedClient:
    async with uow:
        client = await uow.clients.get(cmd.client_id, for_update=True)
        if client is None:
            raise ClientNotFound(f"no client {cmd.client_id}")
        secret = credentials.new_client_secret()
        client.rotate_secret(authority.hasher.hash(secret), authority.clock(), cmd.grace)
        await uow.commit()
    return IssuedClient(client, secret)


async def revoke_client(cmd: RevokeClient, uow: IdentityUnitOfWork, authority: Authority) -> ApiClient:
    async with uow:
        client = await uow.clients.get(cmd.client_id, for_update=True)
        if client is None:
            raise ClientNotFound(f"no client {cmd.client_id}")
        client.revoke(authority.clock())
        await uow.commit()
    return client


async def bootstrap_administrator(
    uow: IdentityUnitOfWork, authority: Authority, keep: Callable[[IssuedClient], None]
) -> IssuedClient | None:
    """On a platform with no administrator organisation, make one and a client for it.

    `keep` receives the credentials before anything commits: if it fails nothing is created
    and the next start tries again, so the one copy of the secret cannot be lost.
    """
    async with uow:
        if await uow.organisations.exists_with_role(OrganisationRole.ADMINISTRATOR):
            return None
        now = authority.clock()
        organisation = Organisation.register(
            organisation_id=uuid.uuid4(), name=ADMINISTRATORS, role=OrganisationRole.ADMINISTRATOR, now=now
        )
        uow.organisations.add(organisation)
        # The client's row refers to this one; with no mapped relationship between them the
        # session would not know to insert the organisation first.
        await uow.session.flush()
        issued = _issue(organisation, BOOTSTRAP_CLIENT, authority, now)
        uow.clients.add(issued.client)
        keep(issued)
        await uow.commit()
    return issued


# The identity service consumes no events; it is the source of organisations.
SUBSCRIPTIONS: dict = {}
