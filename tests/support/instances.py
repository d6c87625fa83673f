"""Copies of one service in process over one real database, as several processes of it would be,
each with its own in-process bus, trusting a test issuer's tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.service import ServiceSpec, create_app
from vru_shared.settings import Settings

from tests.support.tokens import TestIssuer


@dataclass
class Instance:
    """One copy of a service, as one process of several sharing its database would be."""

    app: FastAPI
    transport: InProcessTransport
    http: httpx.AsyncClient

    async def feed(self, *events: IntegrationEvent) -> None:
        await self.transport.publish([Envelope.wrap(e, source="/vru/test", correlation_id="test") for e in events])
        await self.transport.drain()

    async def count(self, table, *where) -> int:
        async with self.app.state.runtime.sessions() as session:
            return (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


@asynccontextmanager
async def instances(spec: ServiceSpec, url: str, issuer: TestIssuer, tmp_path, n: int) -> AsyncIterator[list[Instance]]:
    async with AsyncExitStack() as stack:
        running = []
        # One after another: each start migrates the shared database, and the first does the work.
        for i in range(n):
            transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
            await transport.start()
            stack.push_async_callback(transport.close)
            settings = Settings(mode="embedded", data_dir=tmp_path / str(i), pseudonym_key="p" * 48,
                                **{f"{spec.name}_database_url": url})
            app = create_app(spec, settings, transport)
            app.state.token_verifier = issuer.verifier()
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test"))
            running.append(Instance(app, transport, http))
        yield running
