"""What a service answers when its database is out of reach, in process: the errors a lost
PostgreSQL surfaces as become a 503 problem with Retry-After, wherever in the app they are met;
every other database error stays a 500."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from vru_shared import problems

pytestmark = pytest.mark.faults


def wrapped(cause: BaseException, kind: type[sa_exc.DBAPIError] = sa_exc.DBAPIError,
            invalidated: bool = False) -> sa_exc.DBAPIError:
    """As SQLAlchemy raises a driver error: wrapped, raised from the driver's own."""
    try:
        raise cause
    except BaseException as driver_error:
        try:
            raise kind("SELECT 1", None, driver_error, connection_invalidated=invalidated) from driver_error
        except sa_exc.DBAPIError as error:
            return error


ERRORS = {
    "starting-up": lambda: wrapped(asyncpg.CannotConnectNowError("the database system is starting up")),
    "shutting-down": lambda: wrapped(asyncpg.AdminShutdownError("terminating connection due to administrator")),
    "connection-lost": lambda: wrapped(Exception("connection is closed"), sa_exc.InterfaceError, invalidated=True),
    "refused": lambda: ConnectionRefusedError(111, "Connection refused"),
    "pool-exhausted": lambda: sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    "duplicate-key": lambda: wrapped(asyncpg.UniqueViolationError("duplicate key"), sa_exc.IntegrityError),
    "bad-sql": lambda: wrapped(asyncpg.UndefinedTableError("no such table"), sa_exc.ProgrammingError),
}


def app_raising(where: str) -> FastAPI:
    app = FastAPI()
    if where == "middleware":
        # Like the Idempotency-Key lookup: a middleware installed before the problem handling,
        # outside the routes and their exception handlers.
        @app.middleware("http")
        async def look_up_first(request, call_next):
            raise ERRORS[request.url.path.rsplit("/", 1)[-1]]()

    problems.install(app)

    @app.post("/v1/things/{name}")
    async def fail(name: str) -> None:
        raise ERRORS[name]()

    return app


@pytest.mark.parametrize("where", ["route", "middleware"])
@pytest.mark.parametrize("name", ["starting-up", "shutting-down", "connection-lost", "refused", "pool-exhausted"])
async def test_a_lost_database_is_a_503_problem_with_retry_after(name, where):
    transport = httpx.ASGITransport(app=app_raising(where), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(f"/v1/things/{name}")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/database-unavailable")
    assert "SELECT" not in answer.text  # nothing of the statement reaches the caller


@pytest.mark.parametrize("where", ["route", "middleware"])
@pytest.mark.parametrize("name", ["duplicate-key", "bad-sql"])
async def test_any_other_database_error_is_still_a_500(name, where):
    transport = httpx.ASGITransport(app=app_raising(where), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(f"/v1/things/{name}")
    assert answer.status_code == 500
    assert "Retry-After" not in answer.headers
