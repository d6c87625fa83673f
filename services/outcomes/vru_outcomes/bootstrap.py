"""The outcomes service as the runtime sees it."""

from __future__ import annotations

from pathlib import Path

from vru_shared.audit_api import audit_router
from vru_shared.service import ServiceSpec

from vru_outcomes.adapters import orm
from vru_outcomes.adapters.metric_answers import MetricAnswers
from vru_outcomes.entrypoints import metrics, outcomes
from vru_outcomes.service_layer.duties import recount_stale_metrics
from vru_outcomes.service_layer.handlers import SUBSCRIPTIONS
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

SPEC = ServiceSpec(
    name="outcomes",
    title="VRU outcomes",
    description="Outcome records against enrolments, and the aggregate metrics over them.",
    default_port=8003,
    metadata=orm.metadata,
    messaging=orm.messaging,
    migrations=Path(__file__).parent / "migrations",
    unit_of_work=OutcomesUnitOfWork,
    routers=[outcomes.router, metrics.router, audit_router("outcomes", orm.audit_trail)],
    subscriptions=SUBSCRIPTIONS,
    start_mappers=orm.start_mappers,
    background=(recount_stale_metrics,),
    # Kept per process and checked against the database on every read, so never stale.
    collaborators=lambda _settings: {"metric_answers": MetricAnswers()},
)
