"""4. Metrics at national scale: a fresh database migrated by the outcomes service's own migrations,
loaded by COPY with N referrals and 10N outcome records, served by an outcomes service process of
its own (it trusts the platform's identity service, so the VRU analyst's real token works), and
asked for the main metrics grouped by programme and financial-year quarter over three years.

Each metric is asked once (its first answer, worked out with nothing kept: reported on its own),
then timed one request at a time (p50, p95): answers the service keeps while nothing under them
changes (adapters.metric_answers). Beside two of them, a hand-written SQL query over the same tables
answers the same question (the same cohort rule and groups), timed the same way: what the database
alone needs; the first answer is set beside it too."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench import deployment as platform
from bench import national_data
from bench.load import REPOSITORY
from bench.scales import Scale
from bench.stats import latency_summary, ratio
from tests.support import infra
from tests.support.processes import free_port_block
from vru_shared import db, migrations

METRICS = (
    "ete.in_ete_at_latest",
    "ete.progressed_from_neet",
    "accommodation.suitable_at_latest",
    "funnel.enrolled",
    "reoffending.proven_binary",
    "timings.referral_to_decision",
    "ethnicity.recording_completeness",
)

# How often a 503 (the service's database away for a moment) is asked again before giving up.
TRANSIENT_RETRIES = 30

# The financial year and quarter of a day: April to March, so shifting back three months makes the
# calendar's year and quarter the financial ones.
_FY = "EXTRACT(YEAR FROM {d} - INTERVAL '3 months')::int"
_Q = "EXTRACT(QUARTER FROM {d} - INTERVAL '3 months')::int"

# Over the same tables as the service, with the facts it keeps on them (see metric_facts).
HAND_SQL = {
    "ete.in_ete_at_latest": f"""
        SELECT c.programme_id, {_FY.format(d='c.start_date')} AS financial_year,
               {_Q.format(d='c.start_date')} AS quarter,
               count(*) FILTER (WHERE c.ete_latest IN ('education', 'employment', 'training')) AS numerator,
               count(c.ete_latest) AS denominator
        FROM cohort c
        WHERE c.start_date >= $1 AND c.start_date < $2
        GROUP BY 1, 2, 3""",  # noqa: S608 - built from the constant fragments above
    "funnel.enrolled": f"""
        SELECT r.programme_id, {_FY.format(d='r.referred_on')} AS financial_year,
               {_Q.format(d='r.referred_on')} AS quarter,
               count(*) FILTER (WHERE r.enrolled_at IS NOT NULL
                                OR EXISTS (SELECT 1 FROM cohort c WHERE c.referral_id = r.referral_id)) AS numerator,
               count(*) AS denominator
        FROM referrals r
        WHERE r.referred_on >= $1 AND r.referred_on < $2
        GROUP BY 1, 2, 3""",  # noqa: S608 - built from the constant fragments above
}


async def run(deployment: platform.Deployment, scale: Scale, work_dir: str, sampler: Any) -> dict[str, Any]:
    from vru_outcomes.bootstrap import SPEC

    sampler.phase = "national_load"
    name = infra.unique("vru_bench_national_")
    url = await infra.create_database(name)
    deployment.extra_databases.append(name)
    engine = db.create_engine(url)
    try:
        await migrations.upgrade(engine, SPEC.migrations)
    finally:
        await engine.dispose()
    data = national_data.NationalData(scale.national_referrals, scale.national_programmes,
                                      today=datetime.now(UTC).date())
    began = time.perf_counter()
    loaded = await national_data.load(platform.plain_dsn(name), data)
    loaded["load_s"] = round(time.perf_counter() - began, 1)
    first, last = data.span.labels()
    start, end = data.span.first, data.span.first.replace(year=data.span.first.year + 3)

    port = free_port_block(size=1)
    prefix = infra.unique("benchm")
    deployment.extra_prefixes.append(prefix)
    env = {**os.environ, **deployment.env, "VRU_OUTCOMES_DATABASE_URL": url, "VRU_BUS_PREFIX": prefix,
           "VRU_IDENTITY_URL": deployment.service_url("identity")}
    log = await asyncio.to_thread(open, os.path.join(work_dir, "national-outcomes.log"), "wb")
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vru_deploy", "serve", "outcomes", "--port", str(port),
        env=env, stdout=log, stderr=asyncio.subprocess.STDOUT, cwd=str(REPOSITORY))
    sampler.watch("outcomes_national", service.pid)
    try:
        base = f"http://127.0.0.1:{port}"
        await platform.wait_ready(base, timeout=120)
        sampler.phase = "national_metrics"
        params = {"from": first, "to": last, "group_by": "programme,period", "granularity": "quarter"}
        api = {}
        async with httpx.AsyncClient(base_url=base, timeout=float(platform.UPSTREAM_TIMEOUT_S)) as http:
            for metric in METRICS:
                api[metric] = await _time_api(http, deployment, metric, params, scale)
        hand: dict[str, Any] = {}
        failure = None
        try:
            connection = await _connect(platform.plain_dsn(name))
            try:
                for metric, sql in HAND_SQL.items():
                    hand[metric] = await _time_sql(connection, sql, start, end, scale)
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The API's figures took long to get: keep them, and say what is missing.
            failure = f"hand-written SQL not measured: {exc!r}"
    finally:
        service.terminate()
        try:
            await asyncio.wait_for(service.wait(), 20)
        except TimeoutError:
            service.kill()
            await service.wait()
        log.close()
    compared = [m for m in hand if "error" not in api[m]]
    refused = [f"{m}: {api[m]['error'][:200]}" for m in api if "error" in api[m]]
    if refused:
        failure = "; ".join(filter(None, [failure, "metrics not answered: " + "; ".join(refused)]))
    return {
        **({"error": failure} if failure else {}),
        "data": {"referrals": scale.national_referrals, "outcome_records": data.outcome_count,
                 "programmes": scale.national_programmes, "enrolments": len(data.enrolments),
                 "from": first, "to": last, **loaded},
        "query": {**params, "caller": "VRU analyst (audience vru)"},
        "api": api,
        "hand_sql": hand,
        "api_to_sql_p95": {m: ratio(api[m]["latency"]["p95_ms"], hand[m]["latency"]["p95_ms"]) for m in compared},
        "first_answer_to_sql_p95": {m: ratio(api[m]["first_answer_ms"], hand[m]["latency"]["p95_ms"])
                                    for m in compared},
        # The hand-written query asks the same question when its totals are the API's.
        "hand_sql_agrees": {m: api[m].get("total") == hand[m]["total"] for m in compared},
    }


async def _connect(dsn: str, patience_s: float = 60) -> asyncpg.Connection:
    """A connection, waiting out a PostgreSQL restart (the fault tests of a shared machine make them)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return await asyncpg.connect(dsn)
        except (OSError, asyncpg.CannotConnectNowError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


async def _time_api(http: httpx.AsyncClient, deployment: platform.Deployment, metric: str,
                    params: dict[str, str], scale: Scale) -> dict[str, Any]:
    timings: list[float] = []
    statuses: dict[str, int] = {}
    cells = total = first_ms = None
    deadline = time.monotonic() + scale.metric_budget_s
    run = retries = 0
    while run <= scale.metric_runs:
        began = time.perf_counter()
        answer = await http.get(f"/v1/metrics/{metric}", params=params, headers=deployment.bearer("vru"))
        elapsed = time.perf_counter() - began
        statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
        if answer.status_code == 503 and retries < TRANSIENT_RETRIES:
            # The service says its database is away for now (a restart on a shared machine): the
            # answer is not a figure of the query, so it is counted but not timed, and asked again.
            retries += 1
            await asyncio.sleep(2)
            continue
        if answer.status_code != 200:
            return {"statuses": statuses, "error": answer.text[:500], "latency": latency_summary(timings)}
        if run == 0:
            # Asked first, nothing was kept: the answer is worked out from the summary or facts.
            first_ms = round(elapsed * 1000, 1)
            body = answer.json()
            cells, total = len(body.get("cells", [])), body.get("total", {})
        else:
            timings.append(elapsed)
        run += 1
        if time.monotonic() > deadline:
            break
    return {"statuses": statuses, "cells": cells, "first_answer_ms": first_ms,
            "total": {"numerator": total.get("numerator"), "denominator": total.get("denominator")} if total else None,
            "latency": latency_summary(timings)}


async def _time_sql(connection: asyncpg.Connection, sql: str, start: Any, end: Any, scale: Scale) -> dict[str, Any]:
    timings: list[float] = []
    rows: list[Any] = []
    deadline = time.monotonic() + scale.metric_budget_s
    for run in range(scale.metric_runs + 1):
        began = time.perf_counter()
        rows = await connection.fetch(sql, start, end)
        if run:
            timings.append(time.perf_counter() - began)
        if time.monotonic() > deadline:
            break
    return {"rows": len(rows), "total": {"numerator": sum(r["numerator"] for r in rows),
                                         "denominator": sum(r["denominator"] for r in rows)},
            "latency": latency_summary(timings)}
