"""The outcomes service's long-running duties, started and stopped with it."""

from __future__ import annotations

import asyncio

from vru_shared import logs
from vru_shared.service import ServiceRuntime

from vru_outcomes.adapters import metric_summary_upkeep

log = logs.get(__name__)

RECOUNT_EVERY_S = 30.0


async def recount_stale_metrics(runtime: ServiceRuntime) -> None:
    """Now and then, recount the summary keys that changes made stale, so that a metric asked
    during heavy ingestion finds little left to recount (a read recounts what is left: never stale)."""
    while True:
        await asyncio.sleep(RECOUNT_EVERY_S)
        try:
            uow = runtime.uow()
            async with uow:
                await metric_summary_upkeep.recount_all(uow.session)
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - the next round, or the next read, recounts them
            log.error("recounting the metric summary failed", error=repr(exc))
