"""Fixtures: the fake services on real sockets, and the gateway in front of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from gateway_fakes import (
    GatewayFactory,
    Platform,
    Running,
    hang_up,
    identity_app,
    interventions_app,
    outcomes_app,
    referrals_app,
    serve,
)

from vru_gateway.app import create_app
from vru_shared.settings import Settings


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    running = [
        await serve(referrals_app()),
        await serve(interventions_app()),
        await serve(outcomes_app()),
        await serve(identity_app()),
    ]
    dropper = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = dropper.sockets[0].getsockname()[1]
    yield Platform(*running, hang_up_url=f"http://127.0.0.1:{port}")
    dropper.close()
    await asyncio.gather(*(server.stop() for server in running))


@pytest.fixture
async def make_gateway(platform: Platform, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    """Starts the gateway on a real port in front of the fakes; keywords override their URLs."""
    started: list[tuple[Running, httpx.AsyncClient]] = []

    async def start(**overrides: str) -> httpx.AsyncClient:
        settings = Settings(
            mode="embedded",
            **{**platform.urls(), **overrides},
            upstream_timeout_s=0.5,
            upstream_connect_timeout_s=0.5,
            data_dir=tmp_path,
        )
        gateway = await serve(create_app(settings))
        client = httpx.AsyncClient(base_url=gateway.url, trust_env=False, timeout=5)
        started.append((gateway, client))
        return client

    yield start
    for gateway, client in started:
        await client.aclose()
        await gateway.stop()


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> httpx.AsyncClient:
    return await make_gateway()
