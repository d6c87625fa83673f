"""The identity unit of work: organisations, clients and signing keys over one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_identity.adapters.repository import ClientRepository, OrganisationRepository, SigningKeyRepository


class IdentityUnitOfWork(UnitOfWork):
    organisations: OrganisationRepository
    clients: ClientRepository
    signing_keys: SigningKeyRepository

    def start(self, session: AsyncSession) -> None:
        self.organisations = OrganisationRepository(session)
        self.clients = ClientRepository(session)
        self.signing_keys = SigningKeyRepository(session)

    def aggregates(self) -> Iterable[RecordsEvents]:
        # Only organisations publish events; clients and keys stay inside this service.
        return self.organisations.seen
