"""The interventions service as the runtime sees it."""

from __future__ import annotations

from pathlib import Path

from vru_shared.audit_api import audit_router
from vru_shared.service import ServiceSpec

from vru_interventions.adapters import orm
from vru_interventions.entrypoints import enrolments, programmes
from vru_interventions.service_layer import erasure, organisation_events, referral_events
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork

SPEC = ServiceSpec(
    name="interventions",
    title="VRU interventions",
    description="Commissioned programmes and the enrolment of referred young people.",
    default_port=8002,
    metadata=orm.metadata,
    messaging=orm.messaging,
    migrations=Path(__file__).parent / "migrations",
    unit_of_work=InterventionsUnitOfWork,
    routers=[programmes.router, enrolments.router, audit_router("interventions", orm.audit_trail)],
    subscriptions={**referral_events.SUBSCRIPTIONS, **erasure.SUBSCRIPTIONS, **organisation_events.SUBSCRIPTIONS},
    start_mappers=orm.start_mappers,
)
