"""The referrals service as the runtime sees it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from vru_shared import db, logs, migrations
from vru_shared.audit_api import audit_router
from vru_shared.service import ServiceRuntime, ServiceSpec
from vru_shared.settings import Settings

from vru_referrals.adapters import orm
from vru_referrals.domain.pseudonym_keys import PseudonymKeys
from vru_referrals.entrypoints import api, code_lists_api, erasure_api, pseudonym_keys_api
from vru_referrals.service_layer.event_handlers import SUBSCRIPTIONS
from vru_referrals.service_layer.retention import RetentionPolicy, RetentionRun, erase_expired
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork

log = logs.get(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def _collaborators(settings: Settings) -> dict[str, object]:
    # The current key and every retired one: people first seen under a retired key are still found.
    return {"pseudonym_keys": PseudonymKeys(settings.pseudonym_key_version, settings.pseudonym_secrets())}


async def sweep_retention_daily(runtime: ServiceRuntime) -> None:
    """Once a day, erase what outlived the retention period; the first sweep a minute after start."""
    policy = RetentionPolicy()
    await asyncio.sleep(60)
    while True:
        try:
            run = await erase_expired(runtime.uow(), datetime.now(UTC), policy)
            log.info("retention sweep done", subjects_erased=run.subjects_erased, referrals_erased=run.referrals_erased)
        except Exception as exc:  # noqa: BLE001 - a failed sweep is retried tomorrow, the service goes on
            log.error("retention sweep failed", error=repr(exc))
        await asyncio.sleep(24 * 3600)


SPEC = ServiceSpec(
    name="referrals",
    title="VRU referrals",
    description="Referrals from custody, emergency departments, schools and others, their lifecycle, "
                "the erasure of a young person's details, and the code lists of their coded values.",
    default_port=8001,
    metadata=orm.metadata,
    messaging=orm.messaging,
    migrations=MIGRATIONS,
    unit_of_work=ReferralsUnitOfWork,
    # Before api.router, whose /{referral_id} routes would take these paths for a referral's id.
    routers=[erasure_api.router, pseudonym_keys_api.router, api.router, code_lists_api.router,
             audit_router("referrals", orm.audit_trail)],
    subscriptions=SUBSCRIPTIONS,
    start_mappers=orm.start_mappers,
    collaborators=_collaborators,
    background=(sweep_retention_daily,),
)


async def run_retention(settings: Settings, *, now: datetime | None = None,
                        policy: RetentionPolicy | None = None) -> RetentionRun:
    """Erase what outlived the retention period, outside a running service (`vru retention run`).

    The SubjectErased events wait in the outbox; the service's relay publishes them.
    """
    engine = db.create_engine(settings.database_url(SPEC.name))
    try:
        SPEC.start_mappers()
        await migrations.upgrade(engine, MIGRATIONS)
        uow = ReferralsUnitOfWork(db.session_factory(engine), orm.messaging, source=f"/vru/{SPEC.name}")
        return await erase_expired(uow, now or datetime.now(UTC), policy or RetentionPolicy())
    finally:
        await engine.dispose()
