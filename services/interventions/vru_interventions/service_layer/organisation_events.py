"""Handlers of the identity service's events: the organisations that may run programmes.

They run inside the unit of work the event consumer opens and commits; they do not commit.
A registration and a deactivation may arrive in either order, so each upserts.
"""

from __future__ import annotations

from vru_shared.contracts.identity import OrganisationDeactivated, OrganisationRegistered

from vru_interventions.domain.organisations import Organisation
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


async def remember_organisation(event: OrganisationRegistered, uow: InterventionsUnitOfWork) -> None:
    """Keep the organisation's name and role: a provider may now be named to run programmes."""
    await uow.hold_organisation(event.organisation_id)
    organisation = await uow.organisations.get(event.organisation_id)
    if organisation is None:
        uow.organisations.add(
            Organisation.registered(organisation_id=event.organisation_id, name=event.name, role=event.role)
        )
    else:
        organisation.details_arrived(name=event.name, role=event.role)


async def note_deactivation(event: OrganisationDeactivated, uow: InterventionsUnitOfWork) -> None:
    """A deactivated organisation may no longer be named to run a programme."""
    await uow.hold_organisation(event.organisation_id)
    organisation = await uow.organisations.get(event.organisation_id)
    if organisation is None:
        # Kept rather than retried, so the deactivation cannot be lost if the registration is late.
        uow.organisations.add(Organisation.heard_of_deactivation(event.organisation_id))
    else:
        organisation.deactivate()


SUBSCRIPTIONS = {
    OrganisationRegistered: [remember_organisation],
    OrganisationDeactivated: [note_deactivation],
}
