"""Liveness of the gateway and readiness of the platform behind it."""

from __future__ import annotations

import asyncio

import aiohttp
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from vru_gateway.upstreams import Upstreams
from vru_shared.correlation import HEADER, current

READY_TIMEOUT_S = 2.0


class Readiness(BaseModel):
    """The platform's readiness and each service's: ready, not ready or unreachable."""

    status: str
    services: dict[str, str]


async def _probe(upstreams: Upstreams, service: str) -> str:
    try:
        async with upstreams.session.get(
            f"{upstreams.urls[service]}/ready",
            headers={HEADER: current()},
            timeout=upstreams.timeout(READY_TIMEOUT_S),
        ) as response:
            await response.read()
            return "ready" if response.status == 200 else "not ready"
    except (aiohttp.ClientError, TimeoutError):
        return "unreachable"


async def readiness(upstreams: Upstreams) -> dict[str, str]:
    """Every service's own readiness, asked all at once."""
    services = list(upstreams.urls)
    states = await asyncio.gather(*(_probe(upstreams, service) for service in services))
    return dict(zip(services, states, strict=True))


def health_router(upstreams: Upstreams) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the gateway answers."""
        return {"status": "ok"}

    @router.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Some service is not ready"}},
    )
    async def ready() -> JSONResponse:
        """Readiness: every service behind the gateway says it is ready."""
        services = await readiness(upstreams)
        ok = all(state == "ready" for state in services.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "services": services}, status_code=200 if ok else 503
        )

    return router
