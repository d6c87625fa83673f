"""Where organisations, clients and signing keys are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_identity.domain.clients import ApiClient
from vru_identity.domain.organisations import Organisation, OrganisationRole
from vru_identity.domain.signing_keys import SigningKey


class OrganisationRepository:
    """Tracks what it hands out, so the organisations' events are published on commit."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: set[Organisation] = set()

    def _track(self, organisation: Organisation | None) -> Organisation | None:
        if organisation is not None:
            self.seen.add(organisation)
        return organisation

    def add(self, organisation: Organisation) -> None:
        self._session.add(organisation)
        self.seen.add(organisation)

    async def get(self, organisation_id: uuid.UUID, *, for_update: bool = False) -> Organisation | None:
        query = select(Organisation).where(Organisation.id == organisation_id)
        if for_update:
            query = query.with_for_update()
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    async def get_by_name_key(self, key: str) -> Organisation | None:
        query = select(Organisation).where(Organisation.name_key == key)
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    async def exists_with_role(self, role: OrganisationRole) -> bool:
        query = select(Organisation.id).where(Organisation.role == role).limit(1)
        return (await self._session.execute(query)).first() is not None

    async def list(
        self, *, role: OrganisationRole | None, active: bool | None, limit: int, offset: int
    ) -> Sequence[Organisation]:
        query = select(Organisation).order_by(Organisation.name_key).limit(limit).offset(offset)
        if role is not None:
            query = query.where(Organisation.role == role)
        if active is not None:
            query = query.where(Organisation.active == active)
        return (await self._session.execute(query)).scalars().all()


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, client: ApiClient) -> None:
        self._session.add(client)

    async def get(self, client_id: str, *, for_update: bool = False) -> ApiClient | None:
        query = select(ApiClient).where(ApiClient.client_id == client_id)
        if for_update:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def of_organisation(self, organisation_id: uuid.UUID) -> Sequence[ApiClient]:
        query = (
            select(ApiClient)
            .where(ApiClient.organisation_id == organisation_id)
            .order_by(ApiClient.created_at, ApiClient.client_id)
        )
        return (await self._session.execute(query)).scalars().all()


class SigningKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, key: SigningKey) -> None:
        self._session.add(key)

    async def not_retired_before(self, cutoff: datetime) -> Sequence[SigningKey]:
        """Keys still in use at `cutoff` or later; older ones are kept as a record only."""
        query = (
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > cutoff))
            .order_by(SigningKey.activated_at, SigningKey.created_at)
        )
        return (await self._session.execute(query)).scalars().all()
