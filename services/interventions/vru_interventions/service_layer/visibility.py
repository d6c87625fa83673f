"""What a caller's organisation may see: a programme's enrolments, contacts and waitlist belong to
the provider organisation that runs it; to any other organisation they do not exist."""

from __future__ import annotations

import uuid

from vru_interventions.domain.enrolments import Enrolment
from vru_interventions.domain.programmes import Programme
from vru_interventions.service_layer.errors import NotFound
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


async def provided_programme(
    uow: InterventionsUnitOfWork, programme_id: uuid.UUID, organisation_id: uuid.UUID
) -> Programme:
    """The programme, if this organisation runs it; `uow` must be open."""
    programme = await uow.programmes.get(programme_id)
    if programme is None or not programme.is_run_by(organisation_id):
        raise NotFound(f"no programme {programme_id}", elsewhere=programme is not None)
    return programme


async def provided_enrolment(
    uow: InterventionsUnitOfWork, enrolment_id: uuid.UUID, organisation_id: uuid.UUID, *, for_update: bool = False
) -> Enrolment:
    """The enrolment, if this organisation runs its programme; `uow` must be open."""
    enrolment = await uow.enrolments.get(enrolment_id, for_update=for_update)
    programme = await uow.programmes.get(enrolment.programme_id) if enrolment is not None else None
    if enrolment is None or programme is None or not programme.is_run_by(organisation_id):
        raise NotFound(f"no enrolment {enrolment_id}", elsewhere=enrolment is not None)
    return enrolment
