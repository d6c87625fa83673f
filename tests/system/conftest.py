"""The platform as real processes: full mode on PostgreSQL and RabbitMQ, and embedded mode."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from tests.support import infra
from tests.support.actors import Cast, embedded_administrator, full_administrator
from tests.support.processes import free_port_block, start_platform

SERVICES = ("referrals", "interventions", "outcomes", "identity")


@pytest.fixture(scope="module")
def full_platform(real_services, tmp_path_factory):
    """`vru full`: the gateway and each service as separate processes."""
    names = {service: infra.unique(f"vru_sys_{service}_") for service in SERVICES}
    prefix = infra.unique("sys")

    async def create() -> dict[str, str]:
        return {service: await infra.create_database(name) for service, name in names.items()}

    urls = asyncio.run(create())
    port = free_port_block()
    env = {
        "VRU_MODE": "full",
        "VRU_AMQP_URL": infra.AMQP,
        "VRU_PSEUDONYM_KEY": secrets.token_urlsafe(48),
        "VRU_IDENTITY_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "VRU_BUS_PREFIX": prefix,
        "VRU_BUS_RETRY_DELAY_MS": "200",
        **{f"VRU_{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    log_path = tmp_path_factory.mktemp("full") / "platform.log"
    platform = start_platform(["full", "--port", str(port), "--no-create-databases"], env, log_path, port)
    platform.env = env
    platform.cast = Cast.assemble(full_administrator({**os.environ, **env}, platform.url))
    yield platform
    code = platform.stop()

    async def clean() -> None:
        for name in names.values():
            await infra.drop_database(name)
        await infra.delete_bus_namespace(prefix)

    asyncio.run(clean())
    assert code == 0, f"the platform did not stop cleanly:\n{platform.log()[-3000:]}"


@pytest.fixture(scope="module")
def embedded_platform(tmp_path_factory):
    """`vru up`: everything in one process, SQLite and the in-process bus."""
    data_dir = tmp_path_factory.mktemp("embedded")
    port = free_port_block()
    platform = start_platform(
        ["up", "--port", str(port), "--data-dir", str(data_dir)], {"VRU_BUS_RETRY_DELAY_MS": "200"},
        data_dir / "platform.log", port,
    )
    platform.data_dir = data_dir
    platform.cast = Cast.assemble(embedded_administrator(data_dir, platform.url))
    yield platform
    code = platform.stop()
    assert code == 0, f"the platform did not stop cleanly:\n{platform.log()[-3000:]}"


@pytest.fixture(params=["full", "embedded"])
def platform(request):
    return request.getfixturevalue(f"{request.param}_platform")
