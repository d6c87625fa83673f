"""Run the benchmark suite: `uv run python -m bench --scale full` (or `--scale small`).

It starts the platform in full mode on fresh databases and a fresh broker namespace, measures every
item in one run on this machine, prints a table of ratios against the goals and writes the figures,
with the machine described, to bench/results/<time>-<scale>.json. Exit status 0 when every
measurement ran (met goals or not), 1 when one could not be taken, 2 when PostgreSQL or RabbitMQ is
missing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg

from bench import deployment as platform
from bench import gateway_hop, ingestion, machine, national_metrics, pipeline, report
from bench.memory import RssSampler, components
from bench.scales import SCALES, Scale
from tests.support import infra

ITEMS = ("gateway_hop", "ingestion", "pipeline", "national_metrics")
RESULTS = Path(__file__).resolve().parent / "results"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", default=",".join(ITEMS),
                        help=f"comma-separated items to measure (memory is sampled throughout): {', '.join(ITEMS)}")
    parser.add_argument("--national-referrals", type=int, default=None,
                        help="referrals of the national data set, instead of the scale's (1,000,000 at full)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--keep-work-dir", action="store_true",
                        help="keep the platform's logs and the generator specs (kept anyway when a measurement fails)")
    arguments = parser.parse_args(argv)
    arguments.items = [item.strip() for item in arguments.only.split(",") if item.strip()]
    unknown = set(arguments.items) - set(ITEMS)
    if unknown:
        parser.error(f"unknown items: {', '.join(sorted(unknown))}")
    return arguments


async def _versions() -> tuple[str | None, str | None]:
    connection = await asyncpg.connect(infra.POSTGRES)
    try:
        postgres = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    broker = await aio_pika.connect(infra.AMQP)
    try:
        version = broker.transport.connection.server_properties.get("version")
        rabbitmq = version.decode() if isinstance(version, bytes) else version
    finally:
        await broker.close()
    return postgres, rabbitmq


# Each item's bound in seconds, beyond which the run gives up on it and says so.
def _bound(item: str, scale: Scale) -> float:
    window = scale.warmup_s + scale.duration_s + 60
    return {"gateway_hop": 4 * window + 60, "ingestion": 3 * window + 60,
            "pipeline": 2 * window + 600 + scale.pipeline_events / 20,
            "national_metrics": 900 + scale.national_referrals / 250}[item]


async def _measure(items: list[str], scale: Scale, work_dir: str, sampler: RssSampler,
                   deployment: platform.Deployment) -> tuple[dict[str, Any], dict[str, str]]:
    measurements: dict[str, Any] = {}
    errors: dict[str, str] = {}

    async def take(item: str, run: Any) -> None:
        print(f"measuring {item} ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:
            measurements[item] = await asyncio.wait_for(run, _bound(item, scale))
        except Exception:  # noqa: BLE001 - one failed item is reported and the others still measured
            errors[item] = traceback.format_exc(limit=8)
            print(f"  {item} failed:\n{errors[item]}", file=sys.stderr, flush=True)
            return
        # An item may keep what it measured and say what it could not.
        if measurements[item].get("error"):
            errors[item] = measurements[item]["error"]
            print(f"  {item} incomplete: {errors[item]}", file=sys.stderr, flush=True)
        print(f"  {item} done in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)

    if "gateway_hop" in items:
        await take("gateway_hop", gateway_hop.run(deployment, scale, work_dir, sampler))
    if "ingestion" in items:
        await take("ingestion", ingestion.run(deployment, scale, work_dir, sampler))
    if "pipeline" in items:
        # Half of the peak the platform sustains end to end: a rate its consumers cannot keep up
        # with has no steady lag to measure, only a growing backlog.
        peak = measurements.get("ingestion", {}).get("sustained_rate_per_s")
        if peak is None:
            peak = (await ingestion.run(deployment, scale, work_dir, sampler))["sustained_rate_per_s"]
        await take("pipeline", pipeline.run(deployment, scale, work_dir, sampler, peak))
    if "national_metrics" in items:
        await take("national_metrics", national_metrics.run(deployment, scale, work_dir, sampler))
    return measurements, errors


async def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    scale = SCALES[arguments.scale]
    if arguments.national_referrals is not None:
        scale = replace(scale, national_referrals=arguments.national_referrals)
    missing = await infra.check_services()
    if missing:
        print("the benchmark needs PostgreSQL and RabbitMQ; missing: " + "; ".join(missing), file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    postgres, rabbitmq = await _versions()
    quiet = await machine.idle_check()
    if not quiet["idle"]:
        print(f"warning: the machine is busy before the run ({quiet['cpu_busy_before_start']:.0%} CPU, load "
              f"{quiet['load_average_before_start']}); the figures will not be the platform's alone",
              file=sys.stderr, flush=True)
    work_dir = tempfile.mkdtemp(prefix="vru-bench-")
    sampler = RssSampler()
    print(f"starting the platform (full mode); logs in {work_dir}", file=sys.stderr, flush=True)
    deployment = await platform.start(Path(work_dir))
    measurements: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        for name, pid in components(deployment.platform.process.pid).items():
            sampler.watch(name, pid)
        sampler.start()
        measurements, errors = await _measure(arguments.items, scale, work_dir, sampler, deployment)
    finally:
        await sampler.stop()
        code = await platform.stop(deployment)
        if code != 0:
            errors["shutdown"] = f"the platform exited with {code}"
    measurements["memory"] = sampler.report()
    found = report.lines(measurements)
    result = {
        "schema": "vru-bench/1",
        "scale": scale.name,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "machine": {**machine.describe(postgres_version=postgres, rabbitmq_version=rabbitmq), **quiet,
                    "load_average_after": machine.load_average()},
        "parameters": {key: value for key, value in vars(scale).items()},
        "platform_settings": {"VRU_RATE_LIMIT": platform.RATE_LIMIT,
                              "VRU_UPSTREAM_TIMEOUT_S": platform.UPSTREAM_TIMEOUT_S,
                              "other": "defaults (INFO logs, a fixed pool of 20 per service, prefetch 32, "
                                       "up to 16 messages per consumer transaction, relay batch 200)"},
        "items": arguments.items,
        "summary": report.summary(found),
        "measurements": measurements,
        "errors": errors,
    }
    path = report.write(result, arguments.results_dir)
    print(report.table(found))
    if not quiet["idle"]:
        print(f"\nwarning: the machine was {quiet['cpu_busy_before_start']:.0%} busy before the run started")
    print(f"\nresults: {path}")
    if errors or arguments.keep_work_dir:
        print(f"logs and specs kept in {work_dir}", file=sys.stderr)
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
