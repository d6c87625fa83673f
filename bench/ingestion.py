"""2. Ingestion in full mode: sustained authenticated POST /v1/referrals through the gateway, beside
two ceilings measured in the same run with the same load: a minimal FastAPI app answering the same
POST, and PostgreSQL taking single-row INSERTs of a referral row's size, one transaction each."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import asyncpg

from bench import cpu
from bench import deployment as platform
from bench.load import REPOSITORY, measure
from bench.scales import Scale
from bench.stats import ratio
from tests.support import infra
from tests.support.processes import free_port_block


def post_spec(url: str, deployment: platform.Deployment, scale: Scale, **mode: Any) -> dict[str, Any]:
    return {"method": "POST", "url": url, "expect": [201],
            "headers": {**deployment.bearer("referrer"), "Content-Type": "application/json"},
            "body": platform.referral_template(deployment.programme_id),
            "warmup_s": scale.warmup_s, "duration_s": scale.duration_s, **mode}


async def run(deployment: platform.Deployment, scale: Scale, work_dir: str, sampler: Any) -> dict[str, Any]:
    sampler.phase = "ingestion_saturated"
    closed = {"mode": "closed", "concurrency": scale.concurrency}
    supervisor = deployment.platform.process.pid
    referred_before = await _count(deployment, "referrals", "SELECT count(*) FROM referrals")
    cpu_before = cpu.snapshot(supervisor, deployment.databases)
    began = time.monotonic()
    through_gateway = await measure(post_spec(deployment.gateway + "/v1/referrals", deployment, scale, **closed),
                                    work_dir=work_dir)
    # The consumers finish after the last answer: their share is counted once they have.
    await _settled(deployment)
    settled_after_s = time.monotonic() - began
    cpu_after = cpu.snapshot(supervisor, deployment.databases)
    referred = await _count(deployment, "referrals", "SELECT count(*) FROM referrals") - referred_before
    sampler.phase = "ceilings"
    fastapi_ceiling = await _raw_fastapi(deployment, scale, work_dir, closed)
    row_bytes = await _referral_row_bytes(deployment)
    postgres_ceiling = await _raw_postgres(scale, work_dir, row_bytes)
    rate = through_gateway["throughput_per_s"]
    return {
        "request": "POST /v1/referrals (custody source, a new young person each) as a referrer, via the gateway",
        "through_gateway": through_gateway,
        "raw_fastapi": fastapi_ceiling,
        "raw_postgres": postgres_ceiling,
        "rate_per_s": rate,
        # What the platform carries end to end: the referrals made (warm-up included) over the time
        # until the last of their events was handled downstream (a little under: the settling is
        # noticed up to a second late). The window's rate is higher while the consumers fall behind.
        "sustained_rate_per_s": round(referred / settled_after_s, 1),
        "p99_ms": through_gateway["latency"]["p99_ms"],
        "ratio_to_raw_fastapi": ratio(rate, fastapi_ceiling["throughput_per_s"]),
        "ratio_to_raw_postgres": ratio(rate, postgres_ceiling["throughput_per_s"]),
        # Everything one referral cost, by process, until its events were handled downstream.
        "cpu_ms_per_referral": cpu.per_request(cpu_before, cpu_after, referred),
        "referrals_made": referred,
    }


async def _count(deployment: platform.Deployment, service: str, sql: str) -> int:
    connection = await asyncpg.connect(deployment.dsn(service))
    try:
        return int(await connection.fetchval(sql))
    finally:
        await connection.close()


async def _settled(deployment: platform.Deployment, timeout_s: float = 120) -> None:
    """Until the outbox is published and the consumers' inboxes have stopped growing for a second."""
    deadline = time.monotonic() + timeout_s
    last: tuple[int, ...] | None = None
    while time.monotonic() < deadline:
        now = (
            await _count(deployment, "referrals", "SELECT count(*) FROM outbox WHERE published_at IS NULL"),
            await _count(deployment, "interventions", "SELECT count(*) FROM inbox"),
            await _count(deployment, "outcomes", "SELECT count(*) FROM inbox"),
        )
        if now[0] == 0 and now == last:
            return
        last = now
        await asyncio.sleep(1)


async def _raw_fastapi(deployment: platform.Deployment, scale: Scale, work_dir: str,
                       closed: dict[str, Any]) -> dict[str, Any]:
    port = free_port_block(size=1)
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "bench.raw_app:app", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", cwd=str(REPOSITORY),
    )
    try:
        await platform.wait_ready_port(port)
        return await measure(post_spec(f"http://127.0.0.1:{port}/v1/referrals", deployment, scale, **closed),
                             work_dir=work_dir)
    finally:
        server.terminate()
        try:
            await asyncio.wait_for(server.wait(), 10)
        except TimeoutError:
            server.kill()
            await server.wait()


async def _referral_row_bytes(deployment: platform.Deployment) -> int:
    connection = await asyncpg.connect(deployment.dsn("referrals"))
    try:
        size = await connection.fetchval("SELECT avg(pg_column_size(r.*))::int FROM referrals r")
    finally:
        await connection.close()
    return int(size or 1000)


async def _raw_postgres(scale: Scale, work_dir: str, row_bytes: int) -> dict[str, Any]:
    name = infra.unique("vru_bench_raw_")
    await infra.create_database(name)
    try:
        connection = await asyncpg.connect(platform.plain_dsn(name))
        try:
            # A uuid key like the services' and a text column filling the rest of the row.
            await connection.execute("CREATE TABLE rows (id uuid PRIMARY KEY, body text NOT NULL)")
        finally:
            await connection.close()
        spec = {"kind": "pg", "dsn": platform.plain_dsn(name), "sql": "INSERT INTO rows (id, body) VALUES ($1, $2)",
                "row_bytes": max(1, row_bytes - 40), "concurrency": scale.pg_connections,
                "warmup_s": scale.warmup_s, "duration_s": scale.duration_s}
        return {**await measure(spec, work_dir=work_dir), "row_bytes_measured": row_bytes}
    finally:
        await infra.drop_database(name)
