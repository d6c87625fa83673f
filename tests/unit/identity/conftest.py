"""The identity service in process, on SQLite in a temporary folder, with a clock the test moves."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from vru_identity.bootstrap import SPEC
from vru_identity.entrypoints.deps import get_caller
from vru_shared.auth import KeySet, Principal, Role, TokenVerifier
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.service import create_app
from vru_shared.settings import Settings

@pytest.fixture(autouse=True)
def _no_vru_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("VRU_"):
            monkeypatch.delenv(name)


ADMINISTRATOR = Principal("vru_" + "a" * 24, uuid.uuid4(), Role.ADMINISTRATOR, frozenset({"admin"}), "test")


class Clock:
    """The service's clock; it starts a day ago so a test can issue tokens that have expired."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def catch_up(self) -> None:
        """Move to the real time, which is what PyJWT checks `exp` and `nbf` against."""
        self.now = datetime.now(UTC)


@dataclass
class Identity:
    app: FastAPI
    http: httpx.AsyncClient
    clock: Clock
    transport: InProcessTransport
    settings: Settings

    async def organisation(self, name: str = "Example Mentoring Trust", role: str = "provider") -> dict[str, Any]:
        answer = await self.http.post("/v1/organisations", json={"name": name, "role": role})
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def client(self, organisation_id: str, name: str = "Case system") -> tuple[str, str]:
        answer = await self.http.post(f"/v1/organisations/{organisation_id}/clients", json={"name": name})
        assert answer.status_code == 201, answer.text
        return answer.json()["client_id"], answer.json()["client_secret"]

    async def provider_client(self) -> tuple[str, str]:
        return await self.client((await self.organisation())["id"])

    async def token(self, client_id: str, secret: str, **form: str) -> httpx.Response:
        """A token request authenticated with client_secret_post."""
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **form}
        return await self.http.post("/v1/auth/token", data=body)

    async def key_set(self) -> jwt.PyJWKSet:
        answer = await self.http.get("/v1/auth/jwks")
        assert answer.status_code == 200
        return jwt.PyJWKSet.from_dict(answer.json())

    async def verify(self, token: str) -> dict[str, Any]:
        """Verify a token as a resource server would: signature from the published key set."""
        kid = jwt.get_unverified_header(token)["kid"]
        key = (await self.key_set())[kid]
        return jwt.decode(token, key.key, algorithms=["EdDSA"], audience="vru-api", issuer="vru-platform")


@pytest.fixture
def start_identity() -> Callable[..., AbstractAsyncContextManager[Identity]]:
    """Start the service on given settings (the `identity` fixture is the usual embedded one)."""

    @asynccontextmanager
    async def start(settings: Settings, *, real_time: bool = False, as_admin: bool = True) -> AsyncIterator[Identity]:
        transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=10, prefetch=8))
        await transport.start()
        app = create_app(SPEC, settings, transport)
        if as_admin:
            # Most tests are about what administrators do; test_identity_access covers who may.
            app.dependency_overrides[get_caller] = lambda: ADMINISTRATOR
        clients: list[httpx.AsyncClient] = []

        async def jwks() -> dict[str, Any]:
            return (await clients[0].get("/v1/auth/jwks")).json()

        app.state.token_verifier = TokenVerifier(
            KeySet(jwks), issuer=settings.token_issuer, audience=settings.token_audience
        )
        clock = Clock()
        if real_time:
            clock.catch_up()
        authority = app.state.authority
        authority.clock = clock
        authority.activation_delay = timedelta(0)
        try:
            async with app.router.lifespan_context(app):
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
                    clients.append(http)
                    yield Identity(app, http, clock, transport, settings)
        finally:
            await transport.close()

    return start


@pytest.fixture
async def identity(tmp_path, start_identity) -> AsyncIterator[Identity]:
    async with start_identity(Settings(data_dir=tmp_path)) as started:
        yield started
