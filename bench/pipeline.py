"""3. The event pipeline: the outbox relay and the consumers against raw aio-pika, and the lag from
an accepted POST to the outcomes service's projection at half the peak ingestion rate.

Throughput: a backlog of referral-received events is committed to the referrals service's outbox
in one transaction, and the running platform does the rest: its relay publishes them (confirms,
persistent) and the interventions and outcomes services consume them (an inbox row per message, a
unit of work per batch of what the prefetch has delivered, each message acknowledged by hand once
its batch commits). The rates come from the platform's own timestamps (the outbox's
`published_at`, each inbox's `handled_at`), so polling does not blur them.

Lag: referrals are posted through the gateway at a fixed rate; for each, the time the client got
its 201 is compared with the `handled_at` of its event in the outcomes service's inbox (one
machine, one clock).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench import deployment as platform
from bench.ingestion import post_spec
from bench.load import measure, run_module
from bench.scales import Scale
from bench.stats import latency_summary, ratio
from tests.support import infra
from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import Envelope

RECEIVED = ReferralReceived.event_type
CONSUMERS = ("interventions", "outcomes")


def _envelope(programme_id: str, now: datetime) -> Envelope:
    event = ReferralReceived(
        referral_id=uuid.uuid4(), programme_id=uuid.UUID(programme_id), source="custody",
        subject_pseudonym=uuid.uuid4().hex + uuid.uuid4().hex, pseudonym_key_version=1, age_band="15-17",
        sex="female", ethnicity="white_british", ethnicity_group="white", postcode_district="EX1",
        referred_at=now - timedelta(days=1), index_event_at=now - timedelta(days=1, hours=5), received_at=now,
        risk_factors=["weapon_carrying"], lawful_basis="consent",
    )
    return Envelope.wrap(event, source="/vru/referrals", correlation_id=f"bench-{uuid.uuid4().hex[:12]}")


async def run(deployment: platform.Deployment, scale: Scale, work_dir: str, sampler: Any,
              peak_rate: float) -> dict[str, Any]:
    sampler.phase = "pipeline_raw"
    raw = await run_module("bench.raw_bus", {
        "amqp_url": infra.AMQP, "prefix": deployment.prefix, "messages": scale.raw_bus_messages,
        "batch": int(deployment.env.get("VRU_RELAY_BATCH_SIZE", 200)),
        "prefetch": int(deployment.env.get("VRU_BUS_PREFETCH", 32)),
        "body": _envelope(deployment.programme_id, datetime.now(UTC)).model_dump_json(),
    }, work_dir=work_dir, bound_s=120 + scale.raw_bus_messages / 50)
    await quiesce(deployment)
    sampler.phase = "pipeline_backlog"
    backlog = await _backlog(deployment, scale.pipeline_events)
    await quiesce(deployment)
    sampler.phase = "pipeline_lag"
    lag = await _lag(deployment, scale, work_dir, max(1.0, round(peak_rate / 2, 1)))
    return {
        "raw_aio_pika": raw,
        "platform": backlog,
        "lag": lag,
        "relay_publish_ratio": ratio(backlog["relay_publish_per_s"], raw["publish_per_s"]),
        "end_to_end_ratio": ratio(backlog["end_to_end_per_s"], raw["end_to_end_per_s"]),
        "lag_p99_ms": lag["lag"]["p99_ms"],
    }


async def quiesce(deployment: platform.Deployment, timeout: float = 300) -> None:
    """Until nothing is left in an outbox or a queue: earlier load must not be measured again."""
    deadline = time.monotonic() + timeout
    while True:
        pending = 0
        for service in ("referrals", "interventions"):
            connection = await asyncpg.connect(deployment.dsn(service))
            try:
                pending += await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            finally:
                await connection.close()
        for service in CONSUMERS:
            pending += await infra.queue_depth(f"{deployment.prefix}.{service}")
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the platform did not settle within {timeout:.0f} s ({pending} still pending)")
        await asyncio.sleep(0.5)


async def _backlog(deployment: platform.Deployment, count: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    envelopes = [_envelope(deployment.programme_id, now) for _ in range(count)]
    ids = [str(e.id) for e in envelopes]
    rows = [(str(e.id), e.type, e.model_dump_json(), now) for e in envelopes]
    referrals = await asyncpg.connect(deployment.dsn("referrals"))
    consumers = {s: await asyncpg.connect(deployment.dsn(s)) for s in CONSUMERS}
    try:
        await referrals.copy_records_to_table(
            "outbox", records=rows, columns=["event_id", "event_type", "envelope", "created_at"])
        committed = time.time()
        deadline = time.monotonic() + 120 + count / 20
        while True:
            unpublished, last_published = await referrals.fetchrow(
                "SELECT count(*) FILTER (WHERE published_at IS NULL), max(published_at) FROM outbox "
                "WHERE event_id = ANY($1::varchar[])", ids)
            handled = {s: await c.fetchrow("SELECT count(DISTINCT event_id) AS n, min(handled_at) AS first, "
                                           "max(handled_at) AS last FROM inbox WHERE event_id = ANY($1::varchar[])",
                                           ids) for s, c in consumers.items()}
            if unpublished == 0 and all(h["n"] == count for h in handled.values()):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"backlog not through in time: {unpublished} unpublished, "
                                   + ", ".join(f"{s} handled {h['n']}" for s, h in handled.items()))
            await asyncio.sleep(0.2)
    finally:
        await referrals.close()
        for connection in consumers.values():
            await connection.close()

    def since_commit(moment: datetime) -> float:
        return moment.timestamp() - committed

    finished = max(since_commit(h["last"]) for h in handled.values())
    return {
        "events": count,
        "relay_poll_interval_s": float(deployment.env.get("VRU_RELAY_POLL_INTERVAL_S", 0.5)),
        # From the commit: includes up to one poll interval before the relay looks.
        "relay_publish_per_s": round(count / since_commit(last_published), 1),
        "consume_per_s": {s: round(count / max(1e-3, (h["last"] - h["first"]).total_seconds()), 1)
                          for s, h in handled.items()},
        "end_to_end_per_s": round(count / finished, 1),
        "all_handled_after_s": round(finished, 2),
    }


async def _lag(deployment: platform.Deployment, scale: Scale, work_dir: str, rate: float) -> dict[str, Any]:
    started = datetime.now(UTC)
    posted = await measure(post_spec(deployment.gateway + "/v1/referrals", deployment, scale, mode="open",
                                     rate=rate, collect_ids=True), work_dir=work_dir)
    accepted: dict[str, float] = dict(posted.pop("accepted"))
    referrals = await asyncpg.connect(deployment.dsn("referrals"))
    outcomes = await asyncpg.connect(deployment.dsn("outcomes"))
    try:
        events = {row["referral_id"]: row["event_id"] for row in await referrals.fetch(
            "SELECT event_id, envelope::jsonb -> 'data' ->> 'referral_id' AS referral_id FROM outbox "
            "WHERE event_type = $1 AND created_at >= $2", RECEIVED, started)}
        wanted = [events[r] for r in accepted if r in events]
        deadline = time.monotonic() + 120
        while True:
            handled = {row["event_id"]: row["handled_at"] for row in await outcomes.fetch(
                "SELECT event_id, min(handled_at) AS handled_at FROM inbox WHERE event_id = ANY($1::varchar[]) "
                "GROUP BY event_id", wanted)}
            if len(handled) == len(wanted) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await referrals.close()
        await outcomes.close()
    lags = [handled[events[r]].timestamp() - at for r, at in accepted.items() if events.get(r) in handled]
    return {
        "rate_per_s": rate,
        "posts": posted,
        "referrals_accepted": len(accepted),
        "reached_outcomes": len(lags),
        "lag": latency_summary(lags),
        "negative_lags": sum(1 for v in lags if v < 0),
    }
