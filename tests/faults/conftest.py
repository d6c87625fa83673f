"""The fault run: each case module gets its own `vru full` platform (PostgreSQL, RabbitMQ, unique
databases and bus prefix); every case reports a row to one table, printed and kept as JSON."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from tests.faults import broker, database
from tests.faults.report import Report
from tests.support import infra
from tests.support.actors import Cast, full_administrator
from tests.support.processes import free_port_block, start_platform

SERVICES = ("referrals", "interventions", "outcomes", "identity")

_report: Report | None = None


@pytest.fixture(scope="session")
def fault_report(tmp_path_factory) -> Report:
    global _report
    _report = Report(tmp_path_factory.mktemp("faults") / "fault-table.json")
    return _report


def pytest_terminal_summary(terminalreporter) -> None:
    if _report is not None and _report.rows:
        terminalreporter.section("fault injection")
        terminalreporter.write_line(_report.table())
        terminalreporter.write_line(f"rows kept in {_report.path}")


@pytest.fixture(autouse=True)
def _infrastructure_restored():
    """Whatever a case did, RabbitMQ and PostgreSQL are running again after it."""
    yield
    if not broker.is_up():
        broker.start()
    if not database.is_up():
        database.start()


@pytest.fixture(scope="module")
def platform(real_services, tmp_path_factory):
    """`vru full` on fresh databases and a fresh bus namespace, for one case module."""
    names = {service: infra.unique(f"vru_fault_{service}_") for service in SERVICES}
    prefix = infra.unique("fault")

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
        # The production default, on purpose: with 5 attempts it gives a failing message about five
        # seconds, longer than a PostgreSQL restart. (At 200 ms, a restart dead-letters events.)
        "VRU_BUS_RETRY_DELAY_MS": "1000",
        # The streams are faster than one client's production limit; the gateway's limits are not under test.
        "VRU_RATE_LIMIT": "100000/minute",
        **{f"VRU_{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    log_path = tmp_path_factory.mktemp("platform") / "platform.log"
    started = start_platform(["full", "--port", str(port), "--no-create-databases"], env, log_path, port)
    started.env = env
    try:
        started.cast = Cast.assemble(full_administrator({**os.environ, **env}, started.url))
        yield started
    finally:
        code = started.stop()

        async def clean() -> None:
            for name in names.values():
                await infra.drop_database(name)
            await infra.delete_bus_namespace(prefix)

        asyncio.run(clean())
    assert code == 0, f"the platform did not stop cleanly:\n{started.log()[-3000:]}"
