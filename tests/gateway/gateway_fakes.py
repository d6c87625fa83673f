"""Fake upstream services and the servers that run them on real sockets, in this event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel

from vru_shared import problems


@dataclass
class Running:
    """A uvicorn server started in this event loop."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def serve(app: FastAPI, port: int = 0) -> Running:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
        # The gateway adds the peer to X-Forwarded-For itself; uvicorn must not replace the peer.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError(f"uvicorn did not start: {task.exception()!r}")
        await asyncio.sleep(0.005)
    return Running(server, task, server.servers[0].sockets[0].getsockname()[1])


def free_port() -> int:
    """A port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _echo(service: str, request: Request, body: bytes) -> dict:
    return {
        "service": service,
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "body": body.decode(),
        "headers": dict(request.headers),
        "correlation_ids": request.headers.getlist("x-correlation-id"),
    }


class Summary(BaseModel):
    total: int


class ReferralIn(BaseModel):
    name: str


def referrals_app() -> FastAPI:
    app = FastAPI(title="Referrals")
    problems.install(app)

    @app.post("/v1/referrals", status_code=201)
    async def create(referral: ReferralIn, request: Request) -> JSONResponse:
        echo = _echo("referrals", request, await request.body())
        return JSONResponse(echo, status_code=201, headers={"Location": "/v1/referrals/r-1"})

    @app.get("/v1/referrals/summary")
    async def summary() -> Summary:
        return Summary(total=3)

    @app.get("/v1/referrals/moved")
    async def moved() -> RedirectResponse:
        return RedirectResponse("/v1/referrals/r-1", status_code=307)

    @app.get("/v1/referrals/{referral_id}")
    async def read(referral_id: str, request: Request, response: Response) -> dict:
        response.headers.append("set-cookie", "a=1")
        response.headers.append("set-cookie", "b=2")
        response.headers["x-served-by"] = "referrals"
        return _echo("referrals", request, await request.body())

    @app.get("/v1/outcomes/stray")
    async def stray() -> dict:
        """Not routed to referrals, so not in the merged document."""
        return {}

    @app.get("/internal/debug")
    async def debug() -> dict:
        return {}

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready", "checks": {}}

    return app


def interventions_app() -> FastAPI:
    app = FastAPI(title="Interventions")
    problems.install(app)

    @app.get("/v1/programmes")
    async def programmes(request: Request) -> dict:
        return _echo("interventions", request, b"")

    @app.patch("/v1/programmes/{programme_id}")
    async def change(programme_id: str, request: Request) -> dict:
        return _echo("interventions", request, await request.body())

    @app.get("/v1/enrolments")
    async def enrolments(request: Request) -> dict:
        return _echo("interventions", request, b"")

    @app.post("/v1/enrolments", status_code=201)
    async def enrol(request: Request) -> dict:
        return _echo("interventions", request, await request.body())

    @app.delete("/v1/enrolments/{enrolment_id}", status_code=204)
    async def withdraw(enrolment_id: str) -> Response:
        return Response(status_code=204)

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready", "checks": {}}

    return app


def outcomes_app() -> FastAPI:
    # Named like the referrals' Summary but different: the merge must rename one.
    class Summary(BaseModel):
        mean: float
        label: str

    app = FastAPI(title="Outcomes")
    problems.install(app)
    app.state.ready = True

    @app.get("/v1/outcomes")
    async def outcomes(request: Request) -> dict:
        return _echo("outcomes", request, b"")

    @app.get("/v1/outcomes/slow")
    async def slow() -> dict:
        await asyncio.sleep(1.5)
        return {}

    @app.get("/v1/metrics")
    @app.head("/v1/metrics", operation_id="metrics_head")
    async def metrics(request: Request) -> dict:
        return _echo("outcomes", request, b"")

    @app.get("/v1/metrics/summary", response_model=Summary)
    async def summary() -> dict:
        return {"mean": 1.5, "label": "x"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        ok = app.state.ready
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": {}}, status_code=200 if ok else 503
        )

    return app


def identity_app() -> FastAPI:
    app = FastAPI(title="Identity")
    problems.install(app)

    @app.get("/v1/auth/jwks")
    async def jwks() -> dict:
        return {"keys": []}

    @app.get("/v1/organisations")
    async def organisations(request: Request) -> dict:
        return _echo("identity", request, b"")

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready", "checks": {}}

    return app


async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Takes a request and closes the connection without answering, like a crashed upstream."""
    await reader.read(1024)
    writer.close()


@dataclass
class Platform:
    referrals: Running
    interventions: Running
    outcomes: Running
    identity: Running
    hang_up_url: str

    def urls(self) -> dict[str, str]:
        return {
            "referrals_url": self.referrals.url,
            "interventions_url": self.interventions.url,
            "outcomes_url": self.outcomes.url,
            "identity_url": self.identity.url,
        }


# Starts a gateway in front of the fakes; keyword arguments override Settings fields.
GatewayFactory = Callable[..., Awaitable[httpx.AsyncClient]]
