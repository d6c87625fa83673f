"""The platform under measurement: `vru full` on fresh PostgreSQL databases and a fresh broker
namespace, with real organisations, API clients and tokens (the system tests' machinery), and a
programme that takes referrals. Everything is made for the run and removed after it."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support import bodies, infra
from tests.support.actors import Cast, full_administrator
from tests.support.processes import Platform, free_port_block, poll, start_platform
from vru_deploy.components import default_port
from vru_shared.settings import SERVICES

# The gateway's per-client limit (1,200 a minute by default) is an abuse control, not a capacity:
# a benchmark client must not be throttled by it, but it still pays for the counting.
RATE_LIMIT = "10000000/minute"
# Enough for many runs of the slowest metric query at national scale.
UPSTREAM_TIMEOUT_S = "120"


def plain_dsn(database: str) -> str:
    """An asyncpg DSN (no SQLAlchemy driver prefix) for a database on the test server."""
    return f"{infra.POSTGRES.rsplit('/', 1)[0]}/{database}"


@dataclass
class Deployment:
    platform: Platform
    port: int
    databases: dict[str, str]
    prefix: str
    env: dict[str, str]
    cast: Cast
    programme_id: str = ""
    extra_databases: list[str] = field(default_factory=list)
    extra_prefixes: list[str] = field(default_factory=list)

    @property
    def gateway(self) -> str:
        return self.platform.url

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{default_port(name, self.port)}"

    def dsn(self, service: str) -> str:
        return plain_dsn(self.databases[service])

    def bearer(self, actor_role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self.cast, actor_role).token()}"}


def referral_body(programme_id: str, number: str, *, source: str = "custody") -> dict[str, Any]:
    """A valid referral of a synthetic young person known by a local id unique to `number`."""
    identifiers = [{"type": "local", "value": f"BENCH-{number}", "issuer": "Benchmark case system (synthetic)"}]
    return bodies.referral(programme_id, source, identifiers)


def referral_template(programme_id: str) -> str:
    """The JSON of a referral whose local id the load generator numbers, one person per request."""
    from bench.load import SENTINEL

    return json.dumps(referral_body(programme_id, f"{uuid.uuid4().hex[:8]}-{SENTINEL}"))


async def start(work_dir: Path) -> Deployment:
    names = {service: infra.unique(f"vru_bench_{service}_") for service in SERVICES}
    prefix = infra.unique("bench")
    urls = {service: await infra.create_database(name) for service, name in names.items()}
    port = free_port_block(size=len(SERVICES) + 1)
    env = {
        "VRU_MODE": "full",
        "VRU_AMQP_URL": infra.AMQP,
        "VRU_PSEUDONYM_KEY": secrets.token_urlsafe(48),
        "VRU_IDENTITY_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "VRU_BUS_PREFIX": prefix,
        "VRU_RATE_LIMIT": RATE_LIMIT,
        "VRU_UPSTREAM_TIMEOUT_S": UPSTREAM_TIMEOUT_S,
        **{f"VRU_{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    try:
        platform = await asyncio.to_thread(
            start_platform, ["full", "--port", str(port), "--no-create-databases"], env,
            work_dir / "platform.log", port, 120,
        )
    except BaseException:
        await _drop(list(names.values()), [prefix])
        raise
    try:
        cast = await asyncio.to_thread(Cast.assemble, full_administrator({**os.environ, **env}, platform.url))
        deployment = Deployment(platform, port, names, prefix, env, cast)
        deployment.programme_id = await asyncio.to_thread(_programme_taking_referrals, deployment)
    except BaseException:
        platform.stop()
        await _drop(list(names.values()), [prefix])
        raise
    return deployment


def _programme_taking_referrals(deployment: Deployment) -> str:
    """A programme of the cast's provider, once the referrals service has heard of it."""
    cast = deployment.cast
    with cast.administrator.client() as admin:
        created = poll(
            lambda: admin.post("/v1/programmes", json=bodies.programme(
                f"Benchmark mentoring {uuid.uuid4().hex[:6]}", provider_organisation_id=cast.provider.organisation_id)),
            lambda a: not (a.status_code == 422 and "unknown-organisation" in a.text), timeout=60)
    if created.status_code != 201:
        raise RuntimeError(f"could not create the benchmark programme: {created.status_code} {created.text[:500]}")
    programme_id = created.json()["id"]
    with cast.referrer.client() as referrer:
        answer = poll(lambda: referrer.post("/v1/referrals", json=referral_body(programme_id, uuid.uuid4().hex)),
                      lambda a: not (a.status_code == 422 and "unknown-programme" in a.text), timeout=60)
    if answer.status_code != 201:
        raise RuntimeError(f"the referrals service refuses the benchmark referral: {answer.status_code} "
                           f"{answer.text[:500]}")
    return programme_id


def make_referral(deployment: Deployment) -> str:
    with deployment.cast.referrer.client() as referrer:
        answer = referrer.post("/v1/referrals", json=referral_body(deployment.programme_id, uuid.uuid4().hex))
    if answer.status_code != 201:
        raise RuntimeError(f"referral refused: {answer.status_code} {answer.text[:500]}")
    return answer.json()["id"]


async def stop(deployment: Deployment) -> int:
    code = await asyncio.to_thread(deployment.platform.stop)
    await _drop([*deployment.databases.values(), *deployment.extra_databases],
                [deployment.prefix, *deployment.extra_prefixes])
    return code


async def _drop(databases: list[str], prefixes: list[str]) -> None:
    for name in databases:
        try:
            await infra.drop_database(name)
        except Exception as exc:  # noqa: BLE001 - cleaning up what it can, saying what it could not
            print(f"could not drop database {name}: {exc!r}", file=sys.stderr)
    for prefix in prefixes:
        try:
            await infra.delete_bus_namespace(prefix)
        except Exception as exc:  # noqa: BLE001
            print(f"could not delete bus namespace {prefix}: {exc!r}", file=sys.stderr)


async def wait_ready(url: str, timeout: float = 60) -> None:
    """Until GET <url>/ready answers 200."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            try:
                if (await http.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{url} not ready within {timeout:.0f} s")
            await asyncio.sleep(0.25)


async def wait_ready_port(port: int, timeout: float = 30) -> None:
    """Until something accepts connections on 127.0.0.1:<port>."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s") from None
            await asyncio.sleep(0.1)
