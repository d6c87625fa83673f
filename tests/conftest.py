"""Fixtures shared by the integration and system tests: real PostgreSQL and RabbitMQ.

They never skip: a missing service fails the run, with what was missing.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support import infra


@pytest.fixture(scope="session")
def real_services() -> None:
    missing = asyncio.run(infra.check_services())
    if missing:
        pytest.fail("integration tests need real services; missing: " + "; ".join(missing), pytrace=False)


@pytest.fixture
async def postgres_database(real_services):
    """A fresh, empty PostgreSQL database; returns a factory for more in the same test."""
    made: list[str] = []

    async def make(stem: str = "vru_t_") -> str:
        name = infra.unique(stem)
        made.append(name)
        return await infra.create_database(name)

    yield make
    for name in made:
        await infra.drop_database(name)


@pytest.fixture
async def bus_prefix(real_services):
    """A namespace of exchanges and queues on the real broker, deleted after the test."""
    prefix = infra.unique("t")
    yield prefix
    await infra.delete_bus_namespace(prefix)
