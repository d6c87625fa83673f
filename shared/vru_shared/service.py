"""The composition root of one service: its database, migrations, outbox relay and consumer,
wired into a FastAPI app whose lifespan starts and stops them. Nothing connects at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, text

from vru_shared import db, heap, idempotency, idempotency_http, logs, migrations, openapi_conventions, problems
from vru_shared.auth import KeySet, TokenVerifier, http_jwks
from vru_shared.bus.base import DeliveryPolicy, Transport
from vru_shared.consumer import EventConsumer, Subscriptions
from vru_shared.correlation import CorrelationMiddleware
from vru_shared.messaging import MessagingTables
from vru_shared.relay import OutboxRelay
from vru_shared.settings import Settings
from vru_shared.unit_of_work import UnitOfWork

log = logs.get(__name__)

IDENTITY_DEFAULT_PORT = 8004


@dataclass(frozen=True)
class ServiceSpec:
    """What makes a service itself; the runtime supplies everything that does I/O."""

    name: str
    title: str
    description: str
    default_port: int
    metadata: MetaData
    messaging: MessagingTables
    migrations: Path
    unit_of_work: type[UnitOfWork]
    routers: Sequence[APIRouter]
    subscriptions: Subscriptions = field(default_factory=dict)
    start_mappers: Callable[[], None] = lambda: None
    # Service-specific collaborators built from settings (a pseudonymiser, say), put on app.state.
    collaborators: Callable[[Settings], dict[str, Any]] = lambda _settings: {}
    # Long-running duties of the service (a daily retention sweep, say), started with it.
    background: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.bus_max_attempts,
        retry_delay_ms=settings.bus_retry_delay_ms,
        prefetch=settings.bus_prefetch,
    )


def rabbitmq_transport(settings: Settings) -> Transport:
    from vru_shared.bus.rabbitmq import RabbitMqTransport

    return RabbitMqTransport(
        settings.broker_url(), prefix=settings.bus_prefix, policy=delivery_policy(settings)
    )


class ServiceRuntime:
    """The live parts of one service, started and stopped with its app."""

    def __init__(self, spec: ServiceSpec, settings: Settings, transport: Transport | None = None) -> None:
        self.spec = spec
        self.settings = settings
        self._owns_transport = transport is None
        self.transport: Transport = transport if transport is not None else rabbitmq_transport(settings)
        self.engine = db.create_engine(settings.database_url(spec.name))
        self.sessions = db.session_factory(self.engine)
        self.relay = OutboxRelay(
            self.sessions,
            spec.messaging,
            self.transport,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
        )
        self._relay_task: asyncio.Task[None] | None = None
        self._background: list[asyncio.Task[None]] = []

    def uow(self) -> UnitOfWork:
        return self.spec.unit_of_work(
            self.sessions, self.spec.messaging, source=f"/vru/{self.spec.name}", on_outbox_commit=self.relay.notify
        )

    async def start(self) -> None:
        self.spec.start_mappers()
        await migrations.upgrade(self.engine, self.spec.migrations)
        if self._owns_transport:
            await self.transport.start()
        if self.spec.subscriptions:
            consumer = EventConsumer(self.spec.subscriptions, self.uow)
            await self.transport.subscribe(self.spec.name, consumer.event_types, consumer)
        self._relay_task = asyncio.create_task(self.relay.run(), name=f"relay-{self.spec.name}")
        self._background = [asyncio.create_task(duty(self), name=f"{self.spec.name}-{duty.__name__}")
                            for duty in (*self.spec.background, purge_idempotency_keys)]
        log.info("service started", service=self.spec.name)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self.relay.stop()
        if self._relay_task is not None:
            try:
                await asyncio.wait_for(self._relay_task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                self._relay_task.cancel()
        if self._owns_transport:
            await self.transport.close()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, bool]:
        checks = {"database": False, "broker": False}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
            log.warning("database not ready", error=repr(exc))
        checks["broker"] = await self.transport.is_ready()
        return checks


async def purge_idempotency_keys(runtime: ServiceRuntime) -> None:
    """Every service's duty: forget Idempotency-Keys past their expiry, hourly."""
    await idempotency.purge_periodically(runtime.sessions, runtime.spec.messaging.idempotency_keys)


def create_app(spec: ServiceSpec, settings: Settings, transport: Transport | None = None) -> FastAPI:
    """The service's HTTP app; its lifespan starts and stops the runtime."""
    runtime = ServiceRuntime(spec, settings, transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        heap.freeze_long_lived()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=spec.title, description=spec.description, version="1.0.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = token_verifier(settings)
    for name, value in spec.collaborators(settings).items():
        setattr(app.state, name, value)
    # Added first, so it runs inside the correlation middleware and its answers carry the id.
    idempotency_http.install(app, runtime.sessions, spec.messaging.idempotency_keys)
    app.add_middleware(CorrelationMiddleware)
    problems.install(app)
    openapi_conventions.install(app)
    for router in spec.routers:
        app.include_router(router)

    @app.get("/health", tags=["operations"], include_in_schema=False)
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": spec.name}

    @app.get("/ready", tags=["operations"], include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        """Readiness: the database and the broker both answer."""
        checks = await request.app.state.runtime.readiness()
        ok = all(checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                            status_code=200 if ok else 503)

    return app


def token_verifier(settings: Settings) -> TokenVerifier:
    """Verifies callers' tokens against the identity service's keys, fetched on first use."""
    jwks = settings.upstream_url("identity", IDENTITY_DEFAULT_PORT) + "/v1/auth/jwks"
    return TokenVerifier(KeySet(http_jwks(jwks)), issuer=settings.token_issuer, audience=settings.token_audience)


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime
