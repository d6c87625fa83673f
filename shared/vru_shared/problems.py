"""RFC 9457 problem details: every error answer says what was wrong and, for input, which field."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vru_shared import logs

log = logs.get(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://vru-platform.example/problems/"


class InvalidParam(BaseModel):
    """One rejected input: where it is (a JSON pointer) and why."""

    pointer: str
    detail: str


class ProblemDetails(BaseModel):
    """The RFC 9457 body of every error answer."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[InvalidParam] | None = None


class Problem(Exception):
    """Raised anywhere in a request to answer with problem details."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[InvalidParam] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.errors = errors


def problem_response(
    status: int,
    detail: str | None,
    *,
    kind: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    errors: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body = ProblemDetails(
        type=TYPE_BASE + (kind or phrase.lower().replace(" ", "-")),
        title=title or phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def _pointer(loc: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def _validation_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        InvalidParam(pointer=_pointer(tuple(e.get("loc", ()))), detail=_validation_message(e))
        for e in exc.errors()
    ]
    summary = "; ".join(f"{e.pointer}: {e.detail}" for e in errors[:5])
    return problem_response(
        422,
        f"The request is not valid: {summary}",
        kind="validation-error",
        title="Invalid request",
        instance=request.url.path,
        errors=errors,
    )


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(
        exc.status,
        exc.detail,
        kind=exc.kind,
        title=exc.title,
        instance=request.url.path,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem_response(
        exc.status_code,
        str(exc.detail) if exc.detail else None,
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def _problem_media_type(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each problem response's schema under application/problem+json alone.

    FastAPI puts a response's model under the route's own media type, application/json, which
    errors are never sent as; the problem media type, the one they are sent as, gets no schema.
    """
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if MEDIA_TYPE in content and not content[MEDIA_TYPE] and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return document


# Errors that mean the database cannot be reached just now (down, restarting, out of connections),
# not that the request was wrong: the same request may well succeed in a moment.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.TimeoutError,  # no pooled connection came free in time
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, with ConnectionDoesNotExistError
    asyncpg.CannotConnectNowError,  # 57P03: the database system is starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: terminating connection due to administrator command
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
    ConnectionError,  # refused, reset or aborted on the socket, which asyncpg passes on as it is
)
DATABASE_RETRY_AFTER_S = 1


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error, or one it was raised from, says the database is out of reach."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        # SQLAlchemy tells a lost connection apart from every other driver error.
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, BaseExceptionGroup):
            pending += current.exceptions
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return False


def database_unavailable_response(path: str, exc: BaseException) -> JSONResponse:
    """The 503 for a request that met a lost database; logs the error's type only (a driver's
    message can quote the statement)."""
    log.warning("database unavailable; answered 503", path=path, error=type(exc).__name__)
    return problem_response(
        503,
        "The service cannot reach its database just now. Retry shortly (with the same Idempotency-Key, "
        "if you sent one).",
        kind="database-unavailable",
        title="Service Unavailable",
        instance=path,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc  # any other error is a fault of ours: a 500, logged with its trace
    return database_unavailable_response(request.url.path, exc)


class DatabaseUnavailableMiddleware:
    """The same 503 for a lost database met outside the routes (in another middleware, say),
    as long as no answer has started; any other error passes on untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            await database_unavailable_response(scope["path"], exc)(scope, receive, send)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the traceback itself; the caller learns only how to refer to the failure.
    reference = getattr(request.state, "correlation_id", None)
    return problem_response(
        500,
        f"An unexpected error occurred; quote correlation id {reference} when reporting it.",
        kind="internal-error",
        instance=request.url.path,
    )


def install(app: FastAPI) -> None:
    """Make every error of the app a problem-details answer, and document them as sent."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    # Starlette picks a handler by the error's class: these are the classes a lost database
    # surfaces as; the handler answers 503 for the outage and passes every other error on.
    for kind in (sa_exc.DBAPIError, sa_exc.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                 ConnectionError):
        app.add_exception_handler(kind, _on_database_error)
    app.add_middleware(DatabaseUnavailableMiddleware)
    # Anything else is a fault of ours: still a problem document, never a bare text page.
    app.add_exception_handler(Exception, _on_unexpected)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_media_type(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# 400 is FastAPI's answer to a body it cannot even decode (not UTF-8, say), before any validation.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "content": {MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 422)
}
