"""HTTP routes for administering organisations and their API clients."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_identity.domain.errors import IllegalTransition, InvalidInput
from vru_identity.domain.organisations import OrganisationRole
from vru_identity.entrypoints.deps import AuthorityDep, CallerDep, UowDep
from vru_identity.entrypoints.schemas import (
    ClientIn,
    ClientList,
    ClientOut,
    ClientWithSecret,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    RotateSecretIn,
)
from vru_identity.service_layer import handlers
from vru_identity.service_layer.commands import (
    CreateClient,
    DeactivateOrganisation,
    RegisterOrganisation,
    RevokeClient,
    RotateClientSecret,
)

organisations = APIRouter(prefix="/v1/organisations", tags=["organisations"], responses=PROBLEM_RESPONSES)
clients = APIRouter(prefix="/v1/clients", tags=["clients"], responses=PROBLEM_RESPONSES)


def _invalid(exc: InvalidInput, pointer: str) -> Problem:
    return Problem(422, str(exc), kind="validation-error", title="Invalid request",
                   errors=[InvalidParam(pointer=pointer, detail=str(exc))])


@organisations.post("", status_code=status.HTTP_201_CREATED, response_model=OrganisationOut)
async def register_organisation(
    body: OrganisationIn, uow: UowDep, authority: AuthorityDep, caller: CallerDep, response: Response
) -> OrganisationOut:
    """Register an organisation with its role."""
    try:
        organisation = await handlers.register_organisation(RegisterOrganisation(body.name, body.role), uow, authority)
    except InvalidInput as exc:
        raise _invalid(exc, "/body/name") from exc
    except handlers.DuplicateOrganisation as exc:
        raise Problem(409, str(exc), kind="duplicate-organisation", title="Organisation exists") from exc
    response.headers["Location"] = f"/v1/organisations/{organisation.id}"
    return OrganisationOut.of(organisation)


@organisations.get("", response_model=OrganisationPage)
async def list_organisations(
    uow: UowDep,
    caller: CallerDep,
    role: OrganisationRole | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OrganisationPage:
    """List organisations by name."""
    async with uow:
        found = await uow.organisations.list(role=role, active=active, limit=limit, offset=offset)
    return OrganisationPage(items=[OrganisationOut.of(o) for o in found], limit=limit, offset=offset)


@organisations.get("/{organisation_id}", response_model=OrganisationOut)
async def get_organisation(organisation_id: uuid.UUID, uow: UowDep, caller: CallerDep) -> OrganisationOut:
    """Read one organisation."""
    async with uow:
        organisation = await uow.organisations.get(organisation_id)
    if organisation is None:
        raise Problem(404, f"no organisation {organisation_id}")
    return OrganisationOut.of(organisation)


@organisations.post("/{organisation_id}/deactivate", response_model=OrganisationOut)
async def deactivate_organisation(
    organisation_id: uuid.UUID, uow: UowDep, authority: AuthorityDep, caller: CallerDep
) -> OrganisationOut:
    """Deactivate an organisation: its clients get no more tokens (issued ones run until they expire)."""
    try:
        organisation = await handlers.deactivate_organisation(DeactivateOrganisation(organisation_id), uow, authority)
    except handlers.OrganisationNotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    return OrganisationOut.of(organisation)


@organisations.post("/{organisation_id}/clients", status_code=status.HTTP_201_CREATED, response_model=ClientWithSecret)
async def create_client(
    organisation_id: uuid.UUID, body: ClientIn, uow: UowDep, authority: AuthorityDep, caller: CallerDep,
    response: Response,
) -> ClientWithSecret:
    """Create an API client; its secret is in this answer only, so keep it now."""
    # No cache, and no idempotency replay, may keep a secret.
    response.headers["Cache-Control"] = "no-store"
    try:
        issued = await handlers.create_client(CreateClient(organisation_id, body.name), uow, authority)
    except handlers.OrganisationNotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="organisation-deactivated", title="Organisation deactivated") from exc
    except InvalidInput as exc:
        raise _invalid(exc, "/body/name") from exc
    return ClientWithSecret.issued(issued.client, issued.secret)


@organisations.get("/{organisation_id}/clients", response_model=ClientList)
async def list_clients(organisation_id: uuid.UUID, uow: UowDep, caller: CallerDep) -> ClientList:
    """List an organisation's clients (never their secrets)."""
    async with uow:
        organisation = await uow.organisations.get(organisation_id)
        found = await uow.clients.of_organisation(organisation_id)
    if organisation is None:
        raise Problem(404, f"no organisation {organisation_id}")
    return ClientList(items=[ClientOut.of(c) for c in found])


@clients.post("/{client_id}/rotate-secret", response_model=ClientWithSecret)
async def rotate_client_secret(
    client_id: str, uow: UowDep, authority: AuthorityDep, caller: CallerDep, response: Response,
    body: RotateSecretIn | None = None,
) -> ClientWithSecret:
    """Give a client a new secret; the old one keeps working for the grace period (24 h by default)."""
    response.headers["Cache-Control"] = "no-store"
    grace = timedelta(hours=(body or RotateSecretIn()).grace_hours)
    try:
        issued = await handlers.rotate_client_secret(RotateClientSecret(client_id, grace), uow, authority)
    except handlers.ClientNotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidInput as exc:
        raise _invalid(exc, "/body/grace_hours") from exc
    return ClientWithSecret.issued(issued.client, issued.secret)


@clients.post("/{client_id}/revoke", response_model=ClientOut)
async def revoke_client(client_id: str, uow: UowDep, authority: AuthorityDep, caller: CallerDep) -> ClientOut:
    """Revoke a client at once; tokens it already holds stay valid until they expire."""
    try:
        client = await handlers.revoke_client(RevokeClient(client_id), uow, authority)
    except handlers.ClientNotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    return ClientOut.of(client)
