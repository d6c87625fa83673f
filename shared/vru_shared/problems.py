"""RFC 9457 problem details: every error answer says what was wrong and, for input, which field."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def install(app: FastAPI) -> None:
    """Make every error of the app a problem-details answer."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "content": {MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
    for status in (404, 409, 422)
}
