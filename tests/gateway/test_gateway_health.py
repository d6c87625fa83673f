"""Liveness and readiness of the gateway."""

from __future__ import annotations

import httpx

from gateway_fakes import GatewayFactory, Platform, free_port


async def test_health_says_the_gateway_is_alive_even_when_services_are_not(
    make_gateway: GatewayFactory,
) -> None:
    gateway = await make_gateway(referrals_url=f"http://127.0.0.1:{free_port()}")

    response = await gateway.get("/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_is_200_when_every_service_is_ready(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "services": {"referrals": "ready", "interventions": "ready", "outcomes": "ready", "identity": "ready"},
    }


async def test_ready_is_503_and_says_which_service_is_down_or_not_ready(
    make_gateway: GatewayFactory, platform: Platform
) -> None:
    gateway = await make_gateway(referrals_url=f"http://127.0.0.1:{free_port()}")
    platform.outcomes.server.config.app.state.ready = False

    response = await gateway.get("/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "services": {"referrals": "unreachable", "interventions": "ready", "outcomes": "not ready",
                     "identity": "ready"},
    }
